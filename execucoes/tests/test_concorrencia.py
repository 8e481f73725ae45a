"""Concorrência de verdade no PostgreSQL: vários workers, várias pessoas ao mesmo tempo."""

import datetime as dt
import threading

import pytest
import requests
from django.db import connection

from brm.fabricas import (
    criar_cliente,
    criar_operadora,
    criar_processo,
    criar_usuario,
    em_paralelo,
    esperar,
)
from execucoes.despacho import despachar_pendentes
from execucoes.models import Execucao, StatusExecucao, TipoExecucao
from processos import acoes
from processos.acoes import AcaoRecusada, Pedido
from processos.models import Origem, Processo, StatusProcesso, Transicao

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.postgres]


@pytest.fixture(autouse=True)
def _so_no_postgres():
    if connection.vendor != "postgresql":
        pytest.skip("concorrência real só no PostgreSQL (SKIP LOCKED, FOR UPDATE)")


def test_vinte_pessoas_aprovando_o_mesmo_processo_so_uma_consegue():
    operador = criar_usuario("OPERADOR")
    processo = criar_processo()
    acoes.upload_manual(
        processo,
        Pedido(usuario=operador, origem=Origem.WEB),
        conteudo=b"%PDF-1.4\n%%EOF",
        valor=1,
        vencimento=processo.competencia,
    )
    aprovadores = [criar_usuario("APROVADOR") for _ in range(20)]
    fila = iter(aprovadores)
    trava = threading.Lock()

    def aprovar():
        with trava:
            aprovador = next(fila)
        return acoes.aprovar(processo.pk, Pedido(usuario=aprovador, origem=Origem.WEB))

    resultados = em_paralelo(aprovar, 20)
    sucessos = [r for r in resultados if isinstance(r, Processo)]
    recusas = [r for r in resultados if isinstance(r, AcaoRecusada)]
    assert (len(sucessos), len(recusas)) == (1, 19)
    assert all("Não é possível aprovar" in str(r) for r in recusas)
    assert Transicao.objects.filter(para=StatusProcesso.AGUARDANDO_ENVIO_SAT).count() == 1


def test_duas_pessoas_executando_download_do_mesmo_processo_geram_uma_execucao():
    processo = criar_processo()
    operador = criar_usuario("OPERADOR")
    resultados = em_paralelo(
        lambda: acoes.executar_download(processo.pk, Pedido(usuario=operador, origem=Origem.WEB)),
        10,
    )
    assert sum(isinstance(r, Execucao) for r in resultados) == 1
    assert Execucao.objects.count() == 1


def test_dois_workers_e_200_pendentes_cada_uma_despachada_uma_vez(simulador_exclusivo, settings):
    requests.post(
        f"{simulador_exclusivo.url}/__simulador/ajustes", json={"pausado": True}, timeout=5
    )
    settings.RPA_JOBS_SIMULTANEOS = 200  # a capacidade não é o assunto aqui
    operadora = criar_operadora("VIVO", jobs_simultaneos=200)
    processos = [
        Processo.objects.create(cliente=criar_cliente(operadora), competencia=dt.date(2026, 3, 1))
        for _ in range(200)
    ]
    Execucao.objects.bulk_create(
        [Execucao(processo=p, tipo=TipoExecucao.DOWNLOAD_FATURA) for p in processos]
    )

    def despachar_ate_acabar():
        total = 0
        while Execucao.objects.filter(status=StatusExecucao.PENDENTE).exists():
            total += despachar_pendentes(limite=10)
        return total

    por_worker = em_paralelo(despachar_ate_acabar, 2)
    assert sum(por_worker) == 200 and all(n > 0 for n in por_worker), por_worker
    job_ids = list(Execucao.objects.values_list("job_id", flat=True))
    assert len(set(job_ids)) == 200 and "" not in job_ids
    estado = requests.get(f"{simulador_exclusivo.url}/__simulador/estado", timeout=5).json()
    assert estado["jobs_criados"] == 200
    esperar(lambda: Execucao.objects.filter(status=StatusExecucao.EXECUTANDO).count() == 200)


def test_dois_workers_juntos_nunca_passam_da_capacidade(simulador_exclusivo, settings):
    """200 na fila, o robô parado (nada termina), dois workers despachando ao mesmo tempo: cada
    um vê as vagas que o outro ainda não marcou; a trava do despacho os põe um depois do outro."""
    sim = simulador_exclusivo
    requests.post(f"{sim.url}/__simulador/ajustes", json={"pausado": True}, timeout=5)
    settings.RPA_JOBS_SIMULTANEOS = 10
    capacidade = {"VIVO": 3, "OI": 4, "EMBRATEL": 5}  # 12 > 10: o limite global também vale
    operadoras = [criar_operadora(c, jobs_simultaneos=n) for c, n in capacidade.items()]
    processos = [
        Processo.objects.create(
            cliente=criar_cliente(operadoras[n % 3]), competencia=dt.date(2026, 3, 1)
        )
        for n in range(200)
    ]
    Execucao.objects.bulk_create(
        [Execucao(processo=p, tipo=TipoExecucao.DOWNLOAD_FATURA) for p in processos]
    )

    def despachar_varias_vezes():
        return sum(despachar_pendentes(limite=3) for _ in range(30))

    por_worker = em_paralelo(despachar_varias_vezes, 2)
    assert sum(por_worker) == 10, por_worker
    estado = requests.get(f"{sim.url}/__simulador/estado", timeout=5).json()
    assert estado["pico_jobs_simultaneos_total"] == 10
    assert all(
        estado["pico_jobs_simultaneos"].get(codigo, 0) <= limite
        for codigo, limite in capacidade.items()
    ), estado["pico_jobs_simultaneos"]
