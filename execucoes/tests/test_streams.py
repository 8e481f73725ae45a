"""Os streams SSE lidos do banco: histórico, ao vivo, retomada, permissões e a central compartilhada."""

import asyncio
import contextlib
import json

import pytest
from asgiref.sync import sync_to_async
from django.db import connection
from django.test import AsyncClient
from django.urls import reverse

from brm.fabricas import criar_processo, criar_usuario
from execucoes import transmissao
from execucoes.models import Execucao, LogExecucao, StatusExecucao, TipoExecucao

pytestmark = pytest.mark.django_db(transaction=True)


def evento(bloco: str) -> dict:
    campos = {}
    for linha in bloco.splitlines():
        if linha.startswith(":"):
            campos.setdefault("comentario", linha[1:].strip())
            continue
        nome, _, valor = linha.partition(": ")
        campos[nome] = valor
    if "data" in campos:
        campos["data"] = json.loads(campos["data"])
    return campos


class Leitor:
    """Lê eventos SSE de uma resposta em streaming do cliente de testes assíncrono."""

    def __init__(self, resposta):
        self.resposta = resposta
        self.iterador = resposta.streaming_content.__aiter__()
        self.buffer = ""

    async def proximos(self, quantos: int, prazo: float = 5.0, so_dados: bool = True) -> list[dict]:
        eventos = []
        while len(eventos) < quantos:
            while "\n\n" not in self.buffer:
                pedaco = await asyncio.wait_for(self.iterador.__anext__(), prazo)
                self.buffer += pedaco.decode() if isinstance(pedaco, bytes) else pedaco
            bloco, self.buffer = self.buffer.split("\n\n", 1)
            lido = evento(bloco)
            if not so_dados or "data" in lido:
                eventos.append(lido)
        return eventos

    async def fechar(self):
        # Como o handler ASGI do Django quando a aba fecha: cancela a tarefa que espera o stream.
        leitura = asyncio.ensure_future(self.iterador.__anext__())
        await asyncio.sleep(0.05)
        leitura.cancel()
        with contextlib.suppress(asyncio.CancelledError, StopAsyncIteration):
            await leitura


def rodar(cenario):
    """asyncio.run do cenário, devolvendo ao fim a conexão da thread do ORM assíncrono."""

    def fechar():
        connection.close()

    async def tudo():
        try:
            return await cenario()
        finally:
            await sync_to_async(fechar)()

    return asyncio.run(tudo())


def preparar(com_linhas: int = 3, status=StatusExecucao.EXECUTANDO):
    processo = criar_processo()
    execucao = Execucao.objects.create(
        processo=processo, tipo=TipoExecucao.DOWNLOAD_FATURA, status=status, job_id="job-1"
    )
    for numero in range(com_linhas):
        LogExecucao.objects.create(execucao=execucao, mensagem=f"linha {numero}")
    return processo, execucao


async def cliente_de(perfil: str = "OPERADOR") -> AsyncClient:
    cliente = AsyncClient()
    usuario = await sync_to_async(criar_usuario)(perfil)
    await cliente.aforce_login(usuario)
    return cliente


def test_historico_e_depois_ao_vivo_com_ids_sem_buraco():
    processo, execucao = preparar(com_linhas=3)

    async def cenario():
        cliente = await cliente_de()
        resposta = await cliente.get(reverse("processo_eventos", args=[processo.pk]))
        assert resposta.status_code == 200
        assert resposta["Content-Type"].startswith("text/event-stream")
        assert resposta["Cache-Control"] == "no-cache" and resposta["X-Accel-Buffering"] == "no"
        leitor = Leitor(resposta)
        primeiros = await leitor.proximos(4)
        assert [e["data"]["mensagem"] for e in primeiros[:3]] == ["linha 0", "linha 1", "linha 2"]
        assert (
            primeiros[3]["event"] == "estado"
            and primeiros[3]["data"]["execucao_status"] == "EXECUTANDO"
        )
        for numero in (3, 4):
            await LogExecucao.objects.acreate(execucao=execucao, mensagem=f"linha {numero}")
        ao_vivo = await leitor.proximos(2)
        assert [e["data"]["mensagem"] for e in ao_vivo] == ["linha 3", "linha 4"]
        ids = [int(e["id"]) for e in primeiros[:3] + ao_vivo]
        assert ids == sorted(ids) and len(set(ids)) == 5
        await Execucao.objects.filter(pk=execucao.pk).aupdate(status=StatusExecucao.CONCLUIDO)
        fim = await leitor.proximos(1)
        assert fim[0]["event"] == "estado" and fim[0]["data"]["ativa"] is False
        await leitor.fechar()
        return ids

    rodar(cenario)


