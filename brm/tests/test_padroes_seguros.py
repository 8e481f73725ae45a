"""Os padrões de desenvolvimento também são seguros: o app web do `make run` (gunicorn.conf.py, com
DEBUG) só escuta na própria máquina, e as faturas nunca saem por `/media/`."""

import pytest
import requests
from django.test import Client

from brm.fabricas import criar_processo, criar_usuario, porta_livre, subir_servidor_web
from processos.fatura import guardar_fatura

pytestmark = pytest.mark.django_db(transaction=True)

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def processo_com_fatura():
    processo = criar_processo()
    guardar_fatura(processo, PDF)
    processo.save()
    return processo


@pytest.mark.lento
def test_app_de_desenvolvimento_escuta_so_no_loopback_e_nao_serve_faturas(tmp_path):
    processo = processo_com_fatura()
    navegador = Client()
    navegador.force_login(criar_usuario("OPERADOR"))
    sessao = {"sessionid": navegador.cookies["sessionid"].value}
    porta = porta_livre()
    with open(tmp_path / "web.log", "w") as saida:
        web = subir_servidor_web(porta, {}, saida)  # DEBUG=true, como no `make run`
        try:
            base = f"http://127.0.0.1:{porta}"
            # Todo o 127.0.0.0/8 é da própria máquina: outro endereço só chega se o bind for amplo.
            with pytest.raises(requests.ConnectionError):
                requests.get(f"http://127.0.0.2:{porta}/contas/login/", timeout=3)

            arquivo = f"{base}/media/{processo.fatura.name}"
            for cookies in ({}, sessao):
                resposta = requests.get(arquivo, cookies=cookies, timeout=5)
                assert resposta.status_code == 404
                assert b"%PDF" not in resposta.content

            pela_pagina = f"{base}/processos/{processo.pk}/fatura.pdf"
            anonimo = requests.get(pela_pagina, timeout=5, allow_redirects=False)
            assert anonimo.status_code == 302
            assert requests.get(pela_pagina, cookies=sessao, timeout=5).content == PDF
        finally:
            web.terminate()
            web.wait(timeout=30)
    assert f"Listening at: http://127.0.0.1:{porta}" in (tmp_path / "web.log").read_text()


def test_sem_debug_media_tambem_nao_serve_faturas(client):
    processo = processo_com_fatura()
    assert client.get(f"/media/{processo.fatura.name}").status_code == 404
    client.force_login(criar_usuario("ADMINISTRADOR"))
    assert client.get(f"/media/{processo.fatura.name}").status_code == 404


def test_admin_leva_a_fatura_pela_pagina_do_processo(client):
    processo = processo_com_fatura()
    client.force_login(criar_usuario("ADMINISTRADOR"))

    pagina = client.get(f"/admin/processos/processo/{processo.pk}/change/").content.decode()

    assert f'href="/processos/{processo.pk}/fatura.pdf"' in pagina
    assert "/media/" not in pagina
