"""Entrada hostil na API: JSON aninhado sem fim e o caractere NUL viram 400 em pt-BR, nunca 500."""

import json

import pytest
from rest_framework.test import APIClient

from brm.fabricas import criar_cliente, criar_processo, criar_usuario
from clientes.models import Cliente
from execucoes.models import Execucao, TipoExecucao

pytestmark = pytest.mark.django_db

FUNDO = 100_000
ANINHADO = "[" * FUNDO + "]" * FUNDO
RASO_DEMAIS = json.loads("[" * 500 + "]" * 500)  # o Python lê; a API recusa


def administrador_na_api() -> APIClient:
    api = APIClient()
    api.force_authenticate(criar_usuario("ADMINISTRADOR"))
    return api


def postar_json(api: APIClient, caminho: str, corpo: str, metodo: str = "post"):
    return getattr(api, metodo)(caminho, data=corpo, content_type="application/json")


def test_json_aninhado_100_mil_niveis_no_token_e_400_sem_login():
    resposta = postar_json(APIClient(), "/api/token/", '{"username": ' + ANINHADO + "}")
    assert resposta.status_code == 400
    assert "aninhado" in resposta.json()["detail"]


@pytest.mark.parametrize(
    ("metodo", "caminho"),
    [
        ("post", "/api/operadoras/"),
        ("post", "/api/clientes/"),
        ("patch", "/api/clientes/{cliente}/"),
        ("post", "/api/processos/"),
        ("patch", "/api/processos/{processo}/"),
        ("post", "/api/processos/criar-mensais/"),
        ("post", "/api/processos/{processo}/rejeitar/"),
        ("post", "/api/execucoes/{execucao}/cancelar/"),
        ("post", "/api/token/renovar/"),
    ],
)
def test_json_aninhado_demais_e_400_em_todo_endpoint(metodo, caminho):
    processo = criar_processo()
    caminho = caminho.format(
        cliente=processo.cliente_id,
        processo=processo.pk,
        execucao=Execucao.objects.create(processo=processo, tipo=TipoExecucao.DOWNLOAD_FATURA).pk,
    )
    api = administrador_na_api()
    for corpo in (ANINHADO, json.dumps({"motivo": RASO_DEMAIS})):
        resposta = postar_json(api, caminho, corpo, metodo)
        assert resposta.status_code == 400, (corpo[:40], resposta.content[:200])
        assert "aninhado" in resposta.json()["detail"]


def test_json_dentro_do_limite_segue_valendo():
    processo = criar_processo()
    resposta = postar_json(
        administrador_na_api(),
        f"/api/processos/{processo.pk}/",
        json.dumps({"observacoes": "ok", "extra": [[[[{"a": [1]}]]]]}),
        "patch",
    )
    assert resposta.status_code == 200, resposta.content


@pytest.mark.parametrize("parametros", [{"operadora": "\x00"}, {"busca": "ACME\x00; DROP"}])
@pytest.mark.parametrize("lista", ["/api/clientes/", "/api/processos/", "/api/operadoras/"])
def test_nul_num_filtro_ou_na_busca_e_400(lista, parametros):
    criar_cliente()
    resposta = administrador_na_api().get(lista, parametros)
    if lista == "/api/operadoras/" and "operadora" in parametros:
        assert resposta.status_code == 200  # não é filtro de operadoras: ignorado
        return
    assert resposta.status_code == 400
    campo = next(iter(parametros))
    assert "nulos" in " ".join(resposta.json()[campo])  # com o nome do parâmetro, como os campos


@pytest.mark.parametrize("formato", ["json", "multipart"])
def test_nul_na_operadora_da_criacao_mensal_e_400_com_o_campo(formato):
    criar_cliente()
    resposta = administrador_na_api().post(
        "/api/processos/criar-mensais/",
        {"competencia": "03/2026", "operadora": "VI\x00VO"},
        format=formato,
    )
    assert resposta.status_code == 400, resposta.content[:300]
    assert "nulos" in " ".join(resposta.json()["operadora"])


