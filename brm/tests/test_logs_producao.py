"""O servidor de produção de verdade (gunicorn + uvicorn, DEBUG desligado): tudo o que sai é uma
linha JSON por evento — as do gunicorn e do uvicorn também —, e a do pedido leva o id dele."""

import json
import os
import subprocess
import sys

import pytest
import requests

from brm.fabricas import porta_livre, subir_servidor_web

pytestmark = [pytest.mark.lento, pytest.mark.django_db(transaction=True)]


def test_sem_debug_cada_linha_e_json_e_o_pedido_leva_o_id(tmp_path, settings):
    porta = porta_livre()
    arquivo = tmp_path / "web.log"
    producao = {
        "DEBUG": "false",
        "ALLOWED_HOSTS": "127.0.0.1",
        "SECURE_SSL_REDIRECT": "false",
        "STATIC_ROOT": str(tmp_path / "estaticos"),
    }
    coleta = subprocess.run(
        [sys.executable, "manage.py", "collectstatic", "--noinput"],
        cwd=settings.BASE_DIR,
        env={**os.environ, **producao},
        capture_output=True,
        text=True,
    )
    assert coleta.returncode == 0, coleta.stderr
    with open(arquivo, "w") as saida:
        web = subir_servidor_web(porta, producao, saida)
        try:
            resposta = requests.get(
                f"http://127.0.0.1:{porta}/contas/login/",
                headers={"X-Request-ID": "proxy-req-0001"},
                timeout=10,
            )
            assert resposta.headers["X-Request-ID"] == "proxy-req-0001"
            sonda = subprocess.run(
                [sys.executable, "scripts/saude"],
                cwd=settings.BASE_DIR,
                env={**os.environ, "PORT": str(porta), "ALLOWED_HOSTS": "127.0.0.1"},
                capture_output=True,
                timeout=10,
            )
            assert sonda.returncode == 0, sonda.stderr
        finally:
            web.terminate()
            web.wait(timeout=20)
    linhas = [json.loads(linha) for linha in arquivo.read_text().splitlines() if linha.strip()]
    assert {"gunicorn.error", "uvicorn.error", "brm.pedidos"} <= {
        linha["logger"] for linha in linhas
    }
    pedido = [linha for linha in linhas if linha.get("request_id") == "proxy-req-0001"]
    assert len(pedido) == 1  # um pedido, uma linha
    assert pedido[0]["logger"] == "brm.pedidos"
    assert (pedido[0]["path"], pedido[0]["status"]) == ("/contas/login/", 200)
    # Nem o access log do gunicorn nem o do uvicorn repetem o pedido em outra linha.
    assert not {"gunicorn.access", "uvicorn.access"} & {linha["logger"] for linha in linhas}
