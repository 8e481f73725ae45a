"""Central de transmissão dos logs ao vivo, dentro de cada processo web.

Quantos navegadores estiverem olhando, cada canal (um processo, ou uma execução) custa uma leitura
de linhas e uma de estado por volta, numa thread (e numa conexão) só da volta ao vivo; o resultado
é repartido em filas por espectador. Uma fila cheia (espectador lento) derruba só aquele
espectador — o navegador reconecta com Last-Event-ID e continua do banco, sem buraco nem
repetição.

O que quem chega pede ao banco (sessão, permissão, histórico, início de um canal novo) roda em
outra thread: quinhentos navegadores chegando de uma vez esperam na fila dela, e o ao vivo de quem
já está olhando não espera por ninguém.

Nenhuma leitura daqui carrega um modelo inteiro: só as colunas que a tela mostra. O cliente tem a
senha do portal cifrada, e carregá-lo decifraria a senha a cada linha de log.
"""

import asyncio
import contextlib
import logging
import threading
import weakref
from collections import deque
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field

from django.db import connection
from django.db.models import Q
from prometheus_client import Gauge

from execucoes.models import STATUS_ATIVOS, Execucao, LogExecucao, StatusExecucao
from processos.models import StatusProcesso

logger = logging.getLogger(__name__)

# Em /metrics; com vários processos web, a soma dos que estão vivos (modo multiprocesso).
ESPECTADORES = Gauge(
    "brm_logs_ao_vivo_espectadores",
    "Navegadores assistindo a um log ao vivo.",
    multiprocess_mode="livesum",
)

INTERVALO = 0.05  # segundos entre leituras do banco
INTERVALO_DO_PING = 15.0  # mantém proxies e balanceadores acordados
TAMANHO_DA_FILA = 1000
# Threads para quem chega (sessão, permissão, histórico, estado de canal novo). Uma só, de
# propósito: o trabalho dela é Python (linhas, JSON) e disputa o GIL com o laço que entrega o ao
# vivo. Medido com 500 chegando de uma vez: com duas, o pior atraso de quem já olhava foi 825 ms
# (com uma, 230 ms) e a chegada demorou mais (11 s contra 7 s).
THREADS_DE_CHEGADA = 1
DERRUBADA = object()  # aviso na fila: o espectador ficou para trás e deve reconectar
PING = object()  # aviso na fila: mande um comentário, a conexão está parada

# Nome no dicionário da linha → coluna (nada do cliente além do código da operadora).
COLUNAS_DA_LINHA = {
    "id": "id",
    "nivel": "nivel",
    "mensagem": "mensagem",
    "momento": "momento",
    "execucao_id": "execucao_id",
    "processo_id": "execucao__processo_id",
    "job_id": "execucao__job_id",
    "operadora": "execucao__processo__cliente__operadora__codigo",
}
COLUNAS_DO_ESTADO = (
    "pk",
    "processo_id",
    "tipo",
    "status",
    "progresso",
    "erro",
    "processo__status",
)
NOMES_DO_STATUS_DA_EXECUCAO = dict(StatusExecucao.choices)
NOMES_DO_STATUS_DO_PROCESSO = dict(StatusProcesso.choices)


@dataclass(frozen=True)
class Chave:
    tipo: str  # "processo" ou "execucao"
    id: object


@dataclass(eq=False)
class Inscricao:
    """Um espectador na central: a fila do que a volta lhe trouxe e ele ainda não mandou."""

    chave: Chave
    derrubada: bool = False
    # O estado do canal quando o espectador chegou; as mudanças seguintes vêm pela fila.
    estado: dict | None = None
    # Uma deque e um futuro, não uma asyncio.Queue: com mil espectadores, entregar e acordar
    # cada um a cada volta era boa parte do tempo do laço.
    fila: deque = field(default_factory=deque)
    _acordar: asyncio.Future | None = None

    def entregar(self, evento) -> None:
        if self.derrubada:
            return
        if len(self.fila) >= TAMANHO_DA_FILA:
            self.derrubar()
            return
        self._por_na_fila(evento)

    def derrubar(self) -> None:
        """O espectador deve reconectar (ficou para trás, ou o servidor vai parar)."""
        if self.derrubada:
            return
        self.derrubada = True
        self._por_na_fila(DERRUBADA)

    async def proximos(self) -> list:
        """Espera e devolve tudo o que chegou desde a última vez."""
        while not self.fila:
            self._acordar = asyncio.get_running_loop().create_future()
            await self._acordar
        eventos = list(self.fila)
        self.fila.clear()
        return eventos

    def _por_na_fila(self, evento) -> None:
        self.fila.append(evento)
        if self._acordar is not None and not self._acordar.done():
            self._acordar.set_result(None)


@dataclass
class Canal:
    chave: Chave
    ultimo_id: int
    estado: dict | None = None
    inscritos: set = field(default_factory=set)


def _filtro(chave: Chave, desde: int = 0) -> Q:
    campo = "execucao__processo_id" if chave.tipo == "processo" else "execucao_id"
    return Q(**{campo: chave.id, "id__gt": desde})


