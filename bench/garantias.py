"""Exatamente uma vez, medido com dois workers contra o simulador:

- atraso de cada linha de log do socket ao banco (momento do robô → `recebido_em`) e do fim do job
  à mudança de status do processo, no ritmo da API real (velocidade 1) e a 20 vezes o ritmo;
- despacho de 1.000 execuções com 10 % dos POSTs falhando depois de criar o job: jobs do robô por
  execução (meta: exatamente 1,00) e adoções erradas (meta: 0), conferidas contra o próprio
  simulador, que sabe para que processo criou cada job.
"""

import datetime as dt
import statistics
import threading
import time

import requests
from django.conf import settings

from bench.ambiente import tabela
from bench.worker import SEM_LIMITE, _percentil
from bench.worker import _clientes as _clientes_sem_conta

JOBS_POR_RITMO = 10
PENDENTES = 1000


def _clientes(quantidade: int, prefixo: str):
    """Clientes com conta/filtro de verdade (o robô a cita no log: é o que identifica um job)."""
    from django.db.models import Value
    from django.db.models.functions import Concat

    from clientes.models import Cliente

    clientes = _clientes_sem_conta(quantidade, prefixo)
    Cliente.objects.filter(pk__in=[c.pk for c in clientes]).update(
        filtro=Concat(Value("CONTA-"), "hash_unico")
    )
    return Cliente.objects.filter(pk__in=[c.pk for c in clientes])


def _controle(sim, nome: str, **dados) -> None:
    requests.post(f"{sim.url}/__simulador/{nome}", json=dados, timeout=5).raise_for_status()


class DoisWorkers:
    def __init__(self) -> None:
        from execucoes.worker import Worker

        self.workers = [Worker(intervalo=0.05, desligados={"agendamentos"}) for _ in range(2)]
        self.threads = [threading.Thread(target=w.rodar, daemon=True) for w in self.workers]

    def __enter__(self):
        from execucoes.models import Arrendamento, EstadoRPA

        # Cada medida começa do zero: nenhum arrendamento nem estado de stream da anterior.
        Arrendamento.objects.all().delete()
        EstadoRPA.objects.update_or_create(id=1, defaults={"stream_conectado": False})
        for thread in self.threads:
            thread.start()
        limite = time.monotonic() + 20
        while not EstadoRPA.objects.filter(stream_conectado=True).exists():
            if time.monotonic() > limite:
                raise RuntimeError("nenhum worker conectou ao stream de eventos")
            time.sleep(0.1)
        return self

    def __exit__(self, *erro) -> None:
        for worker in self.workers:
            worker.parar.set()
        for thread in self.threads:
            thread.join(timeout=20)


def _esperar_fim(processos, prazo: float) -> None:
    from execucoes.models import STATUS_ATIVOS, Execucao

    limite = time.monotonic() + prazo
    while Execucao.objects.filter(processo__in=processos, status__in=STATUS_ATIVOS).exists():
        if time.monotonic() > limite:
            raise RuntimeError("execuções ainda em andamento no fim do prazo")
        time.sleep(0.2)


def ritmo(velocidade: float, prefixo: str) -> list[tuple]:
    from execucoes.models import Execucao, LogExecucao, TipoExecucao
    from processos.models import Processo, StatusProcesso, Transicao
    from simulador.servidor import iniciar

    with iniciar(velocidade=velocidade, taxa_falha=0.0, semente=5) as sim:
        settings.API_EXTERNA_URL = sim.url
        settings.API_EXTERNA_TOKEN = sim.novo_token()
        processos = Processo.objects.bulk_create(
            [
                Processo(cliente=c, competencia=dt.date(2026, 5, 1))
                for c in _clientes(JOBS_POR_RITMO, prefixo)
            ]
        )
        with DoisWorkers():
            Execucao.objects.bulk_create(
                [Execucao(processo=p, tipo=TipoExecucao.DOWNLOAD_FATURA) for p in processos]
            )
            _esperar_fim(processos, prazo=600)
    linhas = LogExecucao.objects.filter(
        execucao__processo__in=processos, chave__startswith="r:"
    ).values_list("momento", "recebido_em", "execucao__iniciada_em")
    todas = [(recebido - momento).total_seconds() for momento, recebido, _ in linhas if momento]
    # As primeiras linhas de um job chegam antes de o POST responder: esperam o job_id.
    atrasos = [
        (recebido - momento).total_seconds()
        for momento, recebido, registrado in linhas
        if momento and registrado and momento > registrado
    ]
    fins = dict(
        LogExecucao.objects.filter(
            execucao__processo__in=processos, mensagem__contains="concluído com status"
        ).values_list("execucao__processo_id", "momento")
    )
    mudancas = dict(
        Transicao.objects.filter(
            processo__in=processos, para=StatusProcesso.AGUARDANDO_APROVACAO
        ).values_list("processo_id", "criado_em")
    )
    status = [(mudancas[p] - fins[p]).total_seconds() for p in mudancas if p in fins]
    nome = "ritmo da API real" if velocidade == 1 else f"{velocidade:g}× o ritmo"
    return [
        (
            f"linha: socket → banco, todas ({nome})",
            f"{len(todas)} linhas",
            f"{statistics.median(todas) * 1000:.0f} ms",
            f"{_percentil(todas, 99) * 1000:.0f} ms",
            "—",
        ),
        (
            f"linha: socket → banco, job já gravado ({nome})",
            f"{len(atrasos)} linhas",
            f"{statistics.median(atrasos) * 1000:.0f} ms",
            f"{_percentil(atrasos, 99) * 1000:.0f} ms",
            "p99 < 100 ms",
        ),
        (
            f"fim do job → status ({nome})",
            f"{len(status)}/{JOBS_POR_RITMO}",
            f"{statistics.median(status) * 1000:.0f} ms",
            f"{_percentil(status, 99) * 1000:.0f} ms",
            "p99 < 2 s",
        ),
    ]


