"""Nenhuma URL do admin ou da API filtra, ordena ou busca por um campo cifrado: a resposta é a
mesma acerte ou não o palpite sobre a cifra (senão ela vaza um caractere por vez)."""

import pytest
from django.contrib import admin
from django.contrib.admin import helpers
from django.urls import reverse
from rest_framework.filters import OrderingFilter
from rest_framework_simplejwt.tokens import RefreshToken

from brm.api_urls import rotas
from brm.fabricas import criar_cliente, criar_processo, jwt_de_teste
from execucoes.models import Execucao, LogExecucao, TipoExecucao
from nucleo.admin_base import SoFiltrosDaTela, exportar_csv
from nucleo.criptografia import CampoCifrado, passa_por_campo_cifrado
from processos.models import Origem, StatusProcesso

pytestmark = pytest.mark.django_db

# Consulta: (palpite que acerta a coluna cifrada, palpite que erra).
PALPITES = {
    "__regex": ("^fernet:gAAAA", "^nada$"),
    "__startswith": ("fernet:", "nada"),
    "__gt": ("", "~"),
    "__isnull": ("false", "true"),
    "": ("", "nada"),
}
MODELADMINS = list(admin.site._registry.values())


def caminhos_ate_segredos(modelo, prefixo="", vistos=(), profundidade=3):
    """Todo caminho de consulta (até 3 relações, sem voltar a um modelo) que chega a um campo
    cifrado: `senha_portal`, `execucao__processo__cliente__senha_portal`, …"""
    for campo in modelo._meta.get_fields():
        if isinstance(campo, CampoCifrado):
            yield prefixo + campo.name
        elif campo.is_relation and profundidade and campo.related_model not in (None, *vistos):
            yield from caminhos_ate_segredos(
                campo.related_model, f"{prefixo}{campo.name}__", (*vistos, modelo), profundidade - 1
            )


@pytest.fixture
def dados(administrador):
    administrador.api_externa_token = jwt_de_teste()
    administrador.save()
    processo = criar_processo(
        criar_cliente(senha_portal="senha-do-portal"), criado_por=administrador
    )
    processo.mudar_status(
        StatusProcesso.AGUARDANDO_APROVACAO, origem=Origem.WORKER, usuario=administrador
    )
    processo.aprovado_por = administrador
    processo.save()
    execucao = Execucao.objects.create(
        processo=processo, tipo=TipoExecucao.DOWNLOAD_FATURA, executado_por=administrador
    )
    LogExecucao.objects.create(execucao=execucao, mensagem="Iniciando")
    RefreshToken.for_user(administrador).blacklist()
    return processo


def _lista(modeladmin) -> str:
    opcoes = modeladmin.model._meta
    return reverse(f"admin:{opcoes.app_label}_{opcoes.model_name}_changelist")


def visto_por_quem_pede(resposta) -> tuple:
    """O que a resposta revela: status, destino e as linhas da lista (o HTML varia pelo token
    CSRF e pela própria URL)."""
    assert resposta.status_code < 500
    contexto = resposta.context
    linhas = None
    if resposta.status_code == 200 and contexto is not None and "cl" in contexto:
        linhas = [objeto.pk for objeto in contexto["cl"].result_list]
    return resposta.status_code, resposta.get("Location"), linhas


def test_todo_modeladmin_registrado_so_filtra_pelo_que_a_tela_oferece():
    assert MODELADMINS
    for modeladmin in MODELADMINS:
        assert isinstance(modeladmin, SoFiltrosDaTela), modeladmin


@pytest.mark.lento
@pytest.mark.parametrize("perfil", ["operador", "administrador"])
@pytest.mark.parametrize("modeladmin", MODELADMINS, ids=lambda m: m.model._meta.label)
def test_consulta_a_campo_cifrado_responde_igual_acertando_ou_nao(
    modeladmin, perfil, request, dados, navegador_de
):
    navegador = navegador_de(request.getfixturevalue(perfil))
    url = _lista(modeladmin)
    caminhos = list(caminhos_ate_segredos(modeladmin.model))
    assert caminhos
    for caminho in caminhos:
        for sufixo, (acerta, erra) in PALPITES.items():
            consulta = caminho + sufixo
            com_acerto = visto_por_quem_pede(navegador.get(url, {consulta: acerta}))
            com_erro = visto_por_quem_pede(navegador.get(url, {consulta: erra}))
            assert com_acerto == com_erro, consulta


@pytest.mark.lento
@pytest.mark.parametrize("perfil", ["operador", "administrador"])
@pytest.mark.parametrize("modeladmin", MODELADMINS, ids=lambda m: m.model._meta.label)
def test_ordem_e_busca_nao_usam_campo_cifrado(modeladmin, perfil, request, dados, navegador_de):
    navegador = navegador_de(request.getfixturevalue(perfil))
    url = _lista(modeladmin)
    sem_nada = visto_por_quem_pede(navegador.get(url))
    for caminho in caminhos_ate_segredos(modeladmin.model):
        for ordem in (caminho, f"-{caminho}", f"1.{caminho}"):
            assert visto_por_quem_pede(navegador.get(url, {"o": ordem})) == sem_nada
    buscas = [visto_por_quem_pede(navegador.get(url, {"q": q})) for q in ("fernet:", "senha-do")]
    assert buscas[0] == buscas[1] == visto_por_quem_pede(navegador.get(url, {"q": "nada-disso"}))


