"""Exatamente uma vez com vários workers no PostgreSQL: cada horário de cada agendamento roda uma
vez só, e nenhum processo ganha dois downloads."""

import datetime as dt
import os
import threading

import pytest
from django.db import connection
from django.utils import timezone

from agendamentos.deveres import rodar_agendamentos
from agendamentos.models import Agendamento, ExecucaoAgendamento, Resultado, TipoAgendamento
from brm.fabricas import criar_agendamento, criar_cliente, esperar, url_do_banco_de_teste
from execucoes.models import Execucao
from execucoes.tests.garantias import ProcessoWorker
from processos.models import Processo

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def postgres(transactional_db):
    if connection.vendor != "postgresql":
        pytest.skip("dois workers disputando os agendamentos: só no PostgreSQL")
    Agendamento.objects.all().delete()  # o da migração, que o primeiro teste ainda vê


def vencidos(quantidade: int, tipo=TipoAgendamento.CRIAR_PROCESSOS) -> list[Agendamento]:
    agendamentos = [criar_agendamento(tipo, expressao="0 6 1 * *") for _ in range(quantidade)]
    Agendamento.objects.update(proxima_em=timezone.now() - dt.timedelta(minutes=1))
    return agendamentos


def em_duas_threads(funcao) -> None:
    juntos = threading.Barrier(2)
    erros = []

    def rodar():
        try:
            juntos.wait(timeout=10)
            funcao()
        except Exception as erro:
            erros.append(erro)
        finally:
            connection.close()

    threads = [threading.Thread(target=rodar) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not erros, erros


def test_duas_threads_no_mesmo_horario_rodam_cada_agendamento_uma_vez(postgres):
    clientes = [criar_cliente() for _ in range(5)]
    agendamentos = vencidos(10)
    em_duas_threads(rodar_agendamentos)
    for agendamento in agendamentos:
        (execucao,) = agendamento.execucoes.all()
        assert execucao.resultado == Resultado.SUCESSO
    assert Processo.objects.count() == len(clientes)


def test_dois_downloads_agendados_juntos_pedem_um_download_por_processo(postgres):
    for _ in range(30):
        criar_cliente()
    criar_agendamento(expressao="0 6 1 * *")
    Agendamento.objects.update(proxima_em=timezone.now() - dt.timedelta(minutes=1))
    rodar_agendamentos()
    vencidos(2, TipoAgendamento.BAIXAR_FATURAS)
    em_duas_threads(rodar_agendamentos)
    assert Execucao.objects.count() == Processo.objects.count() == 30
    downloads = ExecucaoAgendamento.objects.filter(agendamento__tipo=TipoAgendamento.BAIXAR_FATURAS)
    assert downloads.count() == 2
    assert sum(downloads.values_list("itens", flat=True)) == 30  # cada pedido contado uma vez


@pytest.mark.lento
def test_dois_workers_de_verdade_rodam_cada_horario_uma_vez(postgres, tmp_path):
    for _ in range(8):
        criar_cliente()
    agendamentos = vencidos(20)
    ambiente = {
        **os.environ,
        "PYTHONUNBUFFERED": "1",
        "DATABASE_URL": url_do_banco_de_teste(),
        "DEBUG": "false",
        "LOG_LEVEL": "INFO",
    }
    workers = [ProcessoWorker(f"worker-{n}", ambiente, tmp_path) for n in (1, 2)]
    try:
        esperar(
            lambda: (
                not ExecucaoAgendamento.objects.exclude(resultado=Resultado.SUCESSO).exists()
                and ExecucaoAgendamento.objects.count() >= len(agendamentos)
            ),
            prazo=60,
            mensagem="os workers não rodaram os agendamentos",
        )
    finally:
        for worker in workers:
            worker.encerrar()
    textos = [worker.texto() for worker in workers]
    for agendamento in agendamentos:
        assert agendamento.execucoes.count() == 1
    assert sum(texto.count("claimed for") for texto in textos) == len(agendamentos)
    assert not any("failed" in texto for texto in textos), textos
    assert Processo.objects.count() == 8
    assert all(
        proxima > timezone.now()
        for proxima in Agendamento.objects.values_list("proxima_em", flat=True)
    )
