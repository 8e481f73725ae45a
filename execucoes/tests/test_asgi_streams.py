"""Os streams servidos direto pelo ASGI (na frente do Django), como o gunicorn/uvicorn os chama."""

import asyncio
import uuid

import pytest
from asgiref.sync import sync_to_async
from django.db import connection
from django.test import Client

from brm.asgi import application
from brm.fabricas import criar_processo, criar_usuario
from execucoes import transmissao
from execucoes.models import Execucao, LogExecucao, StatusExecucao, TipoExecucao

pytestmark = pytest.mark.django_db(transaction=True)


def sessao_de(perfil="OPERADOR", ativo=True) -> str:
    usuario = criar_usuario(perfil)
    cliente = Client()
    cliente.force_login(usuario)
    if not ativo:
        usuario.is_active = False
        usuario.save()
    return cliente.cookies["sessionid"].value


def escopo(caminho: str, sessao: str | None = None, ultimo: int | None = None) -> dict:
    cabecalhos = []
    if sessao:
        cabecalhos.append((b"cookie", f"sessionid={sessao}".encode()))
    if ultimo is not None:
        cabecalhos.append((b"last-event-id", str(ultimo).encode()))
    return {
        "type": "http",
        "method": "GET",
        "path": caminho,
        "query_string": b"",
        "headers": cabecalhos,
    }


async def chamar(caminho: str, sessao=None, ultimo=None, ate: int = 1, prazo: float = 5.0):
    """Chama o app ASGI; depois de `ate` pedaços de corpo, o navegador “fecha a aba”."""
    enviados = []
    chegou = asyncio.Event()
    fechar = asyncio.Event()

    async def receber():
        await fechar.wait()
        return {"type": "http.disconnect"}

    async def enviar(mensagem):
        enviados.append(mensagem)
        if sum(1 for m in enviados if m["type"] == "http.response.body" and m.get("body")) >= ate:
            chegou.set()
        if mensagem["type"] == "http.response.body" and not mensagem.get("more_body"):
            chegou.set()

    tarefa = asyncio.ensure_future(application(escopo(caminho, sessao, ultimo), receber, enviar))
    await asyncio.wait_for(chegou.wait(), prazo)
    fechar.set()
    await asyncio.wait_for(tarefa, prazo)
    inicio = enviados[0]
    corpo = b"".join(m.get("body", b"") for m in enviados[1:]).decode()
    return inicio["status"], dict(inicio["headers"]), corpo


def rodar(coro):
    def fechar_conexao():
        connection.close()

    async def tudo():
        try:
            return await coro
        finally:
            await sync_to_async(fechar_conexao)()

    return asyncio.run(tudo())


def test_sem_sessao_inativo_e_desconhecido():
    processo = criar_processo()
    caminho = f"/processos/{processo.pk}/eventos"
    assert rodar(chamar(caminho))[0] == 403
    assert rodar(chamar(caminho, sessao_de(ativo=False)))[0] == 403
    sessao = sessao_de()
    assert rodar(chamar(f"/processos/{uuid.uuid4()}/eventos", sessao))[0] == 404
    assert rodar(chamar("/processos/nao-e-uuid/eventos", sessao))[0] == 404
    assert rodar(chamar("/api/v2/logs-tempo-real/stream/nao-existe", sessao))[0] == 404


def test_stream_com_historico_retomada_e_fim_ao_fechar():
    processo = criar_processo()
    execucao = Execucao.objects.create(
        processo=processo,
        tipo=TipoExecucao.DOWNLOAD_FATURA,
        status=StatusExecucao.EXECUTANDO,
        job_id="j7",
    )
    ids = [LogExecucao.objects.create(execucao=execucao, mensagem=f"l{n}").id for n in range(3)]
    sessao = sessao_de()

    async def cenario():
        status, cabecalhos, corpo = await chamar(f"/processos/{processo.pk}/eventos", sessao, ate=2)
        retomado = await chamar(f"/processos/{processo.pk}/eventos", sessao, ultimo=ids[1], ate=2)
        antigo = await chamar("/api/v2/logs-tempo-real/stream/j7", sessao, ate=3)
        return status, cabecalhos, corpo, retomado[2], antigo[2], transmissao.central().canais

    status, cabecalhos, corpo, retomado, antigo, canais = rodar(cenario())
    assert status == 200
    assert cabecalhos[b"content-type"].startswith(b"text/event-stream")
    assert cabecalhos[b"cache-control"] == b"no-cache" and cabecalhos[b"x-accel-buffering"] == b"no"
    assert corpo.startswith("retry: ") and all(f"id: {i}\n" in corpo for i in ids)
    assert f"id: {ids[2]}\n" in retomado and f"id: {ids[0]}\n" not in retomado
    assert '"type": "connection"' in antigo and '"job_id": "j7"' in antigo
    assert canais == {}  # cada “aba fechada” saiu da central


def test_processo_web_congela_o_que_carregou_e_espaca_as_coletas():
    """Coletas completas do coletor de ciclos paravam o laço por 100 a 250 ms com mil navegadores
    (bench/streams.py): o app ASGI congela o que o Django carregou e espaça as coletas."""
    import gc

    assert application is not None  # o app ASGI está montado (importar brm.asgi ajusta)
    assert gc.get_freeze_count() > 0
    assert gc.get_threshold()[0] >= 50_000
