"""As métricas do próprio worker (cada dever: voltas, falhas, duração), numa porta dele
(`METRICAS_PORTA_WORKER`), com a mesma regra de acesso do `/metrics` do web. O estado do domínio
(fila, rodando, stream, atraso do status) está no banco e sai no `/metrics` de qualquer réplica web.
"""

import logging
import threading
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

from prometheus_client import Counter, Histogram, make_wsgi_app

from nucleo.metricas import acesso_permitido

logger = logging.getLogger(__name__)

VOLTAS = Counter(
    "brm_worker_deveres", "Voltas de cada dever do worker, por resultado.", ["dever", "resultado"]
)
DURACAO = Histogram(
    "brm_worker_dever_duracao_segundos",
    "Duração de cada volta de um dever do worker.",
    ["dever"],
    buckets=(0.01, 0.05, 0.1, 0.5, 1, 5, 15, 60),
)


class _Silencioso(WSGIRequestHandler):
    def log_message(self, *args) -> None:  # cada coleta não vira uma linha de log
        pass


class _ServidorEmThreads(WSGIServer):
    daemon_threads = True


def servir(porta: int, endereco: str) -> WSGIServer:
    """Sobe o servidor das métricas numa thread daemon; devolve-o (para `shutdown`)."""
    metricas = make_wsgi_app()

    def app(environ, start_response):
        if not acesso_permitido(
            environ.get("REMOTE_ADDR", ""), environ.get("HTTP_AUTHORIZATION", "")
        ):
            start_response("403 Forbidden", [("Content-Type", "text/plain; charset=utf-8")])
            return ["Acesso às métricas negado.\n".encode()]
        return metricas(environ, start_response)

    servidor = make_server(
        endereco, porta, app, server_class=_ServidorEmThreads, handler_class=_Silencioso
    )
    threading.Thread(target=servidor.serve_forever, name="metricas", daemon=True).start()
    logger.info("Worker metrics on %s:%s/metrics", endereco, servidor.server_port)
    return servidor
