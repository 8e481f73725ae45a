"""Streams ao vivo num processo web: 5 jobs escrevendo 20 linhas/s, os navegadores divididos entre
as duas rotas (`/processos/<id>/eventos` e `/api/v2/logs-tempo-real/stream/<job>`).

Duas medidas:
- ao vivo: 100, 1.000 e 3.000 navegadores já conectados. Parte das linhas entregue, linhas que
  chegaram no formato da outra rota, p50/p99 do insert no banco até a chegada, pico de RSS do
  processo web e consultas/s (só no PostgreSQL, por pg_stat_database);
- chegada: 500 navegadores conectados e, com os jobs escrevendo, 500 chegam de uma vez (cada um
  pede histórico e estado). Mede o atraso ao vivo de quem já estava conectado enquanto os outros
  chegam, e quanto quem chegou esperou pelo histórico.

Os clientes têm senha do portal (campo cifrado), como em produção. Tamanhos:
BENCH_CLIENTES="100,1000,3000", BENCH_CHEGADA="500,500" (conectados, chegando),
BENCH_HISTORICO=200 (linhas de cada job antes da chegada).
"""

import asyncio
import multiprocessing
import os
import socket
import subprocess
import sys
import threading
import time
import uuid
from pathlib import Path

from django.conf import settings
from django.db import connection

from bench.ambiente import tabela

JOBS = 5
LINHAS_POR_SEGUNDO = 20
DURACAO = 10.0
CHEGADA_APOS = 3.0  # segundos de escrita antes da chegada
ESPERA_FINAL = 15.0  # prazo para as últimas linhas chegarem depois da escrita
CLIENTES = [int(n) for n in os.environ.get("BENCH_CLIENTES", "100,1000,3000").split(",") if n]
CONECTADOS, CHEGANDO = (int(n) for n in os.environ.get("BENCH_CHEGADA", "500,500").split(","))
HISTORICO = int(os.environ.get("BENCH_HISTORICO", "200"))


def _porta() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _url_do_banco() -> str:
    dados = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{dados['NAME']}"
    return f"postgres://{dados['USER']}:{dados['PASSWORD']}@{dados['HOST']}:{dados['PORT']}/{dados['NAME']}"


