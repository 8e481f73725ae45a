"""JWT da API: trocar a senha ou desativar a pessoa encerra os tokens dela; o token de
renovação gira e um já usado é recusado."""

import pytest
from rest_framework.test import APIClient

from brm.fabricas import criar_usuario

pytestmark = pytest.mark.django_db

SENHA = "senha-de-teste-1"
NOVA_SENHA = "outra-senha-bem-longa-42"


def par_de_tokens(usuario, senha: str = SENHA) -> dict:
    resposta = APIClient().post(
        "/api/token/", {"username": usuario.username, "password": senha}, format="json"
    )
    assert resposta.status_code == 200, resposta.content
    return resposta.json()


def acesso_com(token: str) -> int:
    cliente = APIClient()
    cliente.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
    return cliente.get("/api/processos/").status_code


def renovar(refresh: str):
    return APIClient().post("/api/token/renovar/", {"refresh": refresh}, format="json")


def assert_tokens_encerrados(par: dict) -> None:
    assert acesso_com(par["access"]) == 401
    renovacao = renovar(par["refresh"])
    assert renovacao.status_code == 401, renovacao.content


def test_troca_de_senha_pelo_admin_encerra_os_tokens_da_pessoa(navegador_de, administrador):
    operador = criar_usuario("OPERADOR")
    par = par_de_tokens(operador)
    assert acesso_com(par["access"]) == 200

    resposta = navegador_de(administrador).post(
        f"/admin/contas/usuario/{operador.pk}/password/",
        {"usable_password": "true", "password1": NOVA_SENHA, "password2": NOVA_SENHA},
    )

    assert resposta.status_code == 302, resposta.content.decode()[:2000]
    assert_tokens_encerrados(par)
    novo = par_de_tokens(operador, NOVA_SENHA)
    assert acesso_com(novo["access"]) == 200


def test_troca_de_senha_pela_propria_pessoa_encerra_os_tokens_dela(client):
    operador = criar_usuario("OPERADOR")
    par = par_de_tokens(operador)
    client.force_login(operador)

    resposta = client.post(
        "/contas/password/change/",
        {"oldpassword": SENHA, "password1": NOVA_SENHA, "password2": NOVA_SENHA},
    )

    assert resposta.status_code == 302, resposta.content.decode()[:2000]
    operador.refresh_from_db()
    assert operador.check_password(NOVA_SENHA)
    assert_tokens_encerrados(par)


def test_desativar_pelo_admin_encerra_os_tokens_e_reativar_nao_os_devolve(
    navegador_de, administrador
):
    operador = criar_usuario("OPERADOR")
    par = par_de_tokens(operador)
    navegador = navegador_de(administrador)
    formulario = {
        "username": operador.username,
        "nome": operador.nome,
        "email": "",
        "perfil": operador.perfil,
        "novo_token": "",
    }

    resposta = navegador.post(f"/admin/contas/usuario/{operador.pk}/change/", formulario)
    assert resposta.status_code == 302, resposta.content.decode()[:2000]
    operador.refresh_from_db()
    assert not operador.is_active
    assert_tokens_encerrados(par)

    navegador.post(
        f"/admin/contas/usuario/{operador.pk}/change/", {**formulario, "is_active": "on"}
    )
    operador.refresh_from_db()
    assert operador.is_active
    assert renovar(par["refresh"]).status_code == 401


def test_token_de_renovacao_gira_e_o_ja_usado_e_recusado():
    operador = criar_usuario("OPERADOR")
    par = par_de_tokens(operador)

    primeira = renovar(par["refresh"])
    assert primeira.status_code == 200
    novo = primeira.json()
    assert novo["refresh"] != par["refresh"]
    assert acesso_com(novo["access"]) == 200

    repetida = renovar(par["refresh"])
    assert repetida.status_code == 401
    assert "access" not in repetida.json()
    assert renovar(novo["refresh"]).status_code == 200
