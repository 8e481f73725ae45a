"""Gunicorn com workers uvicorn (ASGI): um stream de log aberto não prende um worker."""

import multiprocessing
import os

# Só a própria máquina, salvo pedido explícito: o contêiner (Dockerfile) define HOST=0.0.0.0.
bind = f"{os.environ.get('HOST', '127.0.0.1')}:{os.environ.get('PORT', '5050')}"
# uvicorn que encerra os streams de log ao parar (brm/servidor.py).
worker_class = "brm.servidor.Worker"
workers = int(os.environ.get("WEB_CONCURRENCY", min(4, multiprocessing.cpu_count())))
timeout = 60
graceful_timeout = 20
# Cada pedido já vira uma linha do log do app (brm.middleware, com o id do pedido, em JSON em
# produção); o access log do gunicorn seria uma segunda linha, em texto.
accesslog = None
errorlog = "-"
# As linhas do próprio gunicorn e do uvicorn (partida, parada, worker morto) no mesmo formato das do
# app: JSON em produção (LOG_JSON, padrão: sem DEBUG), para o coletor ler uma linha por evento.
_debug = os.environ.get("DEBUG", "false").lower() in ("1", "true", "yes", "on")
if os.environ.get("LOG_JSON", str(not _debug)).lower() in ("1", "true", "yes", "on"):
    logconfig_dict = {
        "formatters": {"generic": {"()": "nucleo.logs.formatador_json"}},
        "loggers": {
            # Uma vez cada linha (sem subir também para o handler da raiz).
            "gunicorn.error": {"level": "INFO", "handlers": ["error_console"], "propagate": False},
            # O pedido já é a linha do app (brm.pedidos, com o request_id).
            "uvicorn.access": {"level": "WARNING", "propagate": False},
        },
    }
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1")
# O socket de controle do gunicorn (gunicornc) não é usado; o caminho padrão é um só por usuário da
# máquina, dividido por toda instância (testes, benchmark, `make run`).
control_socket_disable = True


def on_starting(server):
    """Métricas de várias réplicas do mesmo contêiner (prometheus-client, modo multiprocesso): a
    pasta começa vazia a cada partida, sem os números de processos que já morreram."""
    pasta = os.environ.get("PROMETHEUS_MULTIPROC_DIR")
    if pasta:
        os.makedirs(pasta, exist_ok=True)
        for nome in os.listdir(pasta):
            if nome.endswith(".db"):
                os.remove(os.path.join(pasta, nome))


def child_exit(server, worker):
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        multiprocess.mark_process_dead(worker.pid)
