"""Os deveres de `execucoes` no worker (nucleo.deveres): despachar, acompanhar os jobs e seguir a
API RPA. A lista `DEVERES`, no fim, é a ordem em que rodam a cada volta."""

import datetime as dt
import logging
from concurrent.futures import ThreadPoolExecutor

from django.conf import settings
from django.utils import timezone

from execucoes import acompanhamento, adocao, arrendamento, conexao, despacho
from execucoes.models import EstadoRPA, Execucao, StatusExecucao
from execucoes.seguidor import SeguidorDeEventos
from nucleo.deveres import Dever
from operadoras.models import Operadora

logger = logging.getLogger(__name__)

ARRENDAMENTO_EVENTOS = "eventos"
PRAZO_ARRENDAMENTO = dt.timedelta(seconds=20)
THREADS_DE_CONSULTA = 8  # um /status pendurado ocupa uma delas, não o worker


class Consultas:
    """Cada consulta de `/status` numa thread; uma execução em consulta não é pega de novo, e com
    as threads todas ocupadas (jobs pendurados) nada mais é reivindicado."""

    def __init__(self, worker: str) -> None:
        self._threads = ThreadPoolExecutor(THREADS_DE_CONSULTA, thread_name_prefix="consulta")
        self._em_consulta: set = set()

    def __call__(self) -> None:
        livres = THREADS_DE_CONSULTA - len(self._em_consulta)
        if livres <= 0:
            return
        ids = acompanhamento.reivindicar_consultas(livres, excluir=set(self._em_consulta))
        for execucao_id in ids:
            self._em_consulta.add(execucao_id)
            tarefa = self._threads.submit(acompanhamento.consultar_em_thread, execucao_id)
            tarefa.add_done_callback(lambda _, e=execucao_id: self._em_consulta.discard(e))

    def encerrar(self) -> None:
        self._threads.shutdown(wait=True, cancel_futures=True)


class Seguidores:
    """Um seguidor do stream de eventos por API RPA em uso, só no worker que tem o arrendamento
    (os outros ficam de reserva: se o dono some, um deles assume no vencimento)."""

    def __init__(self, worker: str) -> None:
        self.worker = worker
        self.seguidores: dict[str, SeguidorDeEventos] = {}

    def __call__(self) -> None:
        dono = arrendamento.obter(ARRENDAMENTO_EVENTOS, self.worker, PRAZO_ARRENDAMENTO)
        urls = apis_em_uso() if dono else set()
        for url, seguidor in list(self.seguidores.items()):
            if url not in urls or not seguidor.is_alive():
                seguidor.parar.set()
                del self.seguidores[url]
        for url in urls - set(self.seguidores):
            self.seguidores[url] = seguidor = SeguidorDeEventos(url)
            seguidor.start()
            logger.info("Worker %s follows the RPA event stream of %s", self.worker, url)

    def encerrar(self) -> None:
        for seguidor in self.seguidores.values():
            seguidor.parar.set()
        for seguidor in self.seguidores.values():
            seguidor.join(timeout=5)
        try:
            arrendamento.liberar(ARRENDAMENTO_EVENTOS, self.worker)
        except Exception:
            logger.exception("Could not release the event-stream lease")


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


def sinal_de_vida() -> None:
    """A página inicial diz que o worker sumiu quando este sinal envelhece (execucoes.painel)."""
    EstadoRPA.objects.update_or_create(id=1, defaults={"worker_visto_em": timezone.now()})


DEVERES = [
    Dever("despachar", 0, fazer=despacho.despachar_pendentes),
    Dever("consultar", 0, tarefa=Consultas),
    Dever("prazos", 5, fazer=acompanhamento.vencer_prazos),
    Dever("reconciliar", 5, fazer=adocao.reconciliar_envios),
    Dever("token", 5, fazer=conexao.sondar_token),
    Dever("eventos", 5, tarefa=Seguidores),
    Dever("sinal", 10, fazer=sinal_de_vida),
]