def test_last_event_id_retoma_sem_repetir():
    processo, _execucao = preparar(com_linhas=5)
    ids = list(LogExecucao.objects.order_by("id").values_list("id", flat=True))

    async def cenario():
        cliente = await cliente_de()
        resposta = await cliente.get(
            reverse("processo_eventos", args=[processo.pk]), headers={"Last-Event-ID": str(ids[2])}
        )
        leitor = Leitor(resposta)
        eventos = await leitor.proximos(2)
        await leitor.fechar()
        return [int(e["id"]) for e in eventos]

    assert rodar(cenario) == ids[3:]


def test_primeiro_evento_traz_retry():
    processo, _ = preparar(com_linhas=0)

    async def cenario():
        cliente = await cliente_de()
        leitor = Leitor(await cliente.get(reverse("processo_eventos", args=[processo.pk])))
        bruto = await asyncio.wait_for(leitor.iterador.__anext__(), 5)
        await leitor.fechar()
        return bruto.decode() if isinstance(bruto, bytes) else bruto

    assert rodar(cenario).startswith("retry: ")


def test_sem_permissao_e_desconhecido():
    processo, _ = preparar()

    async def cenario():
        anonimo = await AsyncClient().get(reverse("processo_eventos", args=[processo.pk]))
        inativo_cliente = AsyncClient()
        inativo = await sync_to_async(criar_usuario)("OPERADOR")
        await inativo_cliente.aforce_login(inativo)
        inativo.is_active = False
        await inativo.asave()
        desativado = await inativo_cliente.get(reverse("processo_eventos", args=[processo.pk]))
        cliente = await cliente_de()
        import uuid

        desconhecido = await cliente.get(reverse("processo_eventos", args=[uuid.uuid4()]))
        return anonimo.status_code, desativado.status_code, desconhecido.status_code

    assert rodar(cenario) == (403, 403, 404)


@pytest.mark.lento
def test_central_le_o_banco_uma_vez_por_volta_qualquer_que_seja_o_numero_de_espectadores():
    processo, _execucao = preparar(com_linhas=0)

    async def medir(espectadores: int) -> float:
        clientes = [await cliente_de() for _ in range(espectadores)]
        leitores = [
            Leitor(await c.get(reverse("processo_eventos", args=[processo.pk]))) for c in clientes
        ]
        for leitor in leitores:
            await leitor.proximos(1)  # o estado inicial
        hub = transmissao.central()
        antes = hub.leituras
        await asyncio.sleep(1.0)
        por_segundo = hub.leituras - antes
        for leitor in leitores:
            await leitor.fechar()
        assert hub.canais == {}  # fechar o navegador encerra o espectador
        return por_segundo

    um, vinte = rodar(lambda: medir(1)), rodar(lambda: medir(20))
    assert abs(um - vinte) <= max(4, um * 0.3), (um, vinte)


@pytest.mark.lento
def test_espectador_lento_e_derrubado_sem_atrasar_os_outros(monkeypatch):
    monkeypatch.setattr(transmissao, "TAMANHO_DA_FILA", 5)
    processo, execucao = preparar(com_linhas=0)

    async def cenario():
        rapido = Leitor(
            await (await cliente_de()).get(reverse("processo_eventos", args=[processo.pk]))
        )
        lento = Leitor(
            await (await cliente_de()).get(reverse("processo_eventos", args=[processo.pk]))
        )
        await rapido.proximos(1)
        await lento.proximos(1)
        recebidas = []
        for numero in range(20):
            await LogExecucao.objects.acreate(execucao=execucao, mensagem=f"l{numero}")
            recebidas += await rapido.proximos(1)
        # O lento não leu nada: a fila encheu e ele foi derrubado (o stream termina).
        restante = []
        with pytest.raises(StopAsyncIteration):
            while True:
                restante += await lento.proximos(1, prazo=3)
        await rapido.fechar()
        return [e["data"]["mensagem"] for e in recebidas], len(restante)

    rapido, do_lento = rodar(cenario)
    assert rapido == [f"l{n}" for n in range(20)]
    assert do_lento <= 5


