"""Worker do gunicorn para o nosso ASGI: um uvicorn que, ao parar, encerra os streams de log antes.

Um stream SSE não termina sozinho. Sem isto, um deploy (SIGTERM) esperaria cada navegador aberto até
o `graceful_timeout` e o gunicorn mataria o worker no meio. Aqui, ao receber o sinal, cada
espectador recebe o aviso de reconectar (o mesmo de um espectador lento): o navegador volta com
`Last-Event-ID` para outro worker ou para o servidor novo, sem buraco nem repetição.
"""

import sys

from gunicorn.arbiter import Arbiter
from uvicorn import Server
from uvicorn_worker import UvicornWorker


class Servidor(Server):
    async def shutdown(self, sockets=None) -> None:
        from execucoes.transmissao import encerrar_transmissoes  # o Django já subiu no worker

        encerrar_transmissoes()
        await super().shutdown(sockets=sockets)


class Worker(UvicornWorker):
    async def _serve(self) -> None:
        # O mesmo de UvicornWorker._serve (uvicorn-worker fixado em requirements/), com o Servidor.
        self.config.app = self.wsgi
        servidor = Servidor(config=self.config)
        self._install_sigquit_handler()
        await servidor.serve(sockets=self.sockets)
        if not servidor.started:
            sys.exit(Arbiter.WORKER_BOOT_ERROR)
