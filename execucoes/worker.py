"""O worker (SPEC §4): despacha, acompanha e aplica desfechos, quer haja ou não uma página aberta.

Todo estado está no banco; vários workers podem rodar juntos (no PostgreSQL as linhas são
reivindicadas com `FOR UPDATE SKIP LOCKED`), e só um por vez segue o stream de eventos.
"""

import datetime as dt
import logging
import os
import socket
import threading
import time
import uuid

from django.conf import settings
from django.db import close_old_connections, connection
from django.utils import timezone

from execucoes import acompanhamento, arrendamento, despacho
from execucoes.models import EstadoRPA
from execucoes.seguidor import SeguidorDeEventos
from processos.competencia import competencia_atual
from processos.models import Origem
from processos.services import criar_processos_mensais

logger = logging.getLogger(__name__)

ARRENDAMENTO_EVENTOS = "eventos"
PRAZO_ARRENDAMENTO = dt.timedelta(seconds=20)


class Worker:
    def __init__(
        self, *, intervalo: float = 0.25, seguir_eventos: bool = True, criar_processos: bool = True
    ) -> None:
        self.intervalo = intervalo
        self.seguir_eventos = seguir_eventos
        self.criar_processos = criar_processos
        self.nome = f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:6]}"
        self.parar = threading.Event()
        self.seguidor: SeguidorDeEventos | None = None
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
        """Uma volta do laço; cada dever protegido para um erro não derrubar os outros."""
        close_old_connections()
        self._dever("despachar", 0, despacho.despachar_pendentes)
        self._dever("consultar", 0, acompanhamento.consultar_em_execucao)
        self._dever("reconciliar", 5, despacho.reconciliar_envios)
        self._dever("eventos", 5, self._cuidar_do_seguidor)
        self._dever("sinal", 10, self._sinal_de_vida)
        self._dever("criacao_mensal", 60, self._criacao_mensal)

    def _dever(self, nome: str, a_cada: float, funcao) -> None:
        agora = time.monotonic()
        if agora < self._proximas.get(nome, 0):
            return
        self._proximas[nome] = agora + a_cada
        try:
            funcao()
        except Exception:
            logger.exception("Worker duty %s failed", nome)

    def _cuidar_do_seguidor(self) -> None:
        if not self.seguir_eventos:
            return
        dono = arrendamento.obter(ARRENDAMENTO_EVENTOS, self.nome, PRAZO_ARRENDAMENTO)
        vivo = self.seguidor is not None and self.seguidor.is_alive()
        if dono and not vivo:
            self.seguidor = SeguidorDeEventos()
            self.seguidor.start()
            logger.info("Worker %s follows the RPA event stream", self.nome)
        elif not dono and vivo:
            self.seguidor.parar.set()

    def _sinal_de_vida(self) -> None:
        EstadoRPA.objects.update_or_create(id=1, defaults={"worker_visto_em": timezone.now()})

    def _criacao_mensal(self) -> None:
        if not self.criar_processos:
            return
        competencia = competencia_atual()
        if timezone.localdate().day < settings.PROCESSOS_DIA_CRIACAO:
            return
        if EstadoRPA.atual().ultima_criacao_mensal == competencia:
            return
        resultado = criar_processos_mensais(competencia=competencia, origem=Origem.WORKER)
        EstadoRPA.objects.filter(id=1).update(ultima_criacao_mensal=competencia)
        logger.info("Monthly creation: %s", resultado.mensagem())

    def _encerrar(self) -> None:
        if self.seguidor is not None:
            self.seguidor.parar.set()
            self.seguidor.join(timeout=5)
        try:
            arrendamento.liberar(ARRENDAMENTO_EVENTOS, self.nome)
        except Exception:
            logger.exception("Could not release the event-stream lease")
        connection.close()
        logger.info("Worker %s stopped", self.nome)
