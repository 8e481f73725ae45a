"""O token global da API RPA no back office: aviso, colar, renovar e quem pode vê-lo."""

import pytest
from django.urls import reverse

from brm.fabricas import jwt_de_teste
from execucoes.token_rpa import guardar_token, situacao, token_global

pytestmark = pytest.mark.django_db


def test_aviso_aparece_no_topo_das_paginas_do_admin(administrador, operador, navegador_de):
    guardar_token(administrador, jwt_de_teste(5))
    pagina = navegador_de(operador).get(reverse("admin:processos_processo_changelist"))
    html = pagina.content.decode()
    assert 'id="aviso-token"' in html and "Avise um administrador" in html
    pagina = navegador_de(administrador).get(reverse("admin:index"))
    assert "Renovar o token" in pagina.content.decode()


def test_pagina_do_administrador_mostra_validade_e_botao(administrador, navegador_de):
    guardar_token(administrador, jwt_de_teste(365))
    html = (
        navegador_de(administrador)
        .get(reverse("admin:contas_usuario_change", args=[administrador.pk]))
        .content.decode()
    )
    assert "Obter novo JWT (global)" in html
    assert "válido até" in html and "(364 dia(s))" in html
    assert administrador.api_externa_token not in html


def test_colar_algo_que_nao_e_jwt_e_recusado_com_mensagem(administrador, navegador_de):
    navegador = navegador_de(administrador)
    url = reverse("admin:contas_usuario_change", args=[administrador.pk])
    resposta = navegador.post(url, _dados_do_formulario(administrador, novo_token="nao-sou-jwt"))
    assert resposta.status_code == 200
    assert "não parece um token JWT" in resposta.content.decode()
    administrador.refresh_from_db()
    assert administrador.api_externa_token == ""


def _dados_do_formulario(usuario, **extra):
    return {
        "username": usuario.username,
        "nome": usuario.nome,
        "email": "x@brm.example",
        "perfil": usuario.perfil,
        "is_active": "on",
        "date_joined_0": "01/01/2026",
        "date_joined_1": "10:00:00",
        **extra,
    }


def test_renovar_pela_api_guarda_o_novo_token(simulador, administrador, navegador_de):
    navegador = navegador_de(administrador)
    url = reverse("admin:contas_usuario_renovar_token", args=[administrador.pk])
    resposta = navegador.post(url, follow=True)
    assert "Novo token JWT global guardado; válido até" in resposta.content.decode()
    administrador.refresh_from_db()
    assert administrador.api_externa_token.count(".") == 2
    assert token_global() == administrador.api_externa_token
    assert 360 <= situacao().dias_restantes <= 365


def test_renovar_sem_brm_token_password_explica(simulador, settings, administrador, navegador_de):
    settings.BRM_TOKEN_PASSWORD = ""
    resposta = navegador_de(administrador).post(
        reverse("admin:contas_usuario_renovar_token", args=[administrador.pk]), follow=True
    )
    assert "BRM_TOKEN_PASSWORD não está definida" in resposta.content.decode()


def test_renovar_com_chave_recusada_explica(simulador, settings, administrador, navegador_de):
    settings.BRM_TOKEN_PASSWORD = "chave-errada"
    resposta = navegador_de(administrador).post(
        reverse("admin:contas_usuario_renovar_token", args=[administrador.pk]), follow=True
    )
    assert resposta.status_code == 200
    assert "recusou a chave de renovação" in resposta.content.decode()
    administrador.refresh_from_db()
    assert administrador.api_externa_token == ""


def test_renovar_com_a_api_fora_do_ar_explica(
    api_fora_do_ar, settings, administrador, navegador_de
):
    settings.BRM_TOKEN_PASSWORD = "brm-dev-refresh"
    resposta = navegador_de(administrador).post(
        reverse("admin:contas_usuario_renovar_token", args=[administrador.pk]), follow=True
    )
    assert "não respondeu" in resposta.content.decode()


def test_operador_e_aprovador_nao_veem_nem_renovam_o_token(
    simulador, administrador, operador, aprovador, navegador_de
):
    guardar_token(administrador, jwt_de_teste(365))
    for pessoa in (operador, aprovador):
        navegador = navegador_de(pessoa)
        pagina = navegador.get(reverse("admin:contas_usuario_change", args=[administrador.pk]))
        assert pagina.status_code == 403
        renovar = navegador.post(
            reverse("admin:contas_usuario_renovar_token", args=[administrador.pk])
        )
        assert renovar.status_code == 403
        conexao = navegador.get(reverse("rpa_testar_conexao")).content.decode()
        assert administrador.api_externa_token[-4:] not in conexao
    administrador.refresh_from_db()
    assert administrador.api_externa_token.count(".") == 2


def test_renovar_exige_post(administrador, navegador_de):
    resposta = navegador_de(administrador).get(
        reverse("admin:contas_usuario_renovar_token", args=[administrador.pk])
    )
    assert resposta.status_code == 405
