"""A criação mensal que o worker faz sozinho (processos.deveres): uma vez por competência."""

import datetime as dt
import threading

import pytest
from django.db import connection

from brm.fabricas import criar_cliente, esperar
from processos import deveres
from processos.models import CriacaoMensal, Processo

MARCO = dt.date(2026, 3, 1)


@pytest.fixture
def hoje(monkeypatch):
    def hoje(dia: dt.date) -> None:
        monkeypatch.setattr("django.utils.timezone.localdate", lambda: dia)

    return hoje


@pytest.mark.django_db
def test_cria_os_processos_do_mes_e_registra_a_competencia(hoje, settings):
    settings.PROCESSOS_DIA_CRIACAO = 5
    criar_cliente(), criar_cliente()
    hoje(dt.date(2026, 3, 5))
    deveres.criacao_mensal()
    assert Processo.objects.filter(competencia=MARCO, criado_automaticamente=True).count() == 2
    registro = CriacaoMensal.objects.get()
    assert (registro.competencia, registro.criados) == (MARCO, 2)


@pytest.mark.django_db
def test_antes_do_dia_nao_cria_e_depois_do_dia_ainda_cria(hoje, settings):
    settings.PROCESSOS_DIA_CRIACAO = 5
    criar_cliente()
    hoje(dt.date(2026, 3, 4))
    deveres.criacao_mensal()
    assert not Processo.objects.exists() and not CriacaoMensal.objects.exists()
    hoje(dt.date(2026, 3, 20))  # o worker estava parado no dia 5
    deveres.criacao_mensal()
    assert Processo.objects.filter(competencia=MARCO).count() == 1


@pytest.mark.django_db
def test_roda_uma_vez_por_competencia(hoje):
    criar_cliente()
    hoje(dt.date(2026, 3, 1))
    deveres.criacao_mensal()
    criar_cliente()  # cadastrado depois da criação do mês: fica para quem cria à mão
    hoje(dt.date(2026, 3, 2))
    deveres.criacao_mensal()
    assert Processo.objects.filter(competencia=MARCO).count() == 1
    hoje(dt.date(2026, 4, 1))
    deveres.criacao_mensal()
    assert Processo.objects.filter(competencia=dt.date(2026, 4, 1)).count() == 2
    assert list(CriacaoMensal.objects.values_list("competencia", "criados")) == [
        (dt.date(2026, 4, 1), 2),
        (MARCO, 1),
    ]


@pytest.mark.django_db
def test_criacao_que_falha_nao_fica_registrada(hoje, monkeypatch):
    criar_cliente()
    hoje(dt.date(2026, 3, 1))
    criar_de_verdade = deveres.criar_processos_mensais

    def falha(**_):
        raise RuntimeError("banco caiu no meio")

    monkeypatch.setattr(deveres, "criar_processos_mensais", falha)
    with pytest.raises(RuntimeError):
        deveres.criacao_mensal()
    assert not CriacaoMensal.objects.exists()
    monkeypatch.setattr(deveres, "criar_processos_mensais", criar_de_verdade)
    deveres.criacao_mensal()  # a volta seguinte tenta de novo
    assert CriacaoMensal.objects.get().criados == 1


def esperando_trava() -> bool:
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_stat_clear_snapshot()")  # dentro da transação, ver o agora
        cursor.execute(
            "SELECT count(*) FROM pg_stat_activity"
            " WHERE wait_event_type = 'Lock' AND datname = current_database()"
        )
        return cursor.fetchone()[0] > 0


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_dois_workers_juntos_criam_uma_vez_so(hoje, monkeypatch):
    if connection.vendor != "postgresql":
        pytest.skip("concorrência real só no PostgreSQL")
    criar_cliente(), criar_cliente()
    hoje(dt.date(2026, 3, 1))
    criacoes = []
    dentro = threading.Event()
    criar_de_verdade = deveres.criar_processos_mensais

    def criar_devagar(**argumentos):
        # O primeiro worker só termina depois que o segundo esbarra na chave da competência.
        criacoes.append(argumentos["competencia"])
        dentro.set()
        esperar(esperando_trava, prazo=10, mensagem="o segundo worker não esperou a chave")
        return criar_de_verdade(**argumentos)

    monkeypatch.setattr(deveres, "criar_processos_mensais", criar_devagar)

    def worker(primeiro: bool) -> None:
        try:
            if not primeiro:
                dentro.wait(timeout=10)
            deveres.criacao_mensal()
        finally:
            connection.close()

    threads = [threading.Thread(target=worker, args=(primeiro,)) for primeiro in (True, False)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert criacoes == [MARCO]
    assert CriacaoMensal.objects.get().criados == 2
    assert Processo.objects.filter(competencia=MARCO).count() == 2
