"""As métricas do worker: cada dever conta as voltas e as falhas, numa porta só dele, com a mesma
regra de acesso do /metrics do web."""

import pytest
import requests
from prometheus_client import REGISTRY

from execucoes import metricas_do_worker
from execucoes.worker import Worker
from nucleo.deveres import Dever


def _quebra():
    raise RuntimeError("dever quebrado")


DEVERES = [Dever("teste-ok", 0, fazer=lambda: None), Dever("teste-quebra", 0, fazer=_quebra)]


def voltas(dever: str, resultado: str) -> float:
    valor = REGISTRY.get_sample_value(
        "brm_worker_deveres_total", {"dever": dever, "resultado": resultado}
    )
    return valor or 0.0


@pytest.mark.django_db
def test_cada_volta_de_um_dever_conta_e_a_falha_aparece(settings):
    settings.DEVERES_DO_WORKER = ["execucoes.tests.test_metricas_do_worker.DEVERES"]
    antes = voltas("teste-ok", "ok"), voltas("teste-quebra", "falha")
    worker = Worker()
    worker.passo()
    worker._proximas.clear()
    worker.passo()
    assert voltas("teste-ok", "ok") == antes[0] + 2
    assert voltas("teste-quebra", "falha") == antes[1] + 2
    assert voltas("teste-quebra", "ok") == 0


@pytest.fixture
def servidor():
    servidor = metricas_do_worker.servir(0, "127.0.0.1")
    yield f"http://127.0.0.1:{servidor.server_port}/metrics"
    servidor.shutdown()
    servidor.server_close()


def test_a_porta_do_worker_mostra_os_deveres_a_quem_pode_ler(servidor, settings):
    metricas_do_worker.VOLTAS.labels("despachar", "ok").inc(0)
    resposta = requests.get(servidor, timeout=5)
    assert resposta.status_code == 200
    assert "brm_worker_deveres_total" in resposta.text
    assert "brm_worker_dever_duracao_segundos_bucket" in resposta.text


def test_a_porta_do_worker_recusa_quem_nao_esta_na_lista_nem_tem_o_token(servidor, settings):
    settings.METRICAS_IPS = []
    settings.METRICAS_TOKEN = "token-das-metricas"
    assert requests.get(servidor, timeout=5).status_code == 403
    errado = requests.get(servidor, headers={"Authorization": "Bearer outro"}, timeout=5)
    assert errado.status_code == 403
    certo = requests.get(
        servidor, headers={"Authorization": "Bearer token-das-metricas"}, timeout=5
    )
    assert certo.status_code == 200