def _linha(valores: tuple) -> dict:
    dados = dict(zip(COLUNAS_DA_LINHA, valores, strict=True))
    dados["momento"] = dados["momento"].isoformat() if dados["momento"] else None
    dados["execucao_id"] = str(dados["execucao_id"])
    dados["processo_id"] = str(dados["processo_id"])
    return dados


def _linhas(filtro: Q, limite: int) -> list[dict]:
    consulta = (
        LogExecucao.objects.filter(filtro).order_by("id").values_list(*COLUNAS_DA_LINHA.values())
    )
    return [_linha(valores) for valores in consulta[:limite]]


def linhas_desde(chave: Chave, desde: int, limite: int = 500) -> list[dict]:
    return _linhas(_filtro(chave, desde), limite)


def ultimo_id(chave: Chave) -> int:
    ids = LogExecucao.objects.filter(_filtro(chave)).order_by("-id").values_list("id", flat=True)
    return ids.first() or 0


def _estado(valores: dict) -> dict:
    status, processo_status = valores["status"], valores["processo__status"]
    return {
        "execucao_id": str(valores["pk"]),
        "tipo": valores["tipo"],
        "execucao_status": status,
        "execucao_status_display": str(NOMES_DO_STATUS_DA_EXECUCAO.get(status, status)),
        "progresso": valores["progresso"],
        "ativa": status in STATUS_ATIVOS,
        "erro": valores["erro"],
        "processo_status": processo_status,
        "processo_status_display": str(
            NOMES_DO_STATUS_DO_PROCESSO.get(processo_status, processo_status)
        ),
    }


def estado_de(chave: Chave) -> dict | None:
    return estados_de([chave]).get(chave)


def estados_de(chaves: list[Chave]) -> dict[Chave, dict]:
    """O estado de cada canal (a execução mais recente do processo, ou a própria execução)."""
    processos = [c.id for c in chaves if c.tipo == "processo"]
    execucoes = [c.id for c in chaves if c.tipo == "execucao"]
    consulta = (
        Execucao.objects.filter(Q(processo_id__in=processos) | Q(pk__in=execucoes))
        .order_by("-criado_em")
        .values(*COLUNAS_DO_ESTADO)
    )
    estados: dict[Chave, dict] = {}
    for valores in consulta:
        estado = _estado(valores)
        estados.setdefault(Chave("processo", valores["processo_id"]), estado)
        estados.setdefault(Chave("execucao", valores["pk"]), estado)
    return {chave: estados[chave] for chave in chaves if chave in estados}


def inicio_do_canal(chave: Chave) -> tuple[int, dict | None]:
    """Onde um canal novo começa a ler e o seu estado agora."""
    return ultimo_id(chave), estado_de(chave)


def novidades(posicoes: dict[Chave, int]) -> tuple[list[dict], dict[Chave, dict]]:
    """Uma volta da central: linhas novas de todos os canais e o estado de cada um (2 consultas)."""
    if not posicoes:
        return [], {}
    filtros = [_filtro(chave, desde) for chave, desde in posicoes.items()]
    return _linhas(Q(*filtros, _connector=Q.OR), 5000), estados_de(list(posicoes))


