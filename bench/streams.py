"""Streams ao vivo: 100, 500 e 1.000 navegadores num processo web, 5 jobs escrevendo 20 linhas/s.

Mede a parte das linhas entregue, p50/p99 do insert no banco até a chegada ao cliente, o pico de
RSS do processo web e as consultas por segundo ao banco (só no PostgreSQL, por pg_stat_database).
"""

import asyncio
import os
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

from django.conf import settings
from django.db import connection

from bench.ambiente import tabela

JOBS = 5
LINHAS_POR_SEGUNDO = 20
DURACAO = 10.0
CLIENTES = tuple(int(n) for n in os.environ.get("BENCH_CLIENTES", "100,500,1000").split(","))


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


def _execucoes():
    """Cinco jobs rodando, novos a cada rodada (sem histórico de rodadas anteriores)."""
    import datetime as dt

    from clientes.models import Cliente
    from execucoes.models import Execucao, StatusExecucao, TipoExecucao
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
            },
        )
        processo, _ = Processo.objects.get_or_create(
            cliente=cliente, competencia=dt.date(2026, 5, 1)
        )
        Execucao.objects.filter(processo=processo).update(status=StatusExecucao.CONCLUIDO)
        execucoes.append(
            Execucao.objects.create(
                processo=processo,
                tipo=TipoExecucao.DOWNLOAD_FATURA,
                status=StatusExecucao.EXECUTANDO,
            )
        )
    return execucoes


class Cliente:
    def __init__(self, processo_id):
        self.processo_id = processo_id
        self.pronto = asyncio.Event()
        self.ids: set[int] = set()
        self.atrasos: dict[int, float] = {}

    async def rodar(self, porta: int, cookie: str, parar: asyncio.Event):
        leitor, escritor = await asyncio.open_connection("127.0.0.1", porta)
        escritor.write(
            (
                f"GET /processos/{self.processo_id}/eventos HTTP/1.1\r\nHost: 127.0.0.1\r\n"
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
                buffer += await leitor.readexactly(tamanho + 2)
                buffer = buffer[:-2] if buffer.endswith(b"\r\n") else buffer
                while b"\n\n" in buffer:
                    bloco, buffer = buffer.split(b"\n\n", 1)
                    self._evento(bloco)
        except (asyncio.IncompleteReadError, ConnectionError):
            pass
        finally:
            escritor.close()

    def _evento(self, bloco: bytes):
        # Barato de propósito: o cliente de carga não pode ser o gargalo da medida.
        if b"event: estado" in bloco:
            self.pronto.set()
        elif b"event: log" in bloco:
            agora = time.time()
            inicio = bloco.index(b"id: ") + 4
            linha_id = int(bloco[inicio : bloco.index(b"\n", inicio)])
            marca = bloco.rindex(b"t=") + 2
            self.atrasos[linha_id] = agora - float(bloco[marca : bloco.index(b'"', marca)])
            self.ids.add(linha_id)


def _escrever(execucoes, inseridos: dict, fim: float):
    from execucoes.models import LogExecucao

    intervalo = 1 / LINHAS_POR_SEGUNDO
    proximo = time.monotonic()
    numero = 0
    while time.monotonic() < fim:
        for execucao in execucoes:
            linha = LogExecucao.objects.create(
                execucao=execucao, mensagem=f"linha {numero} t={time.time():.6f}"
            )
            inseridos[execucao.processo_id].add(linha.id)
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
    for alvo in [pid, *_filhos(pid)]:
        try:
            for linha in Path(f"/proc/{alvo}/status").read_text().splitlines():
                if linha.startswith("VmRSS:") and alvo != pid:
                    total += int(linha.split()[1])
        except FileNotFoundError:
            continue
    return total / 1024


def _filhos(pid: int) -> list[int]:
    try:
        return [int(p) for p in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
    except FileNotFoundError:
        return []


async def _rodada(porta: int, cookie: str, quantidade: int, servidor) -> tuple:
    execucoes = await asyncio.to_thread(_execucoes)
    parar = asyncio.Event()
    clientes = [Cliente(execucoes[i % JOBS].processo_id) for i in range(quantidade)]
    tarefas = [asyncio.create_task(c.rodar(porta, cookie, parar)) for c in clientes]
    await asyncio.wait_for(asyncio.gather(*(c.pronto.wait() for c in clientes)), 120)
    inseridos = {e.processo_id: set() for e in execucoes}
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
    await asyncio.sleep(1.0)  # deixa as últimas linhas chegarem
    duracao = time.monotonic() - inicio
    fim_tx = await asyncio.to_thread(_transacoes)
    parar.set()
    for tarefa in tarefas:
        tarefa.cancel()
    await asyncio.gather(*tarefas, return_exceptions=True)
    esperado = sum(len(inseridos[c.processo_id]) for c in clientes)
    entregue = sum(len(c.ids & inseridos[c.processo_id]) for c in clientes)
    # Só as linhas escritas nesta rodada (o histórico de rodadas anteriores também chega).
    atrasos = sorted(
        atraso for c in clientes for i, atraso in c.atrasos.items() if i in inseridos[c.processo_id]
    )
    linhas_escritas = sum(len(v) for v in inseridos.values())
    consultas = "n/d (SQLite)"
    if inicio_tx is not None:
        consultas = f"{(fim_tx - inicio_tx - linhas_escritas) / duracao:.0f}"
    return (
        quantidade,
        f"{100 * entregue / max(1, esperado):.2f}%",
        f"{1000 * atrasos[len(atrasos) // 2]:.0f}" if atrasos else "-",
        f"{1000 * atrasos[int(len(atrasos) * 0.99)]:.0f}" if atrasos else "-",
        f"{pico:.0f}",
        consultas,
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
        linhas = [("clientes", "entregues", "p50 (ms)", "p99 (ms)", "RSS pico (MB)", "consultas/s")]
        for quantidade in CLIENTES:
            linhas.append(asyncio.run(_rodada(porta, cookie, quantidade, servidor)))
    finally:
        servidor.terminate()
        servidor.wait(timeout=20)
    tabela(
        f"Streams ao vivo — 1 processo web, {JOBS} jobs × {LINHAS_POR_SEGUNDO} linhas/s por {DURACAO:.0f} s "
        f"({connection.vendor}); metas: 100% entregues, p99 < 250 ms, RSS < 300 MB, consultas/s sem "
        "crescer com os clientes",
        linhas,
    )