def _sessao() -> str:
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.sessions.backends.db import SessionStore

    from contas.models import Usuario

    usuario, _ = Usuario.objects.get_or_create(
        username="bench-streams", defaults={"perfil": "OPERADOR"}
    )
    sessao = SessionStore()
    sessao[SESSION_KEY] = str(usuario.pk)
    sessao[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
    sessao[HASH_SESSION_KEY] = usuario.get_session_auth_hash()
    sessao.save()
    return sessao.session_key


def _execucoes(historico: int):
    """Cinco jobs rodando, novos a cada rodada, cada um com `historico` linhas já gravadas."""
    import datetime as dt

    from clientes.models import Cliente
    from execucoes.models import Execucao, LogExecucao, StatusExecucao, TipoExecucao
    from operadoras.models import Operadora
    from processos.models import Processo

    oi, _ = Operadora.objects.get_or_create(
        codigo="OI", defaults={"nome": "OI", "possui_rpa": True}
    )
    execucoes = []
    for numero in range(JOBS):
        cliente, _ = Cliente.objects.get_or_create(
            hash_unico=f"stream{numero}",
            defaults={
                "razao_social": f"STREAM {numero}",
                "cnpj": "11222333000181",
                "operadora": oi,
                "servico": f"s{numero}",
                "login_portal": f"financeiro{numero}@stream.example",
                "senha_portal": f"senha-do-portal-{numero}",
            },
        )
        processo, _ = Processo.objects.get_or_create(
            cliente=cliente, competencia=dt.date(2026, 5, 1)
        )
        Execucao.objects.filter(processo=processo).update(status=StatusExecucao.CONCLUIDO)
        execucao = Execucao.objects.create(
            processo=processo,
            tipo=TipoExecucao.DOWNLOAD_FATURA,
            status=StatusExecucao.EXECUTANDO,
            job_id=f"bench-{uuid.uuid4().hex}",
        )
        LogExecucao.objects.bulk_create(
            LogExecucao(execucao=execucao, mensagem=f"histórico {n}") for n in range(historico)
        )
        execucoes.append(execucao)
    return execucoes


class Espectador:
    """Um navegador: lê o SSE e anota quando cada linha chegou (e se no formato da sua rota)."""

    def __init__(self, processo_id, caminho: str):
        self.processo_id = processo_id
        self.caminho = caminho
        if caminho.startswith("/api/"):
            self.formato, self.outro_formato = b'"type": "log"', b"event: log"
        else:
            self.formato, self.outro_formato = b"event: log", b'"type": "log"'
        self.pronto = asyncio.Event()
        self.pronto_em = 0.0
        self.chegadas: dict[int, float] = {}
        self.maior_id = 0
        self.formato_errado = 0

    async def rodar(self, porta: int, cookie: str, parar: asyncio.Event):
        leitor, escritor = await asyncio.open_connection("127.0.0.1", porta)
        escritor.write(
            (
                f"GET {self.caminho} HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                f"Cookie: sessionid={cookie}\r\nAccept: text/event-stream\r\n\r\n"
            ).encode()
        )
        await escritor.drain()
        await leitor.readuntil(b"\r\n\r\n")
        buffer = b""
        try:
            while not parar.is_set():
                tamanho = int((await leitor.readline()).strip() or b"0", 16)
                if tamanho == 0:
                    break
                buffer += (await leitor.readexactly(tamanho + 2))[:-2]
                # Um pedaço pode trazer centenas de eventos (o histórico): corta de uma vez.
                *blocos, buffer = buffer.split(b"\n\n")
                for bloco in blocos:
                    self._evento(bloco)
        except (asyncio.IncompleteReadError, ConnectionError):
            pass
        finally:
            escritor.close()

    def _evento(self, bloco: bytes):
        # Barato de propósito: o cliente de carga não pode ser o gargalo da medida.
        if self.formato in bloco:
            self._linha(bloco)
        elif self.outro_formato in bloco:
            self.formato_errado += 1
            self._linha(bloco)
        elif b"estado" in bloco and not self.pronto.is_set():
            self.pronto_em = time.time()
            self.pronto.set()

    def _linha(self, bloco: bytes):
        inicio = bloco.index(b"id: ") + 4
        linha_id = int(bloco[inicio : bloco.index(b"\n", inicio)])
        self.chegadas.setdefault(linha_id, time.time())
        self.maior_id = max(self.maior_id, linha_id)


def _escrever(execucoes, inseridos: dict, fim: float):
    """`inseridos[processo_id][id da linha]` = o instante em que a linha foi gravada."""
    from execucoes.models import LogExecucao

    intervalo = 1 / LINHAS_POR_SEGUNDO
    proximo = time.monotonic()
    numero = 0
    while time.monotonic() < fim:
        for execucao in execucoes:
            momento = time.time()
            linha = LogExecucao.objects.create(execucao=execucao, mensagem=f"linha {numero}")
            inseridos[execucao.processo_id][linha.id] = momento
        numero += 1
        proximo += intervalo
        time.sleep(max(0, proximo - time.monotonic()))
    connection.close()


def _transacoes() -> int | None:
    if connection.vendor != "postgresql":
        return None
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT xact_commit FROM pg_stat_database WHERE datname = current_database()"
        )
        return cursor.fetchone()[0]


def _rss_mb(pid: int) -> float:
    total = 0
    for alvo in _filhos(pid):
        try:
            for linha in Path(f"/proc/{alvo}/status").read_text().splitlines():
                if linha.startswith("VmRSS:"):
                    total += int(linha.split()[1])
        except FileNotFoundError:
            continue
    return total / 1024