def despacho_com_respostas_perdidas() -> list[tuple]:
    from execucoes.models import Execucao, StatusExecucao, TipoExecucao
    from processos.models import Processo
    from simulador.servidor import iniciar

    settings.RPA_TEMPO_ENVIO_SEGUNDOS = 1.5
    settings.RPA_ENVIO_SEM_RESPOSTA_SEGUNDOS = 2.0
    settings.RPA_MAX_TENTATIVAS = 1
    with iniciar(velocidade=200.0, taxa_falha=0.0, semente=9) as sim:
        settings.API_EXTERNA_URL = sim.url
        settings.API_EXTERNA_TOKEN = sim.novo_token()
        _controle(
            sim,
            "falhas/http",
            modo="erro_500",
            prefixo="/executar",
            processar=True,
            taxa=0.1,
            quantidade=PENDENTES,
        )
        processos = Processo.objects.bulk_create(
            [
                Processo(cliente=c, competencia=dt.date(2026, 6, 1))
                for c in _clientes(PENDENTES, "respostas-perdidas")
            ]
        )
        inicio = time.perf_counter()
        with DoisWorkers():
            Execucao.objects.bulk_create(
                [Execucao(processo=p, tipo=TipoExecucao.DOWNLOAD_FATURA) for p in processos]
            )
            _esperar_fim(processos, prazo=900)
        segundos = time.perf_counter() - inicio
        estado = requests.get(f"{sim.url}/__simulador/estado", timeout=5).json()
        restantes = sum(
            regra["restantes"] for regra in estado["falhas_http"] if regra["prefixo"] == "/executar"
        )
        respostas_perdidas = PENDENTES - restantes
        dono_real = {job_id: job.processo_id for job_id, job in sim.contexto.motor._jobs.items()}
    execucoes = Execucao.objects.filter(processo__in=processos).exclude(job_id="")
    erradas = sum(
        1
        for job_id, processo_id in execucoes.values_list("job_id", "processo_id")
        if dono_real.get(job_id) != str(processo_id)
    )
    por_processo = estado["jobs_por_processo"]
    jobs = sum(por_processo.get(str(p.pk), 0) for p in processos)
    concluidas = Execucao.objects.filter(
        processo__in=processos, status=StatusExecucao.CONCLUIDO
    ).count()
    return [
        (
            "1.000 envios, 10 % das respostas perdidas",
            f"{PENDENTES} execuções, {concluidas} concluídas",
            f"{segundos:.1f} s",
            f"{jobs / PENDENTES:.2f} jobs/execução",
            "exatamente 1,00",
        ),
        (
            "adoções erradas",
            f"{respostas_perdidas} respostas perdidas",
            "",
            f"{erradas}",
            "0",
        ),
    ]


def rodar() -> None:
    from django.db import connection

    settings.RPA_JOBS_SIMULTANEOS = SEM_LIMITE  # a capacidade tem o seu (bench.capacidade)
    linhas = [("medida", "amostra", "p50 / tempo", "p99 / resultado", "meta")]
    linhas += ritmo(1.0, "ritmo-1x")
    linhas += ritmo(20.0, "ritmo-20x-")
    linhas += despacho_com_respostas_perdidas()
    tabela(f"Exatamente uma vez, dois workers ({connection.vendor})", linhas)
