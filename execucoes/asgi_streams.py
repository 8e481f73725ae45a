"""Os dois streams SSE servidos direto pelo ASGI, na frente do Django (`brm/asgi.py`).

Um stream fica aberto por horas e manda vários pedaços por segundo; passar cada pedaço pela pilha de
resposta do Django (e seus middlewares no início) custa caro com centenas de navegadores. Aqui
só se faz o necessário: sessão do Django → usuário, a mesma regra de permissão e o mesmo gerador
(`execucoes.streams`). Sob WSGI ou no cliente de testes, as views Django servem
as mesmas URLs.
"""

import asyncio
import json
import re
import uuid
from http.cookies import SimpleCookie
from importlib import import_module
from types import SimpleNamespace
from urllib.parse import parse_qs

from django.conf import settings

from execucoes.sse import Recusa, ler_ultimo_evento
from execucoes.transmissao import central

CABECALHOS_SSE = [
    (b"content-type", b"text/event-stream; charset=utf-8"),
    (b"cache-control", b"no-cache"),
    (b"x-accel-buffering", b"no"),
    (b"x-content-type-options", b"nosniff"),
]


def _uuid(texto: str):
    try:
        return uuid.UUID(texto)
    except ValueError:
        return None


async def _processo(usuario, identificador: str, desde: int):
    from execucoes.streams import fluxo_do_processo

    pk = _uuid(identificador)
    if pk is None:
        return Recusa(404, "Processo não encontrado.")
    return await fluxo_do_processo(usuario, pk, desde)


async def _job(usuario, identificador: str, desde: int):
    from execucoes.streams import fluxo_do_job

    return await fluxo_do_job(usuario, identificador, desde)


ROTAS = [
    (re.compile(r"^/processos/(?P<id>[^/]+)/eventos$"), _processo),
    (re.compile(r"^/api/v2/logs-tempo-real/stream/(?P<id>[^/]+)$"), _job),
]


def rota(scope) -> tuple | None:
    if scope["type"] != "http" or scope.get("method") != "GET":
        return None
    for padrao, abrir in ROTAS:
        encontrado = padrao.match(scope["path"])
        if encontrado:
            return abrir, encontrado["id"]
    return None


def _usuario_da_sessao(chave: str | None):
    from django.contrib import auth
    from django.contrib.auth.models import AnonymousUser

    if not chave:
        return AnonymousUser()
    sessao = import_module(settings.SESSION_ENGINE).SessionStore(chave)
    return auth.get_user(SimpleNamespace(session=sessao))


async def _abrir(abrir, identificador: str, scope):
    """O gerador do stream, ou a recusa. À parte de `servir` para que usuário, cookies e
    cabeçalhos não fiquem vivos as horas que o stream dura."""
    cabecalhos = {
        nome.decode().lower(): valor.decode("latin-1") for nome, valor in scope["headers"]
    }
    biscoitos = SimpleCookie(cabecalhos.get("cookie", ""))
    chave = biscoitos.get(settings.SESSION_COOKIE_NAME)
    # Na thread de chegada da central, como o resto do que quem chega pede ao banco: quinhentos
    # navegadores chegando de uma vez fazem fila ali, e o ao vivo de quem já olha não espera.
    usuario = await central().na_chegada(_usuario_da_sessao, chave.value if chave else None)
    consulta = parse_qs(scope.get("query_string", b"").decode())
    desde = ler_ultimo_evento(cabecalhos.get("last-event-id"), (consulta.get("desde") or [None])[0])
    return await abrir(usuario, identificador, desde)


async def servir(abrir, identificador: str, scope, receive, send) -> None:
    resultado = await _abrir(abrir, identificador, scope)
    if isinstance(resultado, Recusa):
        corpo = json.dumps({"detail": resultado.detalhe}, ensure_ascii=False).encode()
        await send(
            {
                "type": "http.response.start",
                "status": resultado.status,
                "headers": [(b"content-type", b"application/json")],
            }
        )
        await send({"type": "http.response.body", "body": corpo})
        return
    await send({"type": "http.response.start", "status": 200, "headers": CABECALHOS_SSE})

    async def transmitir():
        async for pedaco in resultado:
            await send({"type": "http.response.body", "body": pedaco.encode(), "more_body": True})
        await send({"type": "http.response.body", "body": b""})

    async def esperar_desconexao():
        while (await receive())["type"] != "http.disconnect":
            pass

    tarefas = [asyncio.ensure_future(transmitir()), asyncio.ensure_future(esperar_desconexao())]
    try:
        await asyncio.wait(tarefas, return_when=asyncio.FIRST_COMPLETED)
    finally:
        for tarefa in tarefas:
            tarefa.cancel()  # aba fechada: o gerador sai da central
        await asyncio.gather(*tarefas, return_exceptions=True)
        await resultado.aclose()


# Este módulo é importado uma vez por processo web, quando o app ASGI é montado (brm/asgi.py),
# depois que o Django carregou tudo.
