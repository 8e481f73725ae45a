"""Worker: atraso entre o fim de um job no simulador e a mudança de status do processo (p50/p99,
100 jobs, nenhuma página aberta) e despacho de 1.000 execuções pendentes (cada uma uma vez)."""

import datetime as dt
import statistics
import threading
import time

import requests
from django.conf import settings

from bench.ambiente import tabela

JOBS_ATRASO = 100
PENDENTES = 1000
SEM_LIMITE = 10_000  # jobs simultâneos: a capacidade fica fora do caminho


def _clientes(quantidade: int, prefixo: str):
    from stdnum.br import cnpj

    from clientes.models import Cliente
    from operadoras.models import Operadora

    # A capacidade do robô não é o assunto destes benchmarks (bench.capacidade a mede).
    vivo, _ = Operadora.objects.update_or_create(
        codigo="VIVO", defaults={"nome": "VIVO", "possui_rpa": True, "jobs_simultaneos": SEM_LIMITE}
    )
    clientes = []
    for numero in range(quantidade):
        base = f"{numero + 20_000_000:08d}{len(prefixo):04d}"
        clientes.append(
            Cliente(
                hash_unico=f"{prefixo}{numero}",
                razao_social=f"{prefixo.upper()} {numero} LTDA",
                cnpj=base + cnpj.calc_check_digits(base),
                operadora=vivo,
                filtro=str(numero),
                servico="Internet",
                dados_sat="Link",
                unidade="CG",
                login_portal="financeiro@x.example",
                senha_portal="senha",
            )
        )
    return Cliente.objects.bulk_create(clientes, batch_size=500)


def _percentil(valores: list[float], p: float) -> float:
    ordenados = sorted(valores)
    return ordenados[min(len(ordenados) - 1, round(p / 100 * (len(ordenados) - 1)))]


def atraso() -> list[tuple]:
    from execucoes.models import Execucao, LogExecucao, TipoExecucao
    from execucoes.worker import Worker
    from processos.models import Processo, StatusProcesso, Transicao
    from simulador.servidor import iniciar

    with iniciar(velocidade=10.0, taxa_falha=0.0, semente=3) as sim:
        settings.API_EXTERNA_URL = sim.url
        settings.API_EXTERNA_TOKEN = sim.novo_token()
        requests.post(
            f"{sim.url}/__simulador/ajustes", json={"forma_resultado": "objeto"}, timeout=5
        )
        processos = Processo.objects.bulk_create(
            [
                Processo(cliente=c, competencia=dt.date(2026, 3, 1))
                for c in _clientes(JOBS_ATRASO, "atraso")
            ]
        )
        worker = Worker(intervalo=0.1, desligados={"agendamentos"})
        thread = threading.Thread(target=worker.rodar, daemon=True)
        thread.start()
        time.sleep(1.0)  # o seguidor do stream conecta
        Execucao.objects.bulk_create(
            [Execucao(processo=p, tipo=TipoExecucao.DOWNLOAD_FATURA) for p in processos]
        )
        limite = time.monotonic() + 300
        while (
            Processo.objects.filter(status=StatusProcesso.AGUARDANDO_APROVACAO).count()
            < JOBS_ATRASO
            and time.monotonic() < limite
        ):
            time.sleep(0.5)
        worker.parar.set()
        thread.join(timeout=15)
    fins = dict(
        LogExecucao.objects.filter(mensagem__contains="concluído com status").values_list(
            "execucao__processo_id", "momento"
        )
    )
    mudancas = dict(
        Transicao.objects.filter(para=StatusProcesso.AGUARDANDO_APROVACAO).values_list(
            "processo_id", "criado_em"
        )
    )
    atrasos = [(mudancas[p] - fins[p]).total_seconds() for p in mudancas if p in fins]
    return [
        (
            "atraso fim do job → status",
            f"{len(atrasos)}/{JOBS_ATRASO}",
            f"{statistics.median(atrasos):.3f}",
            f"{_percentil(atrasos, 99):.3f}",
            "p99 < 2 s",
        ),
    ]


def despacho() -> list[tuple]:
    from execucoes.despacho import despachar_pendentes
    from execucoes.models import Execucao, StatusExecucao, TipoExecucao
    from processos.models import Processo
    from simulador.servidor import iniciar

    with iniciar(velocidade=1.0, taxa_falha=0.0) as sim:
        requests.post(f"{sim.url}/__simulador/ajustes", json={"pausado": True}, timeout=5)
        settings.API_EXTERNA_URL = sim.url
        settings.API_EXTERNA_TOKEN = sim.novo_token()
        processos = Processo.objects.bulk_create(
            [
                Processo(cliente=c, competencia=dt.date(2026, 4, 1))
                for c in _clientes(PENDENTES, "despacho")
            ]
        )
        Execucao.objects.bulk_create(
            [Execucao(processo=p, tipo=TipoExecucao.DOWNLOAD_FATURA) for p in processos]
        )
        inicio = time.perf_counter()
        while Execucao.objects.filter(status=StatusExecucao.PENDENTE).exists():
            despachar_pendentes(limite=50)
        segundos = time.perf_counter() - inicio
        criados = requests.get(f"{sim.url}/__simulador/estado", timeout=5).json()["jobs_criados"]
    job_ids = list(Execucao.objects.filter(processo__in=processos).values_list("job_id", flat=True))
    unicos = len(set(job_ids)) == PENDENTES and "" not in job_ids
    return [
        (
            "despacho de 1.000 pendentes",
            f"{criados} jobs criados",
            f"{segundos:.2f} s",
            f"{PENDENTES / segundos:.0f}/s",
            "cada uma uma vez: " + ("sim" if unicos and criados == PENDENTES else "NÃO"),
        ),
    ]


def rodar() -> None:
    from django.db import connection

    settings.RPA_JOBS_SIMULTANEOS = SEM_LIMITE
    linhas = [("medida", "amostra", "p50 (s) / tempo", "p99 (s) / taxa", "meta")]
    linhas += atraso()
    linhas += despacho()
    tabela(f"Worker ({connection.vendor})", linhas)
