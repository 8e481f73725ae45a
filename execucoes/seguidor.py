"""Segue o stream `/events/logs` da API RPA e grava cada linha como LogExecucao (SPEC §5).

Só um worker por vez segue o stream (arrendamento "eventos"). Linhas de um job cujo job_id ainda
não foi gravado (o robô começa a logar antes de o despacho terminar) esperam um pouco num buffer.
A linha final (`Job <id> concluído com status …`) é só um aviso: o worker consulta o status já.
"""

import datetime as dt
import logging
import threading
import time

from django.db import close_old_connections, connection
from django.utils import timezone

from execucoes import acompanhamento
from execucoes.models import EstadoRPA, Execucao, LogExecucao, NivelLog
from execucoes.rpa import ClienteRPA, ErroRPA, Evento

logger = logging.getLogger(__name__)

ESPERA_NO_BUFFER = 15.0  # segundos que uma linha de job desconhecido espera pelo job_id
NIVEIS = {"WARNING": NivelLog.WARN, **{nivel: nivel for nivel in NivelLog.values}}


class SeguidorDeEventos(threading.Thread):
    def __init__(self) -> None:
        super().__init__(name="seguidor-eventos", daemon=True)
        self.parar = threading.Event()
        self._execucoes: dict[str, tuple] = {}  # job_id → (execucao_id, ativa, lido_em)
        self._buffer: list[tuple[float, Evento]] = []
        self._ultimo_estado = 0.0

    def run(self) -> None:
        espera = 0.5
        try:
            while not self.parar.is_set():
                try:
                    self._seguir()
                    espera = 0.5
                except ErroRPA as erro:
                    logger.warning("Event stream: %s; reconnecting in %.1fs", erro, espera)
                except Exception:
                    logger.exception("Event stream follower crashed; reconnecting")
                self._marcar(conectado=False)
                self.parar.wait(espera)
                espera = min(espera * 2, 15.0)
        finally:
            connection.close()

    def _seguir(self) -> None:
        close_old_connections()
        for evento in ClienteRPA().eventos(parar=self.parar):
            self._esvaziar_buffer()
            if evento.tipo == "log" and evento.job_id:
                self._receber(evento)
            self._marcar(conectado=True)

    def _receber(self, evento: Evento) -> None:
        esperando = any(anterior.job_id == evento.job_id for _, anterior in self._buffer)
        alvo = None if esperando else self._execucao(evento.job_id)
        if alvo is None:
            # Job ainda sem execução conhecida (ou com linhas anteriores esperando): entra na fila,
            # para as linhas chegarem ao banco na ordem do robô.
            self._buffer.append((time.monotonic(), evento))
            return
        execucao_id, ativa = alvo
        if not ativa and _ja_gravada(execucao_id, evento):
            return  # o job já terminou e a linha veio pelo /status
        LogExecucao.objects.create(
            execucao_id=execucao_id,
            nivel=NIVEIS.get(evento.nivel, NivelLog.INFO),
            mensagem=evento.mensagem,
            momento=evento.momento,
        )
        if "concluído com status" in evento.mensagem:
            acompanhamento.avisar(job_id=evento.job_id)

    def _execucao(self, job_id: str) -> tuple | None:
        """(execucao_id, ainda ativa), relido do banco a cada segundo por job."""
        agora = time.monotonic()
        guardado = self._execucoes.get(job_id)
        if guardado is None or agora - guardado[2] > 1.0:
            linha = (
                Execucao.objects.filter(job_id=job_id).values_list("id", "finalizada_em").first()
            )
            if linha is None:
                return None
            if len(self._execucoes) > 5000:
                self._execucoes.clear()
            guardado = self._execucoes[job_id] = (linha[0], linha[1] is None, agora)
        return guardado[0], guardado[1]

    def _esvaziar_buffer(self) -> None:
        if not self._buffer:
            return
        agora = time.monotonic()
        pendentes, self._buffer = self._buffer, []
        for chegada, evento in pendentes:
            if agora - chegada >= ESPERA_NO_BUFFER:
                continue  # o /status completa no fim do job
            if any(anterior.job_id == evento.job_id for _, anterior in self._buffer):
                self._buffer.append((chegada, evento))  # mantém a ordem atrás das que esperam
            elif self._execucao(evento.job_id) is not None:
                self._receber(evento)
            else:
                self._buffer.append((chegada, evento))

    def _marcar(self, *, conectado: bool) -> None:
        agora = time.monotonic()
        if conectado and agora - self._ultimo_estado < 5:
            return
        self._ultimo_estado = agora
        EstadoRPA.objects.update_or_create(
            id=1, defaults={"stream_conectado": conectado, "ultimo_evento_em": timezone.now()}
        )


def _ja_gravada(execucao_id, evento: Evento) -> bool:
    momento = evento.momento
    linhas = LogExecucao.objects.filter(execucao_id=execucao_id, mensagem=evento.mensagem)
    if momento is not None:
        inicio = momento.replace(microsecond=0)
        linhas = linhas.filter(momento__gte=inicio, momento__lt=inicio + dt.timedelta(seconds=1))
    return linhas.exists()
