"""A página “Testar conexão”: diz separadamente se a API responde e se o token é aceito."""

import time
from pathlib import Path

import pytest
import requests
from django.conf import settings
from django.urls import reverse

from brm.fabricas import jwt_de_teste
from execucoes.token_rpa import guardar_token

pytestmark = pytest.mark.django_db
URL = reverse("rpa_testar_conexao")


def pagina(navegador) -> str:
    resposta = navegador.get(URL)
    assert resposta.status_code == 200
    return resposta.content.decode()


def test_api_no_ar_e_token_aceito(simulador, administrador, navegador_de):
    guardar_token(administrador, simulador.novo_token())
    html = pagina(navegador_de(administrador))
    assert "A API respondeu" in html and "Token aceito; expira em 36" in html
    assert "Falhou" not in html


def test_api_no_ar_e_token_recusado(simulador, administrador, navegador_de):
    guardar_token(administrador, jwt_de_teste(100, segredo="nao-e-o-segredo-do-simulador-32b"))
    html = pagina(navegador_de(administrador))
    assert "A API respondeu" in html and "recusou o token" in html


def test_sem_token(simulador, settings, operador, navegador_de):
    settings.API_EXTERNA_TOKEN = ""
    html = pagina(navegador_de(operador))
    assert "A API respondeu" in html and "Não há token configurado" in html


def test_api_fora_do_ar(api_fora_do_ar, administrador, navegador_de):
    guardar_token(administrador, jwt_de_teste(100))
    html = pagina(navegador_de(administrador))
    assert "não respondeu" in html and "Não verificado: a API não respondeu" in html


@pytest.mark.lento
def test_api_que_trava_nao_prende_a_pagina(simulador, administrador, navegador_de):
    """Sem resposta da API, a página diz isso em poucos segundos (antes: 63 s, quatro tentativas
    com 15 s de espera cada)."""
    guardar_token(administrador, simulador.novo_token())
    travar = {"modo": "travar", "segundos": 30, "quantidade": 10}
    requests.post(f"{simulador.url}/__simulador/falhas/http", json=travar, timeout=5)
    navegador = navegador_de(administrador)

    inicio = time.monotonic()
    html = pagina(navegador)

    assert time.monotonic() - inicio < 8
    assert "A API RPA não respondeu a tempo" in html
    assert "Não verificado: a API não respondeu" in html


def test_token_expirado_no_simulador(simulador, administrador, navegador_de):
    guardar_token(administrador, simulador.novo_token())
    requests.post(f"{simulador.url}/__simulador/token", json={"expirado": True}, timeout=5)
    assert "recusou o token" in pagina(navegador_de(administrador))


def test_anonimo_vai_para_o_login(client):
    assert client.get(URL).status_code == 302


def test_so_o_modulo_rpa_fala_http_com_a_api():
    """Nenhum outro módulo do produto importa `requests` (STYLE: um único ponto de saída)."""
    raiz = Path(settings.BASE_DIR)
    culpados = [
        str(arquivo.relative_to(raiz))
        for app in ("brm", "contas", "operadoras", "clientes", "processos", "execucoes")
        for arquivo in (raiz / app).rglob("*.py")
        if "tests" not in arquivo.parts
        and arquivo.name not in ("rpa.py", "fabricas.py")  # fabricas: dos testes (sobem o app)
        and ("import requests" in arquivo.read_text() or "from requests" in arquivo.read_text())
    ]
    assert culpados == []


def test_pagina_inicial_mostra_despacho_parado_por_token_recusado(
    administrador, navegador_de, settings
):
    from brm.fabricas import jwt_de_teste
    from execucoes.token_rpa import marcar_token

    settings.API_EXTERNA_TOKEN = jwt_de_teste()
    html = navegador_de(administrador).get(reverse("admin:index")).content.decode()
    assert 'id="painel-rpa"' in html and 'id="despacho-parado"' not in html
    marcar_token(settings.API_EXTERNA_TOKEN, recusado=True)
    html = navegador_de(administrador).get(reverse("admin:index")).content.decode()
    assert "a API recusou o token" in html
    # O selo do token diz o mesmo que o despacho parado, não “Expira em …” em verde.
    assert 'id="token-recusado"' in html and "Recusado pela API" in html
    assert 'selo-verde">Expira em' not in html


def test_recusa_de_um_token_ja_trocado_nao_para_o_despacho_na_tela(
    administrador, navegador_de, settings
):
    from brm.fabricas import jwt_de_teste
    from execucoes.token_rpa import marcar_token

    marcar_token(jwt_de_teste(dias=10), recusado=True)  # o token antigo
    settings.API_EXTERNA_TOKEN = jwt_de_teste(dias=200)  # trocado depois
    html = navegador_de(administrador).get(reverse("admin:index")).content.decode()
    assert 'id="despacho-parado"' not in html and 'id="token-recusado"' not in html
