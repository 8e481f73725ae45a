"""Nenhum beco sem saída: páginas de erro em pt-BR no visual do admin (a API segue em JSON), as
páginas de conta com caminho de volta, o ícone do site, as observações na página do processo e
os formulários que guardam o que foi digitado depois de um erro."""

import uuid

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.template import loader
from django.urls import reverse

from brm.fabricas import criar_processo

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _sem_debug(settings):
    settings.DEBUG = False  # as páginas de erro de verdade, não as de depuração


def _html(resposta) -> str:
    return resposta.content.decode()


@pytest.mark.parametrize(
    "endereco", ["/admin/nao-existe/", f"/processos/{uuid.uuid4()}/", "/nao-existe/"]
)
def test_endereco_que_nao_existe_responde_404_em_pt_br_no_visual_do_admin(
    endereco, operador, navegador_de
):
    resposta = navegador_de(operador).get(endereco)
    assert resposta.status_code == 404
    html = _html(resposta)
    assert "Página não encontrada (404)" in html
    assert "BRM RPA — Back office" in html and "Voltar ao painel" in html
    assert "Not Found" not in html


def test_404_de_quem_nao_entrou_tambem_tem_caminho(client):
    resposta = client.get("/nao-existe/")
    assert resposta.status_code == 404
    assert "Página não encontrada" in _html(resposta) and "Entrar" in _html(resposta)


def test_pagina_proibida_responde_403_em_pt_br(operador, navegador_de):
    resposta = navegador_de(operador).get(reverse("admin:clientes_cliente_add"))
    assert resposta.status_code == 403
    html = _html(resposta)
    assert "Acesso negado (403)" in html and "peça a um administrador" in html
    assert "Voltar ao painel" in html


def test_a_api_continua_respondendo_json(operador):
    from brm.fabricas import api_de

    api = api_de(operador)
    assert api.get("/api/nao-existe/").json() == {"detail": "Não encontrado."}
    proibido = api.post("/api/clientes/", {}, format="json")
    assert proibido.status_code == 403 and "detail" in proibido.json()


def test_403_fora_das_views_da_api_tambem_e_json_sob_api(rf):
    from django.core.exceptions import PermissionDenied

    from nucleo.api_erros import acesso_negado

    resposta = acesso_negado(rf.get("/api/v2/qualquer"), PermissionDenied())
    assert resposta.status_code == 403 and resposta["Content-Type"] == "application/json"


def test_pagina_500_se_desenha_sem_contexto():
    html = loader.get_template("500.html").render()
    assert "Erro no servidor (500)" in html and "Voltar ao painel" in html


def test_favicon(client, operador, navegador_de):
    resposta = client.get("/favicon.ico")
    assert resposta.status_code == 301 and resposta["Location"].endswith("brm/favicon.svg")
    assert 'rel="icon"' in _html(client.get(reverse("account_login")))
    assert 'rel="icon"' in _html(navegador_de(operador).get(reverse("admin:index")))


def test_paginas_de_conta_tem_caminho_de_volta(client, operador, navegador_de):
    redefinir = _html(client.get(reverse("account_reset_password")))
    assert "Voltar para o login" in redefinir and "BRM RPA — Back office" in redefinir
    sair = _html(navegador_de(operador).get(reverse("account_logout")))
    assert "Voltar ao painel" in sair


def test_observacoes_aparecem_na_pagina_do_processo(operador, navegador_de):
    processo = criar_processo(observacoes="Cliente pediu segunda via\ncom o CNPJ novo")
    html = _html(navegador_de(operador).get(reverse("processo_detalhe", args=[processo.pk])))
    assert 'id="observacoes-processo"' in html
    assert "Cliente pediu segunda via<br>com o CNPJ novo" in html


def test_upload_com_erro_volta_com_valor_e_vencimento_digitados(operador, navegador_de):
    processo = criar_processo()
    navegador = navegador_de(operador)
    resposta = navegador.post(
        reverse("admin:processos_processo_acao", args=[processo.pk, "upload"]),
        {"valor": "1234,56", "vencimento": "2026-04-10", "next": f"/processos/{processo.pk}/"},
        follow=True,
    )
    html = _html(resposta)
    formulario = html[html.index('id="form-upload"') :]
    assert 'value="1234,56"' in formulario and 'value="2026-04-10"' in formulario
    assert "Escolha o arquivo PDF (de novo" in formulario
    # Uma vez só: recarregada, a página volta ao formulário em branco.
    de_novo = _html(navegador.get(f"/processos/{processo.pk}/"))
    assert 'value="1234,56"' not in de_novo


def test_motivo_digitado_volta_quando_a_acao_e_recusada(operador, navegador_de):
    processo = criar_processo()
    navegador = navegador_de(operador)
    resposta = navegador.post(
        reverse("admin:processos_processo_acao", args=[processo.pk, "cancelar_execucao"]),
        {"motivo": "Travou no portal da operadora"},
        follow=True,
    )
    assert "Não há execução em andamento" in _html(resposta)


def test_importacao_com_erro_pede_o_arquivo_de_novo(administrador, navegador_de):
    arquivo = SimpleUploadedFile("clientes.csv", b"sem,cabecalho\n1,2\n", content_type="text/csv")
    resposta = navegador_de(administrador).post(
        reverse("admin:clientes_cliente_importar"), {"arquivo": arquivo, "pular_invalidas": "on"}
    )
    html = _html(resposta)
    assert "escolha o arquivo de novo" in html
    assert 'name="pular_invalidas" id="id_pular_invalidas" checked' in html
