"""O worker como processo de verdade (`manage.py worker`): SIGTERM, kill -9 e retomada sem duplicar."""

import os
import signal
import subprocess
import sys
import time

import pytest
import requests
from django.conf import settings

from brm.fabricas import criar_processo, criar_usuario, esperar, url_do_banco_de_teste
from execucoes.models import Arrendamento, Execucao, StatusExecucao
from processos import acoes
from processos.acoes import Pedido
from processos.models import Origem, Processo, StatusProcesso

pytestmark = [pytest.mark.lento, pytest.mark.django_db(transaction=True)]


class ProcessoWorker:
    def __init__(self, sim, pasta):
        self.sim = sim
        self.saida = open(pasta / f"worker-{time.monotonic_ns()}.log", "w")  # noqa: SIM115
        ambiente = {
            **os.environ,
            "DATABASE_URL": url_do_banco_de_teste(),
            "DEBUG": "false",
            "API_EXTERNA_URL": sim.url,
            "API_EXTERNA_TOKEN": sim.novo_token(),
            "RPA_INTERVALO_CONSULTA_SEGUNDOS": "0.5",
            "RPA_ENVIO_SEM_RESPOSTA_SEGUNDOS": "1",
            "RPA_TEMPO_ENVIO_SEGUNDOS": "0.5",
            "MEDIA_ROOT": str(settings.MEDIA_ROOT),
        }
        self.processo = subprocess.Popen(
            [sys.executable, "manage.py", "worker", "--intervalo", "0.1"],
            cwd=settings.BASE_DIR,
            env=ambiente,
            stdout=self.saida,
            stderr=subprocess.STDOUT,
        )

    def matar(self):
        self.processo.send_signal(signal.SIGKILL)
        self.processo.wait(timeout=10)

    def encerrar(self) -> int:
        self.processo.send_signal(signal.SIGTERM)
        return self.processo.wait(timeout=15)


@pytest.fixture
def workers(simulador_exclusivo, tmp_path):
    iniciados = []

    def iniciar():
        worker = ProcessoWorker(simulador_exclusivo, tmp_path)
        iniciados.append(worker)
        return worker

    yield iniciar
    for worker in iniciados:
        if worker.processo.poll() is None:
            worker.matar()
        worker.saida.close()


def controle(sim, nome, **dados):
    assert requests.post(f"{sim.url}/__simulador/{nome}", json=dados, timeout=5).status_code == 200


def jobs_criados(sim) -> int:
    return requests.get(f"{sim.url}/__simulador/estado", timeout=5).json()["jobs_criados"]


def status_de(processo) -> str:
    return Processo.objects.get(pk=processo.pk).status


def pedir_download(processo):
    return acoes.executar_download(
        processo, Pedido(usuario=criar_usuario("OPERADOR"), origem=Origem.WEB)
    )


def test_sigterm_encerra_limpo_e_libera_o_stream(workers):
    worker = workers()
    esperar(lambda: Arrendamento.objects.filter(nome="eventos").exclude(dono="").exists())
    assert worker.encerrar() == 0
    assert Arrendamento.objects.get(nome="eventos").dono == ""


def test_worker_morto_no_meio_do_job_e_retomado_sem_duplicar(workers, simulador_exclusivo):
    controle(simulador_exclusivo, "ajustes", velocidade=3.0)
    processo = criar_processo()
    execucao = pedir_download(processo)
    primeiro = workers()
    esperar(lambda: Execucao.objects.get(pk=execucao.pk).status == StatusExecucao.EXECUTANDO)
    primeiro.matar()

    workers()
    esperar(lambda: status_de(processo) == StatusProcesso.AGUARDANDO_APROVACAO, prazo=40)
    assert jobs_criados(simulador_exclusivo) == 1
    assert processo.execucoes.count() == 1
    assert processo.transicoes.count() == 1
    execucao.refresh_from_db()
    gravadas = [
        m
        for m in execucao.logs.values_list("mensagem", flat=True)
        if not m.endswith("criado na API RPA")
    ]
    do_robo = requests.get(
        f"{simulador_exclusivo.url}/jobs/{execucao.job_id}/logs",
        headers={"Authorization": f"Bearer {simulador_exclusivo.novo_token()}"},
        timeout=5,
    ).json()["logs"]
    assert sorted(gravadas) == sorted(linha["message"] for linha in do_robo)


def test_worker_morto_durante_o_envio_nao_reenvia(workers, simulador_exclusivo):
    # A API cria o job mas demora a responder; o worker morre antes de gravar o job_id.
    controle(
        simulador_exclusivo,
        "falhas/http",
        modo="travar",
        segundos=4,
        prefixo="/executar",
        processar=True,
    )
    processo = criar_processo()
    execucao = pedir_download(processo)
    primeiro = workers()
    esperar(lambda: Execucao.objects.get(pk=execucao.pk).envio_iniciado_em is not None)
    time.sleep(1)  # o POST está pendurado na API (4 s)
    primeiro.matar()
    esperar(lambda: jobs_criados(simulador_exclusivo) == 1)  # a API criou o job assim mesmo
    assert Execucao.objects.get(pk=execucao.pk).job_id == ""

    workers()
    esperar(lambda: status_de(processo) == StatusProcesso.AGUARDANDO_APROVACAO, prazo=40)
    assert jobs_criados(simulador_exclusivo) == 1
    assert processo.execucoes.get().status == StatusExecucao.CONCLUIDO