def _filhos(pid: int) -> list[int]:
    try:
        return [int(p) for p in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
    except FileNotFoundError:
        return []


def _percentil(valores: list[float], p: float) -> str:
    if not valores:
        return "-"
    ordenados = sorted(valores)
    return f"{1000 * ordenados[min(len(ordenados) - 1, int(len(ordenados) * p / 100))]:.0f}"


def _destinos(execucoes, quantidade: int, deslocamento: int = 0) -> list[tuple]:
    """(processo, caminho) de cada navegador: os jobs em rodízio, metade em cada rota."""
    destinos = []
    for numero in range(deslocamento, deslocamento + quantidade):
        execucao = execucoes[numero % JOBS]
        if numero % 2:
            caminho = f"/api/v2/logs-tempo-real/stream/{execucao.job_id}"
        else:
            caminho = f"/processos/{execucao.processo_id}/eventos"
        destinos.append((execucao.processo_id, caminho))
    return destinos


def _espectadores(execucoes, quantidade: int) -> list[Espectador]:
    return [Espectador(*destino) for destino in _destinos(execucoes, quantidade)]


def _conectar(espectadores, porta, cookie, parar) -> list[asyncio.Task]:
    return [asyncio.create_task(e.rodar(porta, cookie, parar)) for e in espectadores]


async def _esperar_as_ultimas(espectadores, inseridos):
    maiores = {processo: max(ids, default=0) for processo, ids in inseridos.items()}
    prazo = time.monotonic() + ESPERA_FINAL
    while time.monotonic() < prazo:
        if all(e.maior_id >= maiores[e.processo_id] for e in espectadores):
            return
        await asyncio.sleep(0.1)


def _entregues(espectadores, inseridos) -> tuple[int, int]:
    esperado = sum(len(inseridos[e.processo_id]) for e in espectadores)
    entregue = sum(len(e.chegadas.keys() & inseridos[e.processo_id].keys()) for e in espectadores)
    return entregue, esperado


def _atrasos(espectadores, inseridos, de: float = 0.0, ate: float = float("inf")) -> list[float]:
    """Atraso de cada linha gravada em [de, ate] até cada espectador; a que não chegou conta
    como a espera até o fim da medida."""
    agora = time.time()
    atrasos = []
    for espectador in espectadores:
        for linha_id, gravada in inseridos[espectador.processo_id].items():
            if de <= gravada <= ate:
                atrasos.append(espectador.chegadas.get(linha_id, agora) - gravada)
    return atrasos


async def _ao_vivo(porta: int, cookie: str, quantidade: int, servidor) -> tuple:
    execucoes = await asyncio.to_thread(_execucoes, 0)
    parar = asyncio.Event()
    espectadores = _espectadores(execucoes, quantidade)
    tarefas = _conectar(espectadores, porta, cookie, parar)
    await asyncio.wait_for(asyncio.gather(*(e.pronto.wait() for e in espectadores)), 300)
    inseridos = {e.processo_id: {} for e in execucoes}
    if connection.vendor == "postgresql":
        # O PostgreSQL conta as transações de uma conexão parada (as das chegadas, devolvidas ao
        # pool) até 10 s depois: sem esperar, elas entrariam na conta do ao vivo.
        await asyncio.sleep(11)
    inicio_tx = await asyncio.to_thread(_transacoes)
    escritor = threading.Thread(
        target=_escrever, args=(execucoes, inseridos, time.monotonic() + DURACAO)
    )
    inicio = time.monotonic()
    escritor.start()
    pico = 0.0
    while escritor.is_alive():
        pico = max(pico, _rss_mb(servidor.pid))
        await asyncio.sleep(0.2)
    duracao = time.monotonic() - inicio
    fim_tx = await asyncio.to_thread(_transacoes)
    await _esperar_as_ultimas(espectadores, inseridos)
    parar.set()
    for tarefa in tarefas:
        tarefa.cancel()
    await asyncio.gather(*tarefas, return_exceptions=True)
    entregue, esperado = _entregues(espectadores, inseridos)
    atrasos = _atrasos(espectadores, inseridos)
    consultas = "n/d (SQLite)"
    if inicio_tx is not None:
        linhas_escritas = sum(len(v) for v in inseridos.values())
        consultas = f"{(fim_tx - inicio_tx - linhas_escritas) / duracao:.0f}"
    return (
        quantidade,
        f"{100 * entregue / max(1, esperado):.2f}%",
        sum(e.formato_errado for e in espectadores),
        _percentil(atrasos, 50),
        _percentil(atrasos, 99),
        f"{pico:.0f}",
        consultas,
    )


def _chegar(porta: int, cookie: str, destinos: list, quando: float, parar, saida) -> None:
    """Os que chegam, num processo à parte: abrir 500 conexões de uma vez ocupa o laço de eventos
    de quem as abre, e o atraso medido nos já conectados seria do cliente, não do servidor."""

    async def tudo():
        espectadores = [Espectador(*destino) for destino in destinos]
        fim = asyncio.Event()
        await asyncio.sleep(max(0.0, quando - time.time()))
        tarefas = _conectar(espectadores, porta, cookie, fim)
        await asyncio.wait_for(asyncio.gather(*(e.pronto.wait() for e in espectadores)), 300)
        saida.put([e.pronto_em for e in espectadores])
        while not parar.is_set():
            await asyncio.sleep(0.1)
        fim.set()
        for tarefa in tarefas:
            tarefa.cancel()
        await asyncio.gather(*tarefas, return_exceptions=True)
        saida.put([(e.processo_id, e.chegadas, e.formato_errado) for e in espectadores])

    asyncio.run(tudo())


async def _chegada(porta: int, cookie: str) -> tuple:
    execucoes = await asyncio.to_thread(_execucoes, HISTORICO)
    parar = asyncio.Event()
    conectados = _espectadores(execucoes, CONECTADOS)
    tarefas = _conectar(conectados, porta, cookie, parar)
    await asyncio.wait_for(asyncio.gather(*(e.pronto.wait() for e in conectados)), 300)
    inseridos = {e.processo_id: {} for e in execucoes}
    escritor = threading.Thread(
        target=_escrever, args=(execucoes, inseridos, time.monotonic() + DURACAO)
    )
    escritor.start()
    chegada = time.time() + CHEGADA_APOS
    contexto = multiprocessing.get_context("spawn")
    parar_chegados, saida = contexto.Event(), contexto.Queue()
    destinos = _destinos(execucoes, CHEGANDO, deslocamento=CONECTADOS)
    processo = contexto.Process(
        target=_chegar, args=(porta, cookie, destinos, chegada, parar_chegados, saida)
    )
    processo.start()
    prontos = await asyncio.to_thread(saida.get, timeout=300)
    await asyncio.to_thread(escritor.join)
    await _esperar_as_ultimas(conectados, inseridos)
    await asyncio.sleep(1.0)  # os que chegaram também recebem as últimas
    parar_chegados.set()
    chegados = [Espectador(processo_id, "") for processo_id, _ in destinos]
    for espectador, (_, chegadas, errados) in zip(
        chegados, await asyncio.to_thread(saida.get, timeout=60), strict=True
    ):
        espectador.chegadas, espectador.formato_errado = chegadas, errados
    await asyncio.to_thread(processo.join)
    parar.set()
    for tarefa in tarefas:
        tarefa.cancel()
    await asyncio.gather(*tarefas, return_exceptions=True)
    # A janela da chegada: do primeiro pedido até o último a receber histórico e estado (ao
    # menos 1 s, para a medida não ficar vazia quando a chegada é rápida).
    fim_da_janela = max(max(prontos), chegada + 1.0)
    durante = _atrasos(conectados, inseridos, chegada, fim_da_janela)
    espera = [pronto - chegada for pronto in prontos]
    entregue, esperado = _entregues(conectados + chegados, inseridos)
    return (
        f"{CONECTADOS} + {CHEGANDO}",
        HISTORICO,
        _percentil(durante, 50),
        _percentil(durante, 99),
        _percentil(durante, 100),
        _percentil(espera, 50),
        _percentil(espera, 100),
        f"{100 * entregue / max(1, esperado):.2f}%",
        sum(e.formato_errado for e in conectados + chegados),
    )


def rodar() -> None:
    cookie = _sessao()
    porta = _porta()
    ambiente = {
        **os.environ,
        "DATABASE_URL": _url_do_banco(),
        "PORT": str(porta),
        "WEB_CONCURRENCY": "1",
        "SECURE_SSL_REDIRECT": "false",
        "SESSION_COOKIE_SECURE": "false",
        "LOG_LEVEL": "WARNING",
    }
    servidor = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gunicorn",
            "-c",
            "gunicorn.conf.py",
            "--access-logfile",
            "/dev/null",
            "brm.asgi:application",
        ],
        cwd=settings.BASE_DIR,
        env=ambiente,
    )
    try:
        for _ in range(100):
            try:
                socket.create_connection(("127.0.0.1", porta), timeout=0.2).close()
                break
            except OSError:
                time.sleep(0.1)
        ao_vivo = [
            (
                "navegadores",
                "entregues",
                "formato trocado",
                "p50 (ms)",
                "p99 (ms)",
                "RSS pico (MB)",
                "consultas/s",
            )
        ]
        for quantidade in CLIENTES:
            ao_vivo.append(asyncio.run(_ao_vivo(porta, cookie, quantidade, servidor)))
        chegada = [
            (
                "conectados + chegando",
                "histórico/job",
                "p50 ao vivo (ms)",
                "p99 ao vivo (ms)",
                "pior (ms)",
                "chegada p50 (ms)",
                "chegada pior (ms)",
                "entregues",
                "formato trocado",
            ),
            asyncio.run(_chegada(porta, cookie)),
        ]
    finally:
        servidor.terminate()
        servidor.wait(timeout=20)
    tabela(
        f"Streams ao vivo — 1 processo web, {JOBS} jobs × {LINHAS_POR_SEGUNDO} linhas/s por {DURACAO:.0f} s, "
        f"metade dos navegadores em cada rota ({connection.vendor}); metas: 100% entregues, nenhum "
        "formato trocado, p99 < 250 ms até 1.000, RSS < 300 MB, consultas/s sem crescer com os "
        "navegadores",
        ao_vivo,
    )
    tabela(
        f"Chegada em massa — {CHEGANDO} navegadores chegam de uma vez, {CHEGADA_APOS:.0f} s depois do "
        f"início da escrita; atraso ao vivo de quem já estava conectado durante a chegada "
        f"({connection.vendor}); meta: pior < 250 ms",
        chegada,
    )
