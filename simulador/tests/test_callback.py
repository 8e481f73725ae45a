import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from simulador.tests.cliente_http import Cliente, esperar


@pytest.fixture
def sistema_de_processos():
    """Um servidor HTTP mínimo que guarda os avisos recebidos."""
    recebidos: list[tuple[str, dict]] = []

    class Tratador(BaseHTTPRequestHandler):
        def do_POST(self):
            corpo = self.rfile.read(int(self.headers["Content-Length"]))
            recebidos.append((self.path, json.loads(corpo)))
            self.send_response(204)
            self.end_headers()

        def log_message(self, *args):
            pass

    servidor = ThreadingHTTPServer(("127.0.0.1", 0), Tratador)
    threading.Thread(target=servidor.serve_forever, args=(0.05,), daemon=True).start()
    yield f"http://127.0.0.1:{servidor.server_address[1]}", recebidos
    servidor.shutdown()
    servidor.server_close()


def test_fim_do_job_avisa_o_processo(iniciar_simulador, sistema_de_processos):
    url, recebidos = sistema_de_processos
    cliente = Cliente(iniciar_simulador(processo_api_url=url))
    sem_processo = cliente.criar_download()
    cliente.controle("falhas/proximos-jobs", quantidade=1)
    com_processo = cliente.criar_download(processo_id="b4148f5f-0001")
    cliente.esperar_fim(sem_processo)
    cliente.esperar_fim(com_processo)

    esperar(lambda: recebidos)

    assert recebidos == [("/api/processos/b4148f5f-0001/status", {"status": "FAILED"})]
    (registro,) = esperar(lambda: cliente.estado()["callbacks"])
    assert registro["resposta"] == 204


def test_falha_no_aviso_e_ignorada(iniciar_simulador):
    cliente = Cliente(iniciar_simulador(processo_api_url="http://127.0.0.1:9"))
    job_id = cliente.criar_download(processo_id="p-1")

    assert cliente.esperar_fim(job_id)["status"] == "COMPLETED"
    (registro,) = esperar(lambda: cliente.estado()["callbacks"])
    assert registro["status"] == "COMPLETED"
    assert "erro" in registro