@pytest.mark.parametrize("formato", ["json", "multipart"])
@pytest.mark.parametrize("campo", ["razao_social", "operadora", "cnpj", "senha_portal", "unidade"])
def test_nul_em_qualquer_campo_de_texto_do_cliente_e_400_e_nada_gravado(campo, formato):
    existente = criar_cliente()
    dados = {
        "razao_social": "ACME LTDA",
        "cnpj": "11.222.333/0001-81",
        "operadora": existente.operadora.codigo,
        "unidade": "Centro",
        "senha_portal": "segredo",
    }
    dados[campo] = dados[campo][:2] + "\x00" + dados[campo][2:]
    api = administrador_na_api()
    resposta = api.post("/api/clientes/", dados, format=formato)
    assert resposta.status_code == 400, resposta.content[:300]
    assert "nulos" in " ".join(resposta.json()[campo])
    assert Cliente.objects.count() == 1

    alteracao = api.patch(f"/api/clientes/{existente.pk}/", {campo: dados[campo]}, format=formato)
    assert alteracao.status_code == 400, alteracao.content[:300]


def test_nul_numa_chave_ou_numa_lista_do_json_e_400():
    processo = criar_processo()
    api = administrador_na_api()
    for corpo in ({"observacoes\x00": "x"}, {"observacoes": ["a\x00"]}):
        resposta = api.patch(f"/api/processos/{processo.pk}/", corpo, format="json")
        assert resposta.status_code == 400, resposta.content[:300]


@pytest.mark.parametrize(
    ("lista", "parametros", "campo"),
    [
        ("/api/clientes/", {"tamanho": "muitos"}, "tamanho"),
        ("/api/clientes/", {"tamanho": "0"}, "tamanho"),
        ("/api/execucoes/", {"tamanho": "-3"}, "tamanho"),
        ("/api/clientes/", {"ativo": "talvez"}, "ativo"),
        ("/api/operadoras/", {"possui_rpa": "null"}, "possui_rpa"),
        ("/api/processos/", {"upload_manual": "sim"}, "upload_manual"),
    ],
)
def test_parametro_invalido_e_400_em_vez_de_ignorado(lista, parametros, campo):
    resposta = administrador_na_api().get(lista, parametros)
    assert resposta.status_code == 400, resposta.content[:300]
    assert campo in resposta.json()


def test_tamanho_e_booleanos_validos_seguem_valendo():
    criar_cliente()
    api = administrador_na_api()
    assert api.get("/api/clientes/", {"tamanho": "9999", "ativo": "TRUE"}).json()["count"] == 1
    assert api.get("/api/clientes/", {"ativo": "0"}).json()["count"] == 0
    assert api.get("/api/clientes/", {"tamanho": "", "ativo": ""}).status_code == 200


@pytest.mark.parametrize(
    "caminho",
    [
        "/api/processos/00000000-0000-0000-0000-000000000000/",
        "/api/processos/0.5/",
        "/api/processos/0.5/aprovar/",
        "/api/nada-aqui/",
    ],
)
def test_endereco_desconhecido_da_api_e_404_em_json_e_em_portugues(caminho):
    resposta = administrador_na_api().get(caminho)
    assert resposta.status_code == 404
    assert resposta["Content-Type"] == "application/json"
    assert resposta.json() == {"detail": "Não encontrado."}


def test_fora_da_api_o_404_continua_sendo_a_pagina(client):
    resposta = client.get("/nada-aqui/")
    assert resposta.status_code == 404
    assert resposta["Content-Type"].startswith("text/html")


def test_erro_da_fatura_pedida_como_pdf_vem_como_json():
    resposta = administrador_na_api().get(
        f"/api/processos/{criar_processo().pk}/fatura/", HTTP_ACCEPT="application/pdf"
    )
    assert resposta.status_code == 404
    assert resposta["Content-Type"] == "application/json"
    assert resposta.json() == {"detail": "Este processo não tem fatura."}
