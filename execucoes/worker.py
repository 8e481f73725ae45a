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
from concurrent.futures import ThreadPoolExecutor

from django.conf import settings
from django.db import close_old_connections, connection
from django.utils import timezone

from execucoes import acompanhamento, arrendamento, despacho
from execucoes.models import EstadoRPA, Execucao, StatusExecucao
from execucoes.prazos import conferir_prazos_do_envio
from execucoes.seguidor import SeguidorDeEventos
from operadoras.models import Operadora
from processos.competencia import competencia_atual
from processos.models import Origem
from processos.services import criar_processos_mensais

logger = logging.getLogger(__name__)

ARRENDAMENTO_EVENTOS = "eventos"
PRAZO_ARRENDAMENTO = dt.timedelta(seconds=20)
THREADS_DE_CONSULTA = 8  # um /status pendurado ocupa uma delas, não o worker


class Worker:
    def __init__(
        self, *, intervalo: float = 0.25, seguir_eventos: bool = True, criar_processos: bool = True
    ) -> None:
        self.intervalo = intervalo
        self.seguir_eventos = seguir_eventos
        self.criar_processos = criar_processos
        self.nome = f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:6]}"
        self.parar = threading.Event()
        self.seguidores: dict[str, SeguidorDeEventos] = {}
        self._proximas: dict[str, float] = {}
        self._consultas = ThreadPoolExecutor(THREADS_DE_CONSULTA, thread_name_prefix="consulta")
        self._em_consulta: set = set()
        conferir_prazos_do_envio(
            tempo_envio=settings.RPA_TEMPO_ENVIO_SEGUNDOS,
            sem_resposta=settings.RPA_ENVIO_SEM_RESPOSTA_SEGUNDOS,
        )

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
        self._dever("consultar", 0, self._consultar)
        self._dever("prazos", 5, acompanhamento.vencer_prazos)
        self._dever("reconciliar", 5, despacho.reconciliar_envios)
        self._dever("token", 5, despacho.sondar_token)
        self._dever("eventos", 5, self._cuidar_dos_seguidores)
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

    def _consultar(self) -> None:
        """Cada consulta numa thread; uma execução em consulta não é pega de novo, e com as
        threads todas ocupadas (jobs pendurados) nada mais é reivindicado."""
        livres = THREADS_DE_CONSULTA - len(self._em_consulta)
        if livres <= 0:
            return
        ids = acompanhamento.reivindicar_consultas(livres, excluir=set(self._em_consulta))
        for execucao_id in ids:
            self._em_consulta.add(execucao_id)
            tarefa = self._consultas.submit(acompanhamento.consultar_em_thread, execucao_id)
            tarefa.add_done_callback(lambda _, e=execucao_id: self._em_consulta.discard(e))

    def _cuidar_dos_seguidores(self) -> None:
        """Um seguidor por API RPA em uso, só no worker que tem o arrendamento."""
        if not self.seguir_eventos:
            return
        dono = arrendamento.obter(ARRENDAMENTO_EVENTOS, self.nome, PRAZO_ARRENDAMENTO)
        urls = apis_em_uso() if dono else set()
        for url, seguidor in list(self.seguidores.items()):
            if url not in urls or not seguidor.is_alive():
                seguidor.parar.set()
                del self.seguidores[url]
        for url in urls - set(self.seguidores):
            self.seguidores[url] = seguidor = SeguidorDeEventos(url)
            seguidor.start()
            logger.info("Worker %s follows the RPA event stream of %s", self.nome, url)

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
        for seguidor in self.seguidores.values():
            seguidor.parar.set()
        for seguidor in self.seguidores.values():
            seguidor.join(timeout=5)
        self._consultas.shutdown(wait=True, cancel_futures=True)
        try:
            arrendamento.liberar(ARRENDAMENTO_EVENTOS, self.nome)
        except Exception:
            logger.exception("Could not release the event-stream lease")
        connection.close()
        logger.info("Worker %s stopped", self.nome)


def apis_em_uso() -> set[str]:
    """A API global, a de cada operadora ativa que tem a sua e a de cada job ainda em curso."""
    urls = {settings.API_EXTERNA_URL}
    urls.update(
        Operadora.objects.filter(ativo=True, possui_rpa=True)
        .exclude(url_endpoint_rpa="")
        .values_list("url_endpoint_rpa", flat=True)
    )
    urls.update(
        Execucao.objects.filter(status__in=[StatusExecucao.PENDENTE, StatusExecucao.EXECUTANDO])
        .exclude(url_rpa="")
        .values_list("url_rpa", flat=True)
        .distinct()
    )
    return {url.rstrip("/") for url in urls}