def test_stream_compativel_por_job_id():
    _processo, execucao = preparar(com_linhas=2)

    async def cenario():
        cliente = await cliente_de()
        leitor = Leitor(await cliente.get(reverse("logs_stream", args=["job-1"])))
        eventos = await leitor.proximos(3)
        await Execucao.objects.filter(pk=execucao.pk).aupdate(status=StatusExecucao.FALHOU)
        eventos += await leitor.proximos(1)
        with pytest.raises(StopAsyncIteration):
            await leitor.proximos(1, prazo=3)
        return eventos

    eventos = rodar(cenario)
    assert eventos[0]["data"]["type"] == "connection"
    assert "job job-1" in eventos[0]["data"]["message"]
    log = eventos[1]["data"]
    assert set(log) == {
        "type",
        "level",
        "message",
        "operadora",
        "job_id",
        "timestamp",
        "service",
        "logger",
    }
    assert (log["type"], log["job_id"], log["operadora"]) == ("log", "job-1", "VIVO")
    fim = eventos[3]["data"]
    assert (fim["type"], fim["job_status"]) == ("job_failed", "FAILED")
    assert all("id" in e for e in eventos)


def test_stream_compativel_job_desconhecido_404():
    async def cenario():
        cliente = await cliente_de()
        return (await cliente.get(reverse("logs_stream", args=["nao-existe"]))).status_code

    assert rodar(cenario) == 404


def test_stream_devolve_a_thread_do_pedido():
    """Sob ASGI cada pedido ganha uma thread para o código síncrono; um stream aberto por horas
    não pode segurá-la (com 1.000 navegadores seriam 1.000 threads paradas)."""
    import threading

    from asgiref.sync import SyncToAsync, ThreadSensitiveContext

    from execucoes.sse import _liberar_thread_do_pedido

    async def cenario():
        async with ThreadSensitiveContext():
            thread_do_pedido = await sync_to_async(threading.current_thread)()
            assert thread_do_pedido.is_alive()
            contexto = SyncToAsync.thread_sensitive_context.get()
            assert contexto in SyncToAsync.context_to_thread_executor
            _liberar_thread_do_pedido()
            assert contexto not in SyncToAsync.context_to_thread_executor
            await asyncio.sleep(0.2)
            return thread_do_pedido

    thread = asyncio.run(cenario())
    thread.join(timeout=5)
    assert not thread.is_alive()


def test_quem_se_inscreve_durante_a_parada_do_servidor_tambem_e_mandado_reconectar(monkeypatch):
    monkeypatch.setattr(transmissao, "_encerrando", transmissao.threading.Event())
    processo, _ = preparar(com_linhas=0)
    chave = transmissao.Chave("processo", processo.pk)

    async def cenario():
        hub = transmissao.central()
        antes = await hub.inscrever(chave)
        transmissao.encerrar_transmissoes()
        durante = await hub.inscrever(chave)  # ainda nos middlewares quando o sinal chegou
        avisos = [*(await antes.proximos()), *(await durante.proximos())]
        hub.cancelar(antes)
        hub.cancelar(durante)
        return avisos

    assert rodar(cenario) == [transmissao.DERRUBADA, transmissao.DERRUBADA]


