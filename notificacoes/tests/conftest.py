"""Fixtures das notificações: o relógio que anda, um receptor de webhook local e um SMTP que cai."""

import datetime as dt
import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from django.utils import timezone


@pytest.fixture
def relogio(monkeypatch):
    """`relogio.ir_para(instante)` / `relogio.avancar(timedelta)`: o `timezone.now()` do sistema."""

    class Relogio:
        agora = timezone.now()

        def ir_para(self, instante: dt.datetime) -> None:
            self.agora = instante

        def avancar(self, intervalo: dt.timedelta) -> None:
            self.agora += intervalo

    relogio = Relogio()
    monkeypatch.setattr(timezone, "now", lambda: relogio.agora)
    return relogio


@pytest.fixture
def receptor_de_webhook():
    """Um servidor HTTP local que guarda cada POST (cabeçalhos e corpo); `respostas` é a fila dos
    códigos que ele devolve (vazia: 200)."""

    class Receptor(BaseHTTPRequestHandler):
        def do_POST(self):
            corpo = self.rfile.read(int(self.headers.get("Content-Length", 0)))
            servidor.recebidos.append({"cabecalhos": dict(self.headers), "corpo": corpo})
            codigo = servidor.respostas.pop(0) if servidor.respostas else 200
            self.send_response(codigo)
            self.send_header("Content-Length", "2")
            self.end_headers()
            self.wfile.write(b"ok")

        def log_message(self, *args):
            pass

    servidor = ThreadingHTTPServer(("127.0.0.1", 0), Receptor)
    servidor.recebidos, servidor.respostas = [], []
    servidor.url = f"http://127.0.0.1:{servidor.server_address[1]}/brm"
    servidor.json = lambda indice=0: json.loads(servidor.recebidos[indice]["corpo"])
    thread = threading.Thread(target=servidor.serve_forever, daemon=True)
    thread.start()
    yield servidor
    servidor.shutdown()
    servidor.server_close()


@pytest.fixture
def smtp_que_cai(settings):
    """O backend de e-mail passa a falhar nas próximas `smtp_que_cai.falhas` tentativas."""
    from notificacoes.tests import backends

    settings.EMAIL_BACKEND = "notificacoes.tests.backends.SMTPQueCai"
    backends.SMTPQueCai.falhas = 0
    return backends.SMTPQueCai
