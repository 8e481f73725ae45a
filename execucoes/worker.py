"""O worker: despacha, acompanha e aplica desfechos, quer haja ou não uma página aberta.

O laço não sabe o que faz: roda os deveres que cada app declara (nucleo.deveres), na ordem de
`settings.DEVERES_DO_WORKER`. Todo estado está no banco; vários workers podem rodar juntos (no
PostgreSQL as linhas são reivindicadas com `FOR UPDATE SKIP LOCKED`), e só um por vez segue o
stream de eventos.
"""

import contextvars
import logging
import os
import socket
import threading
import time
import uuid
from collections.abc import Collection

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import close_old_connections, connection
from django.utils.module_loading import import_string

from execucoes.metricas_do_worker import DURACAO, VOLTAS
from execucoes.prazos import conferir_prazos_do_envio
from nucleo.deveres import Dever, Tarefa

logger = logging.getLogger(__name__)


def deveres_declarados() -> list[Dever]:
    """Os deveres de cada app, na ordem de `settings.DEVERES_DO_WORKER`."""
    deveres = [dever for lista in settings.DEVERES_DO_WORKER for dever in import_string(lista)]
    nomes = [dever.nome for dever in deveres]
    if repetidos := sorted({nome for nome in nomes if nomes.count(nome) > 1}):
        raise ImproperlyConfigured(f"DEVERES_DO_WORKER: deveres repetidos: {', '.join(repetidos)}.")
    return deveres


class Worker:
    def __init__(self, *, intervalo: float = 0.25, desligados: Collection[str] = ()) -> None:
        """`desligados`: nomes de deveres que este worker não roda (os testes desligam alguns)."""
        conferir_prazos_do_envio(
            tempo_envio=settings.RPA_TEMPO_ENVIO_SEGUNDOS,
            sem_resposta=settings.RPA_ENVIO_SEM_RESPOSTA_SEGUNDOS,
        )
        declarados = deveres_declarados()
        if desconhecidos := set(desligados) - {dever.nome for dever in declarados}:
            raise ValueError(f"Deveres desconhecidos: {', '.join(sorted(desconhecidos))}.")
        self.intervalo = intervalo
        self.nome = f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:6]}"
        self.parar = threading.Event()
        self.deveres = [dever for dever in declarados if dever.nome not in desligados]
        self.tarefas: dict[str, Tarefa] = {
            dever.nome: dever.tarefa(self.nome) for dever in self.deveres if dever.tarefa
        }
        self._proximas: dict[str, float] = {}

    def rodar(self) -> None:
        logger.info("Worker %s started", self.nome)
        try:
            while not self.parar.is_set():
                inicio = time.monotonic()
                self.passo()
                self.parar.wait(max(0.0, self.intervalo - (time.monotonic() - inicio)))
        finally:
            self._encerrar()

    def passo(self) -> None:
        """Uma volta: cada dever na sua hora, protegido para um erro não derrubar os outros."""
        close_old_connections()
        for dever in self.deveres:
            self._cumprir(dever)

    def _cumprir(self, dever: Dever) -> None:
        agora = time.monotonic()
        if agora < self._proximas.get(dever.nome, 0):
            return
        self._proximas[dever.nome] = agora + dever.a_cada
        fazer = self.tarefas[dever.nome] if dever.tarefa else dever.fazer
        resultado = "ok"
        try:
            # Cada dever num contexto próprio: os ids de execução que ele põe nas linhas de log
            # (nucleo.logs) não passam para o dever seguinte.
            with DURACAO.labels(dever.nome).time():
                contextvars.copy_context().run(fazer)
        except Exception:
            resultado = "falha"
            logger.exception("Worker duty %s failed", dever.nome)
        VOLTAS.labels(dever.nome, resultado).inc()

    def _encerrar(self) -> None:
        for nome, tarefa in reversed(self.tarefas.items()):
            try:
                tarefa.encerrar()
            except Exception:
                logger.exception("Worker duty %s did not stop cleanly", nome)
        connection.close()
        logger.info("Worker %s stopped", self.nome)
