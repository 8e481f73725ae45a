"""Segue o stream `/events/logs` de uma API RPA e grava cada linha como LogExecucao.

Um seguidor por API (a global e a de cada operadora que tem a sua), todos no worker que tem o
arrendamento "eventos". Cada linha de um job nosso vai ao banco assim que chega ao socket, com a
chave que a identifica (`execucoes.linhas`): se o `/status` a gravar também, fica uma só.

O stream traz os jobs de todos os sistemas que usam a API. Os jobs que conhecemos ficam num mapa
em memória; uma linha de job desconhecido espera num buffer (o robô loga antes de o despacho
gravar o job_id, e um job adotado só é gravado depois da reconciliação), com uma consulta ao banco
por todos os que esperam, no máximo a cada `INTERVALO_CONSULTA`; passado o prazo, o job é de outro
sistema e suas linhas são descartadas sem tocar no banco.
"""

import logging
import threading
import time
from collections import OrderedDict, deque

from django.conf import settings
from django.db import close_old_connections, connection
from django.utils import timezone

from execucoes import acompanhamento, linhas
from execucoes.conexao import cliente_rpa
from execucoes.models import EstadoRPA, Execucao
from execucoes.prazos import espera_crescente
from execucoes.rpa import ErroRPA, Evento

logger = logging.getLogger(__name__)

ESPERA_NO_BUFFER = 15.0  # segundos (no mínimo) que as linhas de um job desconhecido esperam
INTERVALO_CONSULTA = 0.025  # entre consultas ao banco pelos jobs que esperam
LEMBRAR_ESTRANHOS = 30.0  # segundos em que um job de outro sistema é descartado sem consulta
LINHAS_POR_JOB_NO_BUFFER = 500
JOBS_NO_BUFFER = 1000
JOBS_CONHECIDOS = 10_000
ESPERA_INICIAL = 0.5
ESPERA_MAXIMA = 15.0


class SeguidorDeEventos(threading.Thread):
    def __init__(self, base_url: str | None = None) -> None:
        super().__init__(name="seguidor-eventos", daemon=True)
        self.base_url = (base_url or settings.API_EXTERNA_URL).rstrip("/")
        self.parar = threading.Event()
        self._principal = self.base_url == settings.API_EXTERNA_URL.rstrip("/")
        self._conhecidos: OrderedDict[str, object] = OrderedDict()  # job_id → execucao_id
        self._ocorrencias: dict[str, linhas.Ocorrencias] = {}
        self._esperando: dict[str, tuple[float, deque]] = {}  # job_id → (chegada, eventos)
        self._estranhos: dict[str, float] = {}  # job_id → até quando descartar
        self._ultima_consulta = 0.0
        self._ultimo_estado = 0.0
        # Um envio lento (ou adotado) grava o job_id só depois da reconciliação.
        self._espera_no_buffer = max(
            ESPERA_NO_BUFFER, settings.RPA_ENVIO_SEM_RESPOSTA_SEGUNDOS + 10
        )

    def run(self) -> None:
        reconexao = 1
        try:
            while not self.parar.is_set():
                entregou = False
                try:
                    entregou = self._seguir()
                except ErroRPA as erro:
                    logger.warning("Event stream %s: %s", self.base_url, erro)
                except Exception:
                    logger.exception("Event stream follower crashed; reconnecting")
                self._marcar(conectado=False)
                # Uma conexão que entregou eventos estava boa: a próxima queda recomeça do início.
                reconexao = 1 if entregou else reconexao + 1
                self.parar.wait(
                    espera_crescente(reconexao, base=ESPERA_INICIAL, maximo=ESPERA_MAXIMA)
                )
        finally:
            connection.close()

    def _seguir(self) -> bool:
        """Segue uma conexão até ela cair; diz se ela entregou eventos além do de conexão."""
        close_old_connections()
        entregou = False
        for evento in cliente_rpa(url=self.base_url).eventos(parar=self.parar):
            if evento.tipo != "connection":
                entregou = True
            if evento.tipo == "log" and evento.job_id:
                self.receber(evento)
            self._esvaziar_buffer()
            self._marcar(conectado=True)
        return entregou

    def receber(self, evento: Evento) -> None:
        job_id = evento.job_id
        if job_id in self._conhecidos and job_id not in self._esperando:
            self._gravar(self._conhecidos[job_id], evento)
            return
        if self._estranhos.get(job_id, 0) > time.monotonic():
            return  # job de outro sistema: descartado sem tocar no banco
        _, fila = self._esperando.setdefault(job_id, (time.monotonic(), deque()))
        if len(fila) < LINHAS_POR_JOB_NO_BUFFER:
            fila.append(evento)
        if len(self._esperando) > JOBS_NO_BUFFER:
            self._esquecer(next(iter(self._esperando)))

    def _esvaziar_buffer(self) -> None:
        agora = time.monotonic()
        if not self._esperando or agora - self._ultima_consulta < INTERVALO_CONSULTA:
            return
        self._ultima_consulta = agora
        achados = dict(
            Execucao.objects.filter(job_id__in=list(self._esperando)).values_list("job_id", "id")
        )
        for job_id in list(self._esperando):
            chegada, fila = self._esperando[job_id]
            if job_id in achados:
                del self._esperando[job_id]
                self._conhecer(job_id, achados[job_id])
                for evento in fila:
                    self._gravar(achados[job_id], evento)
            elif agora - chegada > self._espera_no_buffer:
                self._esquecer(job_id)

    def _esquecer(self, job_id: str) -> None:
        """Não é nosso (ou ainda não é: um job adotado depois tem as linhas completadas pelo
        /status no fim)."""
        self._esperando.pop(job_id, None)
        agora = time.monotonic()
        self._estranhos[job_id] = agora + LEMBRAR_ESTRANHOS
        if len(self._estranhos) > JOBS_NO_BUFFER:
            self._estranhos = {j: ate for j, ate in self._estranhos.items() if ate > agora}

    def _conhecer(self, job_id: str, execucao_id) -> None:
        self._conhecidos[job_id] = execucao_id
        while len(self._conhecidos) > JOBS_CONHECIDOS:
            antigo, _ = self._conhecidos.popitem(last=False)
            self._ocorrencias.pop(antigo, None)

    def _gravar(self, execucao_id, evento: Evento) -> None:
        ocorrencias = self._ocorrencias.setdefault(evento.job_id, linhas.Ocorrencias())
        linhas.gravar_do_stream(
            execucao_id,
            linhas.Linha(
                chave=ocorrencias.chave(evento.momento, evento.mensagem),
                nivel=linhas.nivel(evento.nivel),
                mensagem=evento.mensagem,
                momento=evento.momento,
            ),
        )
        if "concluído com status" in evento.mensagem:
            acompanhamento.avisar(job_id=evento.job_id)

    def _marcar(self, *, conectado: bool) -> None:
        if not self._principal:
            return
        agora = time.monotonic()
        if conectado and agora - self._ultimo_estado < 5:
            return
        self._ultimo_estado = agora
        EstadoRPA.objects.update_or_create(
            id=1, defaults={"stream_conectado": conectado, "ultimo_evento_em": timezone.now()}
        )