class Central:
    def __init__(self) -> None:
        self.canais: dict[Chave, Canal] = {}
        self.ao_vivo = ThreadPoolExecutor(max_workers=1, thread_name_prefix="transmissao-ao-vivo")
        self.chegadas = ThreadPoolExecutor(
            max_workers=THREADS_DE_CHEGADA, thread_name_prefix="transmissao-chegada"
        )
        self.tarefa: asyncio.Task | None = None
        self.leituras = 0  # voltas ao banco do ao vivo (para o benchmark e os testes)
        self._na_fila: dict[tuple, Future] = {}
        self._trava_da_fila = threading.Lock()

    async def na_chegada(self, funcao, *args):
        """Roda `funcao` numa thread de chegada (sessão, permissão, histórico), nunca na do ao
        vivo."""
        return await asyncio.wrap_future(self.chegadas.submit(_na_chegada, funcao, *args))

    async def uma_leitura_por_pedido(self, pedido: tuple, funcao, *args):
        """Como `na_chegada`, mas pedidos iguais que ainda esperam na fila recebem a mesma
        leitura: quinhentos navegadores chegando ao mesmo job fazem uma consulta de histórico.
        Quem pede quando a leitura já começou espera outra, porque a que começou antes da sua
        inscrição pode não ter as linhas que a volta ao vivo não lhe manda mais."""
        with self._trava_da_fila:
            futuro = self._na_fila.get(pedido)
            if futuro is None or futuro.cancelled():
                futuro = self.chegadas.submit(self._ler_pedido, pedido, funcao, *args)
                self._na_fila[pedido] = futuro
        # Quem desiste (fechou a aba) não cancela a leitura dos outros.
        return await asyncio.shield(asyncio.wrap_future(futuro))

    def _ler_pedido(self, pedido: tuple, funcao, *args):
        with self._trava_da_fila:
            self._na_fila.pop(pedido, None)  # começou: quem pedir agora espera a próxima
        return _na_chegada(funcao, *args)

    async def _no_ao_vivo(self, funcao, *args):
        # A conexão desta thread fica aberta enquanto houver quem assista: a volta não disputa o
        # pool com as chegadas. É fechada quando o último sai (ou depois de um erro).
        def rodar():
            self.leituras += 1
            return funcao(*args)

        return await asyncio.get_running_loop().run_in_executor(self.ao_vivo, rodar)

    async def inscrever(self, chave: Chave) -> Inscricao:
        inscricao = Inscricao(chave)
        canal = self.canais.get(chave)
        if canal is None:
            pedido = ("canal", chave)
            ultimo, estado = await self.uma_leitura_por_pedido(pedido, inicio_do_canal, chave)
            canal = self.canais.setdefault(chave, Canal(chave, ultimo_id=ultimo, estado=estado))
        # Sem await daqui até o fim: o estado guardado e a entrada na lista de quem recebe as
        # mudanças acontecem juntos, sem volta no meio.
        inscricao.estado = canal.estado
        canal.inscritos.add(inscricao)
        ESPECTADORES.inc()
        if _encerrando.is_set():
            inscricao.derrubar()  # chegou durante a parada do servidor: reconecte em outro
        if self.tarefa is None or self.tarefa.done():
            self.tarefa = asyncio.get_running_loop().create_task(self._laco())
        return inscricao

    def encerrar(self) -> None:
        for canal in self.canais.values():
            for inscricao in canal.inscritos:
                inscricao.derrubar()

    def _a_todos(self, evento) -> None:
        for canal in list(self.canais.values()):
            for inscricao in list(canal.inscritos):
                inscricao.entregar(evento)

    def cancelar(self, inscricao: Inscricao) -> None:
        canal = self.canais.get(inscricao.chave)
        if canal is None or inscricao not in canal.inscritos:
            return
        canal.inscritos.discard(inscricao)
        ESPECTADORES.dec()
        if not canal.inscritos:
            del self.canais[inscricao.chave]

    async def _laco(self) -> None:
        laco = asyncio.get_running_loop()
        proximo_ping = laco.time() + INTERVALO_DO_PING
        try:
            while self.canais:
                try:
                    await self._volta()
                except Exception:
                    logger.exception("Live log hub failed reading the database")
                    await self._no_ao_vivo(fechar_conexao)
                if laco.time() >= proximo_ping:
                    # Um relógio para todos: sem um temporizador por espectador a cada evento.
                    proximo_ping = laco.time() + INTERVALO_DO_PING
                    self._a_todos(PING)
                await asyncio.sleep(INTERVALO)
        finally:
            # Sem await: o laço termina aqui mesmo, e quem se inscrever depois começa outro.
            with contextlib.suppress(RuntimeError):  # o interpretador já está saindo
                self.ao_vivo.submit(fechar_conexao)

    async def _volta(self) -> None:
        posicoes = {chave: canal.ultimo_id for chave, canal in self.canais.items()}
        linhas, estados = await self._no_ao_vivo(novidades, posicoes)
        for chave, desde in posicoes.items():
            canal = self.canais.get(chave)
            if canal is None:
                continue  # o último espectador saiu durante a leitura
            eventos = [
                ("log", linha)
                for linha in linhas
                if linha["id"] > desde and _do_canal(linha, chave)
            ]
            if eventos:
                canal.ultimo_id = max(linha["id"] for _, linha in eventos)
            estado = estados.get(chave)
            if estado != canal.estado:
                canal.estado = estado
                eventos.append(("estado", estado))
            for evento in eventos:
                for inscricao in list(canal.inscritos):
                    inscricao.entregar(evento)


def _na_chegada(funcao, *args):
    # A conexão da thread de chegada fica aberta entre chegadas (reabrir custava mais que a
    # consulta); com pool, volta a ele a cada chegada.
    try:
        return funcao(*args)
    except Exception:
        connection.close()  # a próxima chegada abre outra
        raise
    finally:
        if connection.settings_dict.get("OPTIONS", {}).get("pool"):
            connection.close()


def _do_canal(linha: dict, chave: Chave) -> bool:
    campo = "processo_id" if chave.tipo == "processo" else "execucao_id"
    return linha[campo] == str(chave.id)


def fechar_conexao() -> None:
    connection.close()


_centrais: "weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, Central]" = (
    weakref.WeakKeyDictionary()
)


_encerrando = threading.Event()


def encerrar_transmissoes() -> None:
    """O servidor vai parar: todo espectador, de toda central, é avisado para reconectar —
    inclusive quem ainda estiver se inscrevendo agora."""
    _encerrando.set()
    for central_do_laco in list(_centrais.values()):
        central_do_laco.encerrar()


def central() -> Central:
    """Uma central por laço de eventos (um por processo web sob o uvicorn)."""
    laco = asyncio.get_running_loop()
    if laco not in _centrais:
        _centrais[laco] = Central()
    return _centrais[laco]
