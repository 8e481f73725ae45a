"""Server-Sent Events lidos do banco (nunca da API RPA): histórico + ao vivo, retomável.

Todo evento leva `id:` — o maior id de linha de log entregue até ali (não o da última linha: o
histórico pode vir em outra ordem) —, então `Last-Event-ID` retoma sem buraco e sem repetição. Um
`: ping` a cada 15 s mantém proxies e balanceadores acordados.
"""

import json
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass

from asgiref.sync import SyncToAsync, sync_to_async
from django.http import HttpResponse, JsonResponse, StreamingHttpResponse

from execucoes.transmissao import DERRUBADA, PING, Chave, central, fechar_conexao, linhas_desde

RETRY_MS = 3000
HISTORICO_MAXIMO = 20_000


def evento_sse(dados: dict, *, id_: int | None = None, tipo: str | None = None) -> str:
    partes = [f"id: {id_}"] if id_ is not None else []
    if tipo:
        partes.append(f"event: {tipo}")
    partes.append("data: " + json.dumps(dados, ensure_ascii=False, default=str))
    return "\n".join(partes) + "\n\n"


@dataclass(frozen=True)
class Recusa:
    """Um stream que não abre: o status HTTP e a explicação em pt-BR."""

    status: int
    detalhe: str


def ler_ultimo_evento(cabecalho: str | None, desde: str | None = None) -> int:
    try:
        return max(0, int(cabecalho or desde or 0))
    except ValueError:
        return 0


def ultimo_evento(request) -> int:
    return ler_ultimo_evento(request.headers.get("Last-Event-ID"), request.GET.get("desde"))


def responder(resultado) -> HttpResponse:
    """A view Django de um stream: recusa em JSON, ou o SSE."""
    if isinstance(resultado, Recusa):
        return JsonResponse({"detail": resultado.detalhe}, status=resultado.status)
    return resposta_sse(resultado)


def _liberar_thread_do_pedido() -> None:
    """Sob ASGI o Django dá a cada pedido uma thread para o código síncrono (middlewares, ORM),
    que viveria enquanto o stream estiver aberto: uma thread parada por navegador. Depois da
    última chamada síncrona, encerramos essa thread; se o Django precisar de outra no fim do
    pedido, o asgiref cria uma na hora."""
    contexto = SyncToAsync.thread_sensitive_context.get(None)
    executor = SyncToAsync.context_to_thread_executor.pop(contexto, None) if contexto else None
    if executor is not None:
        executor.shutdown(wait=False)


async def _sem_prender_o_pedido(fluxo: AsyncIterator[str]) -> AsyncIterator[str]:
    """Um stream fica aberto por horas: servido pela view Django, não segura a conexão com o
    banco nem a thread do pedido (as leituras passam todas pela central). Quando o primeiro
    pedaço é pedido, os middlewares já responderam."""
    await sync_to_async(fechar_conexao)()
    _liberar_thread_do_pedido()
    try:
        async for pedaco in fluxo:
            yield pedaco
    finally:
        await fluxo.aclose()


def resposta_sse(fluxo: AsyncIterator[str]) -> StreamingHttpResponse:
    resposta = StreamingHttpResponse(
        _sem_prender_o_pedido(fluxo), content_type="text/event-stream; charset=utf-8"
    )
    resposta["Cache-Control"] = "no-cache"
    resposta["X-Accel-Buffering"] = "no"
    return resposta


def _historico_em_texto(
    historico_de: Callable[[int], list[dict]], linha: Callable[[dict], str], desde: int
) -> tuple[str, int]:
    """O histórico já formatado, num pedaço só, e o maior id entregue nele."""
    partes = []
    ultimo = desde
    for dados in historico_de(desde):
        ultimo = max(ultimo, dados["id"])
        partes.append(f"id: {ultimo}\n{linha(dados)}")
    return "".join(partes), ultimo


async def transmitir(
    chave: Chave,
    desde: int,
    *,
    inicio: Callable[[int], list[str]],
    linha: Callable[[dict], str],
    estado: Callable[[dict, int], tuple[str, bool]],
    historico_de: Callable[[int], list[dict]] | None = None,
) -> AsyncIterator[str]:
    """O laço comum aos streams: se inscreve na central, manda o histórico, depois o ao vivo.

    `linha` formata uma linha de log sem o `id:` (quem o põe é este laço) e deve depender só da
    linha: o texto fica guardado na linha para todos os espectadores do mesmo formato.
    `historico_de(desde)` devolve as linhas depois de `desde` e deve depender só de `chave` e
    `desde`: quem chega junto pedindo o mesmo histórico no mesmo formato recebe uma leitura só.
    `estado` devolve (texto do evento, se o stream termina ali).
    """
    if historico_de is None:

        def historico_de(desde: int) -> list[dict]:
            return linhas_desde(chave, desde, HISTORICO_MAXIMO)

    def texto_ao_vivo(dados: dict) -> str:
        # A mesma linha vai a todos os espectadores do canal — e aos do outro canal do mesmo job
        # (o do processo e o da execução), que a mostram em outro formato. Guardada por formato.
        textos = dados.setdefault("_sse", {})
        texto = textos.get(linha)
        if texto is None:
            texto = textos[linha] = f"id: {dados['id']}\n{linha(dados)}"
        return texto

    hub = central()
    inscricao = await hub.inscrever(chave)
    try:
        yield f"retry: {RETRY_MS}\n\n"
        for texto in inicio(desde):
            yield texto
        # Consulta e formatação longe do laço de eventos e da volta ao vivo, uma vez para quem
        # pede o mesmo histórico no mesmo formato (o código da função distingue as rotas).
        pedido = ("historico", chave, desde, linha, getattr(historico_de, "__code__", historico_de))
        texto, ultimo = await hub.uma_leitura_por_pedido(
            pedido, _historico_em_texto, historico_de, linha, desde
        )
        if texto:
            yield texto
        if inscricao.estado is not None:
            texto, fim = estado(inscricao.estado, ultimo)
            yield texto
            if fim:
                return
        while True:
            pedaco = []  # o que a volta trouxe vai num pedaço só
            for evento in await inscricao.proximos():
                if evento is DERRUBADA:
                    yield "".join(pedaco)
                    return  # o navegador reconecta e retoma do banco
                if evento is PING:
                    pedaco.append(": ping\n\n")
                    continue
                tipo, dados = evento
                if tipo == "log":
                    if dados["id"] <= ultimo:
                        continue  # já foi no histórico
                    ultimo = dados["id"]  # maior que todos os já entregues
                    pedaco.append(texto_ao_vivo(dados))
                elif dados is not None:
                    texto, fim = estado(dados, ultimo)
                    pedaco.append(texto)
                    if fim:
                        yield "".join(pedaco)
                        return
            if pedaco:
                yield "".join(pedaco)
    finally:
        hub.cancelar(inscricao)
