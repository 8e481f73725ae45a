"""Toda página do admin responde, para quem pode; e custa um número fixo de consultas."""

import pytest
from django.contrib import admin
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from agendamentos.execucao import executar_agora
from brm.fabricas import (
    criar_agendamento,
    criar_cliente,
    criar_operadora,
    criar_processo,
    criar_usuario,
)
from execucoes.models import Execucao, LogExecucao, TipoExecucao
from processos.models import Origem, StatusProcesso

pytestmark = pytest.mark.django_db

NOSSOS_APPS = {"contas", "operadoras", "clientes", "processos", "execucoes", "agendamentos"}
MODELOS = [modelo for modelo in admin.site._registry if modelo._meta.app_label in NOSSOS_APPS]
SOMENTE_LEITURA = {"execucao", "logexecucao", "transicao", "execucaoagendamento"}


def _url(modelo, pagina: str) -> str:
    return reverse(f"admin:{modelo._meta.app_label}_{modelo._meta.model_name}_{pagina}")


@pytest.fixture
def dados():
    processo = criar_processo()
    processo.mudar_status(StatusProcesso.AGUARDANDO_APROVACAO, origem=Origem.WORKER)
    execucao = Execucao.objects.create(processo=processo, tipo=TipoExecucao.DOWNLOAD_FATURA)
    LogExecucao.objects.create(execucao=execucao, mensagem="Iniciando")
    executar_agora(criar_agendamento(), criar_usuario("ADMINISTRADOR"))
    return processo


@pytest.mark.parametrize("modelo", MODELOS, ids=lambda m: m._meta.model_name)
def test_administrador_abre_a_lista_e_o_cadastro_de_cada_modelo(
    modelo, administrador, navegador_de, dados
):
    navegador = navegador_de(administrador)
    assert navegador.get(_url(modelo, "changelist")).status_code == 200
    objeto = modelo.objects.first()
    pagina_do_objeto = reverse(
        f"admin:{modelo._meta.app_label}_{modelo._meta.model_name}_change", args=[objeto.pk]
    )
    assert navegador.get(pagina_do_objeto).status_code == 200
    esperado = 403 if modelo._meta.model_name in SOMENTE_LEITURA else 200
    assert navegador.get(_url(modelo, "add")).status_code == esperado


@pytest.mark.parametrize("modelo", MODELOS, ids=lambda m: m._meta.model_name)
@pytest.mark.parametrize("identificador", ["not-a-uuid", "0", "%00"])
def test_cadastro_com_id_invalido_nao_da_500(modelo, identificador, administrador, navegador_de):
    url = f"/admin/{modelo._meta.app_label}/{modelo._meta.model_name}/{identificador}/change/"
    resposta = navegador_de(administrador).get(url)
    assert resposta.status_code in (302, 404)  # o admin avisa que não existe


def test_operador_ve_tudo_mas_so_cria_processos(operador, navegador_de, dados):
    navegador = navegador_de(operador)
    assert navegador.get(_url(dados.__class__, "changelist")).status_code == 200
    assert navegador.get(_url(dados.__class__, "add")).status_code == 200
    assert navegador.get(reverse("admin:clientes_cliente_changelist")).status_code == 200
    assert navegador.get(reverse("admin:clientes_cliente_add")).status_code == 403
    assert navegador.get(reverse("admin:clientes_cliente_importar")).status_code == 403
    assert navegador.get(reverse("admin:operadoras_operadora_add")).status_code == 403


def test_usuario_inativo_nao_entra(inativo, navegador_de):
    resposta = navegador_de(inativo).get(reverse("admin:index"))
    assert resposta.status_code == 302


def _consultas_da_lista(navegador, url) -> int:
    with CaptureQueriesContext(connection) as consultas:
        assert navegador.get(url).status_code == 200
    return len(consultas)


def test_lista_de_processos_custa_o_mesmo_com_10_e_100_linhas(
    administrador, navegador_de, monkeypatch
):
    from processos.admin import ProcessoAdmin

    monkeypatch.setattr(ProcessoAdmin, "list_per_page", 100)
    navegador = navegador_de(administrador)
    url = reverse("admin:processos_processo_changelist")
    operadoras = [criar_operadora("VIVO"), criar_operadora("OI")]
    for indice in range(10):
        criar_processo(criar_cliente(operadoras[indice % 2]), aprovado_por=administrador)
    com_10 = _consultas_da_lista(navegador, url)
    for indice in range(90):
        criar_processo(criar_cliente(operadoras[indice % 2]), aprovado_por=administrador)
    com_100 = _consultas_da_lista(navegador, url)
    assert com_10 == com_100


@pytest.mark.parametrize(
    "nome",
    ["clientes_cliente", "execucoes_execucao", "execucoes_logexecucao", "processos_transicao"],
)
def test_demais_listas_custam_o_mesmo_com_poucas_e_muitas_linhas(nome, administrador, navegador_de):
    navegador = navegador_de(administrador)
    url = reverse(f"admin:{nome}_changelist")

    def povoar(quantidade):
        for _ in range(quantidade):
            processo = criar_processo(criar_cliente())
            processo.mudar_status(StatusProcesso.AGUARDANDO_APROVACAO, origem=Origem.WORKER)
            execucao = Execucao.objects.create(processo=processo, tipo=TipoExecucao.UPLOAD_SAT)
            LogExecucao.objects.create(execucao=execucao, mensagem="linha")

    povoar(3)
    poucas = _consultas_da_lista(navegador, url)
    povoar(30)
    assert _consultas_da_lista(navegador, url) == poucas