def test_um_job_nas_duas_rotas_ao_mesmo_tempo_cada_rota_no_seu_formato():
    """A central entrega a mesma linha ao canal do processo e ao da execução; cada rota mostra a
    linha no seu formato (antes, metade das linhas saía no formato da outra rota)."""
    from execucoes.streams import CAMPOS_DA_LINHA

    processo, execucao = preparar(com_linhas=2)

    async def cenario():
        cliente = await cliente_de()
        do_processo = Leitor(await cliente.get(reverse("processo_eventos", args=[processo.pk])))
        do_job = Leitor(await cliente.get(reverse("logs_stream", args=["job-1"])))
        historico_processo = (await do_processo.proximos(3))[:2]  # 2 linhas e o estado
        historico_job = (await do_job.proximos(3))[1:]  # a conexão e 2 linhas
        for numero in range(6):
            await LogExecucao.objects.acreate(execucao=execucao, mensagem=f"ao vivo {numero}")
        ao_vivo_processo = await do_processo.proximos(6)
        ao_vivo_job = await do_job.proximos(6)
        await do_processo.fechar()
        await do_job.fechar()
        return historico_processo + ao_vivo_processo, historico_job + ao_vivo_job

    do_processo, do_job = rodar(cenario)
    mensagens = ["linha 0", "linha 1"] + [f"ao vivo {n}" for n in range(6)]
    assert [e["data"]["mensagem"] for e in do_processo] == mensagens
    assert all(e["event"] == "log" and set(e["data"]) == set(CAMPOS_DA_LINHA) for e in do_processo)
    assert [e["data"]["message"] for e in do_job] == mensagens
    assert all(
        "event" not in e and e["data"]["type"] == "log" and e["data"]["job_id"] == "job-1"
        for e in do_job
    )


def test_mostrar_as_linhas_nao_decifra_a_senha_do_portal(monkeypatch):
    """O cliente tem a senha do portal cifrada; histórico, ao vivo e estado, nas duas rotas, não
    carregam o cliente (antes, cada linha decifrava a senha)."""
    from nucleo import criptografia

    processo, execucao = preparar(com_linhas=3)
    assert processo.cliente.senha_portal  # há o que decifrar
    decifradas = []
    original = criptografia.decifrar

    def contar(valor):
        decifradas.append(valor)
        return original(valor)

    monkeypatch.setattr(criptografia, "decifrar", contar)

    async def cenario():
        cliente = await cliente_de()
        do_processo = Leitor(await cliente.get(reverse("processo_eventos", args=[processo.pk])))
        do_job = Leitor(await cliente.get(reverse("logs_stream", args=["job-1"])))
        await do_processo.proximos(4)
        await do_job.proximos(4)
        await LogExecucao.objects.acreate(execucao=execucao, mensagem="ao vivo")
        await do_processo.proximos(1)
        await do_job.proximos(1)
        await Execucao.objects.filter(pk=execucao.pk).aupdate(status=StatusExecucao.CONCLUIDO)
        fim_processo = await do_processo.proximos(1)
        fim_job = await do_job.proximos(1)
        await do_processo.fechar()
        return fim_processo[0]["data"], fim_job[0]["data"]

    fim_processo, fim_job = rodar(cenario)
    assert fim_processo["ativa"] is False and fim_job["type"] == "job_completed"
    assert decifradas == []


def test_historico_demorado_de_quem_chega_nao_atrasa_o_ao_vivo_de_quem_ja_olha():
    """Histórico e estado de quem chega rodam fora da thread da volta ao vivo: com todas as
    threads de chegada presas, a linha nova chega a quem já estava olhando."""
    import threading

    from execucoes.sse import evento_sse, transmitir

    processo, execucao = preparar(com_linhas=0)
    chave = transmissao.Chave("execucao", execucao.pk)
    entrou, liberar = threading.Event(), threading.Event()

    def historico_preso(desde):
        entrou.set()
        liberar.wait(10)
        return []

    async def consumir(fluxo):
        async for _ in fluxo:
            pass

    async def cenario():
        cliente = await cliente_de()
        olhando = Leitor(await cliente.get(reverse("processo_eventos", args=[processo.pk])))
        await olhando.proximos(1)  # o estado
        chegando = [
            transmitir(
                chave,
                0,
                inicio=lambda ultimo: [],
                linha=lambda dados: evento_sse(dados, tipo="log"),
                estado=lambda dados, ultimo: (evento_sse(dados, id_=ultimo), False),
                historico_de=historico_preso,
            )
            for _ in range(transmissao.THREADS_DE_CHEGADA + 3)
        ]
        tarefas = [asyncio.ensure_future(consumir(fluxo)) for fluxo in chegando]
        try:
            assert await asyncio.to_thread(entrou.wait, 5)
            await LogExecucao.objects.acreate(execucao=execucao, mensagem="ao vivo")
            return await olhando.proximos(1, prazo=2)
        finally:
            liberar.set()
            for tarefa in tarefas:
                tarefa.cancel()
            await asyncio.gather(*tarefas, return_exceptions=True)
            await olhando.fechar()

    assert rodar(cenario)[0]["data"]["mensagem"] == "ao vivo"


