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
accesslog = "-"
errorlog = "-"
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1")
# O socket de controle do gunicorn (gunicornc) não é usado; o caminho padrão é um só por usuário da
# máquina, dividido por toda instância (testes, benchmark, `make run`).
control_socket_disable = True
