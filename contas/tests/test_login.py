"""Login da equipe: allauth com limite de tentativas, na frente do login do admin."""

import pytest

from brm.fabricas import criar_usuario

pytestmark = pytest.mark.django_db

SENHA = "senha-de-teste-1"


def test_login_do_admin_leva_ao_login_com_limite_guardando_o_destino(client):
    resposta = client.get("/admin/login/?next=/admin/processos/processo/")
    assert resposta.status_code == 302
    assert resposta["Location"] == "/contas/login/?next=%2Fadmin%2Fprocessos%2Fprocesso%2F"

    anonimo = client.get("/admin/processos/processo/", follow=True)
    assert anonimo.redirect_chain[-1][0].startswith("/contas/login/")
    assert anonimo.status_code == 200


def test_pagina_de_login_no_visual_do_admin_sem_cadastro_publico(client):
    pagina = client.get("/contas/login/").content.decode()
    assert "BRM RPA — Back office" in pagina
    assert "Usuário ou e-mail" in pagina and "Entrar" in pagina
    assert "/contas/signup/" not in pagina
    assert "cadastro está atualmente fechado" in client.get("/contas/signup/").content.decode()


@pytest.mark.parametrize("identificacao", ["username", "email"])
def test_entra_com_usuario_ou_email_e_volta_para_onde_ia(client, identificacao):
    usuario = criar_usuario("OPERADOR")
    usuario.email = f"{usuario.username}@brm.example"
    usuario.save()
    resposta = client.post(
        "/contas/login/?next=/admin/processos/processo/",
        {"login": getattr(usuario, identificacao), "password": SENHA},
    )
    assert resposta.status_code == 302
    assert resposta["Location"] == "/admin/processos/processo/"
    assert client.get("/admin/processos/processo/").status_code == 200


def test_senha_errada_repetida_e_bloqueada_com_mensagem_em_portugues(client):
    usuario = criar_usuario("ADMINISTRADOR")
    for _ in range(5):
        resposta = client.post("/contas/login/", {"login": usuario.username, "password": "x"})
        assert resposta.status_code == 200
        assert "errornote" in resposta.content.decode()
    # A 6ª, mesmo com a senha certa, é recusada enquanto durar o bloqueio.
    bloqueado = client.post("/contas/login/", {"login": usuario.username, "password": SENHA})
    assert "Muitas tentativas" in bloqueado.content.decode()
    assert "_auth_user_id" not in client.session


def test_inativo_nao_entra(client):
    usuario = criar_usuario("ADMINISTRADOR")
    usuario.is_active = False
    usuario.save()
    resposta = client.post("/contas/login/", {"login": usuario.username, "password": SENHA})
    assert "_auth_user_id" not in client.session
    assert resposta.status_code in (200, 302)
    if resposta.status_code == 302:
        assert "inactive" in resposta["Location"]


def test_paginas_de_conta_no_visual_do_admin(client):
    for caminho in ("/contas/password/reset/", "/contas/logout/"):
        pagina = client.get(caminho)
        assert pagina.status_code in (200, 302), caminho
        if pagina.status_code == 200:
            assert "BRM RPA — Back office" in pagina.content.decode(), caminho


def test_pagina_de_limite_generico_em_portugues_no_visual_do_admin(rf):
    from allauth.core.internal.ratelimit import handler429
    from django.contrib.auth.models import AnonymousUser

    pedido = rf.get("/contas/password/reset/")
    pedido.user = AnonymousUser()
    resposta = handler429(pedido)
    pagina = resposta.content.decode()
    assert resposta.status_code == 429
    assert "Muitas tentativas" in pagina and "BRM RPA — Back office" in pagina
