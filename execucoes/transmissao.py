"""Central de transmissão dos logs ao vivo, dentro de cada processo web (SPEC §5).

Quantos navegadores estiverem olhando, cada canal (um processo, ou uma execução) custa uma leitura
de linhas e uma de estado por volta, numa thread só para o banco; o resultado é repartido em filas
por espectador. Uma fila cheia (espectador lento) derruba só aquele espectador — o navegador
reconecta com Last-Event-ID e continua do banco, sem buraco nem repetição.
"""

import asyncio
import logging
import threading
import weakref
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

from django.db import close_old_connections, connection
from django.db.models import Q

from execucoes.models import Execucao, LogExecucao

logger = logging.getLogger(__name__)

INTERVALO = 0.05  # segundos entre leituras do banco
TAMANHO_DA_FILA = 1000
DERRUBADA = object()  # aviso na fila: o espectador ficou para trás e deve reconectar


@dataclass(frozen=True)
class Chave:
    tipo: str  # "processo" ou "execucao"
    id: object


@dataclass
class Assinatura:
    chave: Chave
    fila: asyncio.Queue = field(default_factory=lambda: asyncio.Queue(TAMANHO_DA_FILA))
    derrubada: bool = False

    def entregar(self, evento) -> None:
        if self.derrubada:
            return
        try:
            self.fila.put_nowait(evento)
        except asyncio.QueueFull:
            self.derrubar()

    def derrubar(self) -> None:
        """O espectador deve reconectar (ficou para trás, ou o servidor vai parar)."""
        if self.derrubada:
            return
        self.derrubada = True
        if self.fila.full():
            self.fila.get_nowait()  # abre espaço para o aviso
        self.fila.put_nowait(DERRUBADA)

    def __hash__(self) -> int:
        return id(self)


@dataclass
class Canal:
    chave: Chave
    ultimo_id: int
    estado: dict | None = None
    assinantes: set = field(default_factory=set)


def _filtro(chave: Chave) -> Q:
    if chave.tipo == "processo":
        return Q(execucao__processo_id=chave.id)
    return Q(execucao_id=chave.id)


def _linha(linha: LogExecucao) -> dict:
    return {
        "id": linha.id,
        "nivel": linha.nivel,
        "mensagem": linha.mensagem,
        "momento": linha.momento.isoformat() if linha.momento else None,
        "execucao_id": str(linha.execucao_id),
        "processo_id": str(linha.execucao.processo_id),
        "job_id": linha.execucao.job_id,
        "operadora": linha.execucao.processo.cliente.operadora.codigo,
    }


def _linhas(filtro: Q, limite: int) -> list[dict]:
    consulta = (
        LogExecucao.objects.filter(filtro)
        .select_related("execucao__processo__cliente__operadora")
        .order_by("id")
    )
    return [_linha(linha) for linha in consulta[:limite]]


def linhas_desde(chave: Chave, desde: int, limite: int = 500) -> list[dict]:
    return _linhas(_filtro(chave) & Q(id__gt=desde), limite)


def ultimo_id(chave: Chave) -> int:
    ids = LogExecucao.objects.filter(_filtro(chave)).order_by("-id").values_list("id", flat=True)
    return ids.first() or 0


def _estado(execucao: Execucao) -> dict:
    return {
        "execucao_id": str(execucao.pk),
        "tipo": execucao.tipo,
        "execucao_status": execucao.status,
        "execucao_status_display": execucao.get_status_display(),
        "progresso": execucao.progresso,
        "ativa": execucao.ativa,
        "erro": execucao.erro,
        "processo_status": execucao.processo.status,
        "processo_status_display": execucao.processo.get_status_display(),
    }


def estado_de(chave: Chave) -> dict | None:
    return estados_de([chave]).get(chave)


