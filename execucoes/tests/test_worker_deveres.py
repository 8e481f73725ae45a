"""O laço do worker roda os deveres que cada app declara (nucleo.deveres), cada um na sua hora."""

import sys

import pytest
from django.core.exceptions import ImproperlyConfigured

from execucoes.worker import Worker
from nucleo.deveres import Dever

DECLARADOS: list[Dever] = []


@pytest.fixture
def declarar(settings, monkeypatch):
    """Faz o worker rodar só os deveres dados (pelo mesmo caminho que settings usa)."""

    def declarar(*deveres: Dever) -> None:
        monkeypatch.setattr(sys.modules[__name__], "DECLARADOS", list(deveres))
        settings.DEVERES_DO_WORKER = [f"{__name__}.DECLARADOS"]

    return declarar


class Contador:
    """Uma tarefa com estado: cada worker tem a sua."""

    def __init__(self, worker: str) -> None:
        self.worker = worker
        self.vezes = 0
        self.encerrada = False

    def __call__(self) -> None:
        self.vezes += 1

    def encerrar(self) -> None:
        self.encerrada = True


class NaoEncerra(Contador):
    def encerrar(self) -> None:
        raise RuntimeError("preso")


def test_os_apps_declaram_os_deveres_do_worker_na_ordem():
    nomes = [dever.nome for dever in Worker().deveres]
    assert nomes == [
        "despachar",
        "consultar",
        "prazos",
        "reconciliar",
        "token",
        "eventos",
        "sinal",
        "agendamentos",
        "agendamentos_downloads_em_falta",
        "notificacoes_resumo_aprovacao",
        "notificacoes_vencimentos",
        "notificacoes_tentativas",
        "notificacoes_token",
        "notificacoes_enviar",
    ]


def test_um_dever_que_falha_nao_impede_os_outros(declarar, caplog):
    feitos = []

    def quebrado():
        raise RuntimeError("API fora do ar")

    declarar(
        Dever("quebrado", 0, fazer=quebrado), Dever("depois", 0, fazer=lambda: feitos.append(1))
    )
    worker = Worker()
    worker.passo()
    worker.passo()
    assert feitos == [1, 1]
    assert caplog.text.count("Worker duty quebrado failed") == 2


def test_cada_dever_roda_no_maximo_a_cada_intervalo(declarar):
    feitos = []
    declarar(
        Dever("sempre", 0, fazer=lambda: feitos.append("sempre")),
        Dever("por_minuto", 60, fazer=lambda: feitos.append("por_minuto")),
    )
    worker = Worker()
    for _ in range(3):
        worker.passo()
    assert feitos.count("sempre") == 3
    assert feitos.count("por_minuto") == 1


def test_um_dever_desligado_nao_roda(declarar):
    feitos = []
    declarar(Dever("um", 0, fazer=lambda: feitos.append("um")), Dever("outro", 0, tarefa=Contador))
    worker = Worker(desligados={"outro"})
    worker.passo()
    assert feitos == ["um"]
    assert worker.tarefas == {}


def test_desligar_um_dever_que_nao_existe_e_recusado(declarar):
    declarar(Dever("um", 0, fazer=lambda: None))
    with pytest.raises(ValueError, match="desconhecidos: eventoss"):
        Worker(desligados={"eventoss"})


def test_dois_deveres_com_o_mesmo_nome_sao_recusados(declarar):
    declarar(Dever("um", 0, fazer=lambda: None), Dever("um", 5, fazer=lambda: None))
    with pytest.raises(ImproperlyConfigured, match="repetidos: um"):
        Worker()


def test_dever_precisa_de_fazer_ou_de_tarefa():
    with pytest.raises(TypeError, match="um só"):
        Dever("nada", 0)
    with pytest.raises(TypeError, match="um só"):
        Dever("os_dois", 0, fazer=lambda: None, tarefa=Contador)


def test_cada_worker_tem_a_sua_tarefa_e_a_encerra_ao_parar(declarar, caplog):
    declarar(Dever("contar", 0, tarefa=Contador), Dever("preso", 0, tarefa=NaoEncerra))
    um, outro = Worker(), Worker()
    um.passo()
    um.passo()
    assert (um.tarefas["contar"].vezes, outro.tarefas["contar"].vezes) == (2, 0)
    assert um.tarefas["contar"].worker == um.nome

    um.parar.set()
    um.rodar()  # já parado: só encerra
    assert um.tarefas["contar"].encerrada
    assert "Worker duty preso did not stop cleanly" in caplog.text
    assert not outro.tarefas["contar"].encerrada
