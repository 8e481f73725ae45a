"""Server-Sent Events lidos do banco (nunca da API RPA): histórico + ao vivo, retomável.

Todo evento leva `id:` (o id da última linha de log entregue), então `Last-Event-ID` retoma sem
buraco e sem repetição. Um `: ping` a cada 15 s mantém proxies e balanceadores acordados.
"""

import asyncio
import json
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass

from asgiref.sync import SyncToAsync, sync_to_async
from django.http import HttpResponse, JsonResponse, StreamingHttpResponse

from execucoes.transmissao import (
    DERRUBADA,
    Chave,
    central,
    estado_de,
    fechar_conexao,
    linhas_desde,
)

PING = 15.0
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


def resposta_sse(fluxo: AsyncIterator[str]) -> StreamingHttpResponse:
    resposta = StreamingHttpResponse(fluxo, content_type="text/event-stream; charset=utf-8")
    resposta["Cache-Control"] = "no-cache"
    resposta["X-Accel-Buffering"] = "no"
    return resposta


async def transmitir(
    chave: Chave,
    desde: int,
    *,
    inicio: Callable[[int], list[str]],
    linha: Callable[[dict], str],
    estado: Callable[[dict, int], tuple[str, bool]],
    historico_de: Callable[[int], list[dict]] | None = None,
) -> AsyncIterator[str]:
    """O laço comum aos streams: assina a central, manda o histórico, depois o ao vivo.

    `estado` devolve (texto do evento, se o stream termina ali).
    """

    def texto_da_linha(dados: dict) -> str:
        # A mesma linha vai para todos os espectadores do canal: formata uma vez só.
        texto = dados.get("_sse")
        if texto is None:
            texto = dados["_sse"] = linha(dados)
        return texto

    # Um stream fica aberto por horas: não segura conexão com o banco nem thread por espectador
    # (as leituras passam todas pela central). Aqui os middlewares já responderam.
    await sync_to_async(fechar_conexao)()
    _liberar_thread_do_pedido()
    hub = central()
    assinatura = await hub.assinar(chave)
    try:
        yield f"retry: {RETRY_MS}\n\n"
        ultimo = desde
        for texto in inicio(ultimo):
            yield texto
        historico = await hub.no_banco(
            historico_de or (lambda d: linhas_desde(chave, d, HISTORICO_MAXIMO)), desde
        )
        for dados in historico:
            ultimo = dados["id"]
            yield linha(dados)
        atual = await hub.no_banco(estado_de, chave)
        if atual is not None:
            texto, fim = estado(atual, ultimo)
            yield texto
            if fim:
                return
        while True:
            try:
                eventos = [await asyncio.wait_for(assinatura.fila.get(), PING)]
            except TimeoutError:
                yield ": ping\n\n"
                continue
            while not assinatura.fila.empty():  # o que a volta trouxe vai num pedaço só
                eventos.append(assinatura.fila.get_nowait())
            pedaco = []
            for evento in eventos:
                if evento is DERRUBADA:
                    yield "".join(pedaco)
                    return  # o navegador reconecta e retoma do banco
                tipo, dados = evento
                if tipo == "log":
                    if dados["id"] <= ultimo:
                        continue
                    ultimo = dados["id"]
                    pedaco.append(texto_da_linha(dados))
                elif dados is not None:
                    texto, fim = estado(dados, ultimo)
                    pedaco.append(texto)
                    if fim:
                        yield "".join(pedaco)
                        return
            if pedaco:
                yield "".join(pedaco)
    finally:
        hub.cancelar(assinatura)
