"""Entrar na API: JWT por usuário ou e-mail, com as tentativas erradas contadas junto
com o login da equipe; a sessão do navegador também vale."""

import pytest
from rest_framework.test import APIClient

from brm.fabricas import criar_usuario

pytestmark = pytest.mark.django_db


def test_jwt_da_acesso_e_renovacao():
    usuario = criar_usuario("OPERADOR")
    resposta = APIClient().post(
        "/api/token/", {"username": usuario.username, "password": "senha-de-teste-1"}
    )
    assert resposta.status_code == 200
    par = resposta.json()
    cliente = APIClient()
    cliente.credentials(HTTP_AUTHORIZATION=f"Bearer {par['access']}")
    assert cliente.get("/api/processos/").status_code == 200

    renovado = APIClient().post("/api/token/renovar/", {"refresh": par["refresh"]})
    assert renovado.status_code == 200
    assert renovado.json()["access"] != par["access"]


def test_sem_credencial_ou_com_token_invalido_e_401_em_portugues():
    assert APIClient().get("/api/processos/").status_code == 401
    cliente = APIClient()
    cliente.credentials(HTTP_AUTHORIZATION="Bearer nao-e-um-jwt")
    resposta = cliente.get("/api/processos/")
    assert resposta.status_code == 401
    assert "token" in resposta.json()["detail"].lower()


def test_senha_errada_conta_junto_com_o_login_da_equipe_e_bloqueia_a_conta(client):
    usuario = criar_usuario("OPERADOR")
    errada = {"username": usuario.username, "password": "errada"}
    # Cada tentativa de um "IP" diferente pelo X-Forwarded-For: não adianta.
    for numero in range(3):
        resposta = APIClient().post("/api/token/", errada, HTTP_X_FORWARDED_FOR=f"10.0.0.{numero}")
        assert resposta.status_code == 401
        assert resposta.json()["detail"] == "Usuário e/ou senha incorreto(s)"
    for _ in range(2):  # as do formulário de login contam na mesma conta
        client.post("/contas/login/", {"login": usuario.username, "password": "errada"})

    certa = APIClient().post("/api/token/", {**errada, "password": "senha-de-teste-1"})
    assert certa.status_code == 429
    assert "Muitas tentativas" in certa.json()["detail"]


def test_muitos_pedidos_de_token_do_mesmo_ip_sao_limitados_mesmo_mudando_o_cabecalho():
    usuario = criar_usuario("OPERADOR")
    dados = {"username": usuario.username, "password": "senha-de-teste-1"}
    respostas = [
        APIClient().post("/api/token/", dados, HTTP_X_FORWARDED_FOR=f"10.1.0.{numero}")
        for numero in range(11)
    ]
    assert [r.status_code for r in respostas[:10]] == [200] * 10
    assert respostas[10].status_code == 429


def test_entra_pela_api_com_o_email():
    usuario = criar_usuario("OPERADOR")
    usuario.email = "ana@brm.example"
    usuario.save()
    resposta = APIClient().post(
        "/api/token/", {"username": "ana@brm.example", "password": "senha-de-teste-1"}
    )
    assert resposta.status_code == 200


def test_usuario_inativo_nao_obtem_token():
    usuario = criar_usuario("ADMINISTRADOR")
    usuario.is_active = False
    usuario.save()
    resposta = APIClient().post(
        "/api/token/", {"username": usuario.username, "password": "senha-de-teste-1"}
    )
    assert resposta.status_code == 401


def test_sessao_do_navegador_tambem_autentica(client):
    client.force_login(criar_usuario("APROVADOR"))
    assert client.get("/api/operadoras/").status_code == 200