def estados_de(chaves: list[Chave]) -> dict[Chave, dict]:
    """O estado de cada canal (a execução mais recente do processo, ou a própria execução)."""
    processos = [c.id for c in chaves if c.tipo == "processo"]
    execucoes = [c.id for c in chaves if c.tipo == "execucao"]
    consulta = (
        Execucao.objects.filter(Q(processo_id__in=processos) | Q(pk__in=execucoes))
        .select_related("processo")
        .order_by("-criado_em")
    )
    estados: dict[Chave, dict] = {}
    for execucao in consulta:
        estados.setdefault(Chave("processo", execucao.processo_id), _estado(execucao))
        estados.setdefault(Chave("execucao", execucao.pk), _estado(execucao))
    return {chave: estados[chave] for chave in chaves if chave in estados}


def novidades(posicoes: dict[Chave, int]) -> tuple[list[dict], dict[Chave, dict]]:
    """Uma volta da central: linhas novas de todos os canais e o estado de cada um (2 consultas)."""
    filtro = Q(pk__in=[])
    for chave, desde in posicoes.items():
        filtro |= _filtro(chave) & Q(id__gt=desde)
    return _linhas(filtro, 5000), estados_de(list(posicoes))


class Central:
    def __init__(self) -> None:
        self.canais: dict[Chave, Canal] = {}
        self.banco = ThreadPoolExecutor(max_workers=1, thread_name_prefix="transmissao-banco")
        self.tarefa: asyncio.Task | None = None
        self.leituras = 0  # consultas feitas (para o benchmark e os testes)

    async def no_banco(self, funcao, *args):
        def rodar():
            close_old_connections()
            self.leituras += 1
            try:
                return funcao(*args)
            finally:
                if connection.settings_dict.get("OPTIONS", {}).get("pool"):
                    connection.close()  # devolve ao pool: a central não segura conexão parada

        return await asyncio.get_running_loop().run_in_executor(self.banco, rodar)

    async def assinar(self, chave: Chave) -> Assinatura:
        assinatura = Assinatura(chave)
        canal = self.canais.get(chave)
        if canal is None:
            canal = Canal(
                chave,
                ultimo_id=await self.no_banco(ultimo_id, chave),
                estado=await self.no_banco(estado_de, chave),
            )
            canal = self.canais.setdefault(chave, canal)
        canal.assinantes.add(assinatura)
        if _encerrando.is_set():
            assinatura.derrubar()  # chegou durante a parada do servidor: reconecte em outro
        if self.tarefa is None or self.tarefa.done():
            self.tarefa = asyncio.get_running_loop().create_task(self._laco())
        return assinatura

    def encerrar(self) -> None:
        for canal in self.canais.values():
            for assinatura in canal.assinantes:
                assinatura.derrubar()

    def cancelar(self, assinatura: Assinatura) -> None:
        canal = self.canais.get(assinatura.chave)
        if canal is None:
            return
        canal.assinantes.discard(assinatura)
        if not canal.assinantes:
            del self.canais[assinatura.chave]

    async def _laco(self) -> None:
        while self.canais:
            try:
                await self._volta()
            except Exception:
                logger.exception("Live log hub failed reading the database")
                await self.no_banco(fechar_conexao)
            await asyncio.sleep(INTERVALO)

    async def _volta(self) -> None:
        posicoes = {chave: canal.ultimo_id for chave, canal in self.canais.items()}
        linhas, estados = await self.no_banco(novidades, posicoes)
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
                canal.ultimo_id = eventos[-1][1]["id"]
            estado = estados.get(chave)
            if estado != canal.estado:
                canal.estado = estado
                eventos.append(("estado", estado))
            for evento in eventos:
                for assinatura in list(canal.assinantes):
                    assinatura.entregar(evento)


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
    inclusive quem ainda estiver assinando agora."""
    _encerrando.set()
    for central_do_laco in list(_centrais.values()):
        central_do_laco.encerrar()


def central() -> Central:
    """Uma central por laço de eventos (um por processo web sob o uvicorn)."""
    laco = asyncio.get_running_loop()
    if laco not in _centrais:
        _centrais[laco] = Central()
    return _centrais[laco]