@pytest.mark.parametrize("perfil", ["operador", "administrador"])
def test_exportacao_de_todos_nao_filtra_por_campo_cifrado(perfil, request, dados, navegador_de):
    navegador = navegador_de(request.getfixturevalue(perfil))
    com_exportacao = [m for m in MODELADMINS if exportar_csv in (m.actions or [])]
    assert com_exportacao
    for modeladmin in com_exportacao:
        for caminho in caminhos_ate_segredos(modeladmin.model):
            respostas = [
                navegador.post(
                    f"{_lista(modeladmin)}?{caminho}__regex={palpite}",
                    {
                        "action": "exportar_csv",
                        "select_across": "1",
                        "index": "0",
                        helpers.ACTION_CHECKBOX_NAME: [str(dados.pk), str(dados.cliente.pk)],
                    },
                )
                for palpite in PALPITES["__regex"]
            ]
            assert [r.status_code for r in respostas] == [400, 400], caminho
            assert respostas[0].content == respostas[1].content


def test_caminhos_declarados_no_admin_nao_passam_por_campo_cifrado():
    for modeladmin in MODELADMINS:
        modelo = modeladmin.model
        declarados = [
            *modeladmin.search_fields,
            *(modeladmin.ordering or []),
            *(c for _, c in getattr(modeladmin, "colunas_csv", [])),
        ]
        for nome in modeladmin.list_display:
            atributo = getattr(modeladmin, nome, None)
            declarados.append(getattr(atributo, "admin_order_field", None) or nome)
        for caminho in declarados:
            if isinstance(caminho, str):
                assert not passa_por_campo_cifrado(modelo, caminho.replace(".", "__")), caminho


def test_rota_da_api_nao_filtra_ordena_nem_busca_por_campo_cifrado():
    for _, viewset, _ in rotas.registry:
        modelo = viewset.queryset.model
        filtros = getattr(viewset, "filterset_class", None)
        caminhos = [f.field_name for f in filtros.base_filters.values()] if filtros else []
        caminhos += getattr(viewset, "filterset_fields", None) or []
        caminhos += getattr(viewset, "search_fields", None) or []
        ordem = getattr(viewset, "ordering_fields", None)
        assert ordem != "__all__", viewset
        if OrderingFilter in viewset.filter_backends or ordem:
            caminhos += ordem or []
        for caminho in caminhos:
            assert not passa_por_campo_cifrado(modelo, caminho), (viewset, caminho)


@pytest.mark.lento
@pytest.mark.parametrize("perfil", ["operador", "administrador"])
@pytest.mark.parametrize("recurso", ["clientes", "processos", "execucoes", "operadoras"])
def test_api_responde_igual_acertando_ou_nao_o_palpite(
    recurso, perfil, request, dados, navegador_de
):
    navegador = navegador_de(request.getfixturevalue(perfil))
    url = f"/api/{recurso}/"

    def ids(parametros) -> list:
        resposta = navegador.get(url, parametros)
        assert resposta.status_code < 500
        if resposta.status_code != 200:
            return [resposta.status_code]
        return [item["id"] for item in resposta.json()["results"]]

    sem_nada = ids({})
    assert sem_nada
    modelo = dict((prefixo, v.queryset.model) for prefixo, v, _ in rotas.registry)[recurso]
    for caminho in caminhos_ate_segredos(modelo):
        for sufixo, (acerta, erra) in PALPITES.items():
            consulta = caminho + sufixo
            assert ids({consulta: acerta}) == ids({consulta: erra}), consulta
        for ordem in (caminho, f"-{caminho}"):
            assert ids({"ordem": ordem}) == sem_nada, ordem
            assert ids({"ordering": ordem}) == sem_nada, ordem
    assert ids({"busca": "fernet:"}) == ids({"busca": "senha-do-portal"}) == ids({"busca": "nada"})


def test_filtros_e_links_da_propria_tela_continuam_valendo(operador, dados, navegador_de):
    navegador = navegador_de(operador)
    processos = reverse("admin:processos_processo_changelist")
    operadora = dados.cliente.operadora
    for parametros in [
        {"status__exact": StatusProcesso.AGUARDANDO_APROVACAO, "competencia": "03/2026"},
        {"cliente__operadora__id__exact": str(operadora.pk), "falha": "sim"},
        {"upload_manual__exact": "0", "status__isnull": "False"},
    ]:
        assert navegador.get(processos, parametros).status_code == 200, parametros
    execucao = dados.execucoes.get()
    linhas = navegador.get(
        reverse("admin:execucoes_logexecucao_changelist"), {"execucao__id__exact": execucao.pk}
    )
    assert [linha.mensagem for linha in linhas.context["cl"].result_list] == ["Iniciando"]


def test_consulta_que_a_tela_nao_oferece_e_recusada(operador, dados, navegador_de):
    navegador = navegador_de(operador)
    clientes = reverse("admin:clientes_cliente_changelist")
    for consulta in ["razao_social__startswith", "login_portal__regex", "cpf"]:
        assert navegador.get(clientes, {consulta: "a"}).status_code == 400, consulta
