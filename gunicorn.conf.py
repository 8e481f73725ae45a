"""Gunicorn com workers uvicorn (ASGI): um stream de log aberto não prende um worker."""

import multiprocessing
import os

bind = f"0.0.0.0:{os.environ.get('PORT', '5050')}"
worker_class = "uvicorn_worker.UvicornWorker"
workers = int(os.environ.get("WEB_CONCURRENCY", min(4, multiprocessing.cpu_count())))
timeout = 60
graceful_timeout = 20
accesslog = "-"
errorlog = "-"
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1")
