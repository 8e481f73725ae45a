"""O admin de usuários: só o administrador o vê; o token da API RPA aparece mascarado e se troca
colando outro."""

import pytest
from django.urls import reverse

from brm.fabricas import jwt_de_teste

pytestmark = pytest.mark.django_db


def test_operador_nao_ve_o_admin_de_usuarios(operador, aprovador, navegador_de):
    for pessoa in (operador, aprovador):
        navegador = navegador_de(pessoa)
        assert navegador.get(reverse("admin:contas_usuario_changelist")).status_code == 403
        assert "contas/usuario" not in navegador.get(reverse("admin:index")).content.decode()


def test_token_aparece_mascarado_na_pagina_do_administrador(administrador, navegador_de):
    administrador.api_externa_token = "eyJhbGciOiJIUzI1NiJ9.corpo-do-token.ABCDwxyz"
    administrador.save()
    pagina = navegador_de(administrador).get(
        reverse("admin:contas_usuario_change", args=[administrador.pk])
    )
    html = pagina.content.decode()
    assert "wxyz" in html
    assert "corpo-do-token" not in html


def test_colar_um_novo_token_substitui_o_anterior(administrador, navegador_de):
    novo = jwt_de_teste(100)
    navegador = navegador_de(administrador)
    url = reverse("admin:contas_usuario_change", args=[administrador.pk])
    resposta = navegador.post(
        url,
        {
            "username": administrador.username,
            "nome": "Ana",
            "email": "ana@brm.example",
            "perfil": "ADMINISTRADOR",
            "is_active": "on",
            "novo_token": novo,
            "last_login_0": "",
            "date_joined_0": "01/01/2026",
            "date_joined_1": "10:00:00",
        },
    )
    assert resposta.status_code == 302, resposta.content.decode()[:3000]
    administrador.refresh_from_db()
    assert administrador.api_externa_token == novo
    assert administrador.token_atualizado_em is not None