def test_o_id_enviado_e_o_maior_ja_entregue_mesmo_com_historico_fora_de_ordem(monkeypatch):
    """Last-Event-ID retoma do maior id entregue: com o histórico em outra ordem que a dos ids,
    o `id:` de cada evento não volta atrás."""
    from execucoes import streams as views

    processo, execucao = preparar(com_linhas=4)
    ids = list(LogExecucao.objects.order_by("id").values_list("id", flat=True))
    linhas_desde = views.linhas_desde
    monkeypatch.setattr(views, "linhas_desde", lambda *args: list(reversed(linhas_desde(*args))))

    async def cenario():
        cliente = await cliente_de()
        leitor = Leitor(await cliente.get(reverse("processo_eventos", args=[processo.pk])))
        eventos = await leitor.proximos(5)
        await LogExecucao.objects.acreate(execucao=execucao, mensagem="ao vivo")
        eventos += await leitor.proximos(1)
        await leitor.fechar()
        return eventos

    eventos = rodar(cenario)
    assert [e["data"]["mensagem"] for e in eventos[:4]] == [
        "linha 3",
        "linha 2",
        "linha 1",
        "linha 0",
    ]
    assert [int(e["id"]) for e in eventos[:5]] == [ids[3]] * 5  # 4 linhas e o estado
    assert eventos[5]["data"]["mensagem"] == "ao vivo" and int(eventos[5]["id"]) > ids[3]


def test_stream_parado_recebe_ping(monkeypatch):
    monkeypatch.setattr(transmissao, "INTERVALO_DO_PING", 0.2)
    processo, _ = preparar(com_linhas=0)

    async def cenario():
        cliente = await cliente_de()
        leitor = Leitor(await cliente.get(reverse("processo_eventos", args=[processo.pk])))
        eventos = await leitor.proximos(3, so_dados=False)  # retry, estado, ping
        await leitor.fechar()
        return eventos

    assert rodar(cenario)[-1] == {"comentario": "ping"}


def test_quem_chega_junto_ao_mesmo_job_divide_uma_leitura_do_historico():
    """Quinhentos navegadores chegando de uma vez ao mesmo job: os pedidos de histórico que
    esperam na fila viram uma leitura só. Quem desiste na fila não atrapalha os outros."""
    import threading
    from types import SimpleNamespace

    from execucoes.sse import evento_sse, transmitir
    from execucoes.streams import linha_do_processo

    _processo, execucao = preparar(com_linhas=3)
    chave = transmissao.Chave("execucao", execucao.pk)
    leituras = []

    def historico(desde):
        leituras.append(desde)
        return transmissao.linhas_desde(chave, desde)

    async def cenario():
        hub = transmissao.central()
        ja_olhando = await hub.inscrever(chave)  # o canal existe: quem chega só pede o histórico
        liberar = threading.Event()
        ocupada = asyncio.ensure_future(hub.na_chegada(liberar.wait, 5))
        fluxos = [
            transmitir(
                chave,
                0,
                inicio=lambda ultimo: [],
                linha=linha_do_processo,
                estado=lambda dados, ultimo: (evento_sse(dados, id_=ultimo), False),
                historico_de=historico,
            )
            for _ in range(20)
        ]
        leitores = [Leitor(SimpleNamespace(streaming_content=fluxo)) for fluxo in fluxos]
        tarefas = [asyncio.ensure_future(leitor.proximos(3)) for leitor in leitores]
        await asyncio.sleep(0.3)  # todos na fila, atrás da thread ocupada
        tarefas[0].cancel()  # fechou a aba enquanto esperava
        liberar.set()
        await ocupada
        recebidos = await asyncio.gather(*tarefas[1:])
        for fluxo in fluxos:
            await fluxo.aclose()
        hub.cancelar(ja_olhando)
        return recebidos

    recebidos = rodar(cenario)
    assert leituras == [0]
    assert all(
        [e["data"]["mensagem"] for e in eventos] == ["linha 0", "linha 1", "linha 2"]
        for eventos in recebidos
    )
