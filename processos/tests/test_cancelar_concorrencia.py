"""Cancelar ao mesmo tempo que outra pessoa, ou que o robô falha: só um vale (PostgreSQL)."""

import threading

import pytest
from django.db import connection
from django.utils import timezone

from brm.fabricas import criar_processo, criar_usuario
from execucoes import desfechos
from execucoes.models import Execucao, StatusExecucao, TipoExecucao
from processos import acoes
from processos.acoes import AcaoRecusada, Pedido
from processos.models import Origem

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.postgres]


@pytest.fixture(autouse=True)
def _so_no_postgres():
    if connection.vendor != "postgresql":
        pytest.skip("concorrência real só no PostgreSQL (FOR UPDATE)")


def juntos(*funcoes) -> list:
    """Roda cada função numa thread, soltas juntas; devolve o que cada uma deu (ou levantou)."""
    largada = threading.Barrier(len(funcoes))
    resultados: list = [None] * len(funcoes)

    def correr(indice):
        largada.wait()
        try:
            resultados[indice] = funcoes[indice]()
        except Exception as erro:
            resultados[indice] = erro
        finally:
            connection.close()

    threads = [threading.Thread(target=correr, args=(i,)) for i in range(len(funcoes))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return resultados


def executando():
    return Execucao.objects.create(
        processo=criar_processo(),
        tipo=TipoExecucao.DOWNLOAD_FATURA,
        status=StatusExecucao.EXECUTANDO,
        job_id="job-corrida",
        iniciada_em=timezone.now(),
    )


def test_dez_pessoas_cancelando_a_mesma_execucao_so_uma_consegue():
    execucao = executando()
    pessoas = [criar_usuario("OPERADOR") for _ in range(10)]
    resultados = juntos(
        *(
            lambda p=p: acoes.cancelar_execucao(
                execucao.pk, Pedido(usuario=p, origem=Origem.WEB), motivo="Robô travado"
            )
            for p in pessoas
        )
    )
    sucessos = [r for r in resultados if isinstance(r, Execucao)]
    recusas = [r for r in resultados if isinstance(r, AcaoRecusada)]
    assert (len(sucessos), len(recusas)) == (1, 9)
    assert all(str(r) == "A execução já terminou (cancelado)." for r in recusas)
    assert execucao.logs.count() == 1


def test_cancelar_enquanto_o_robo_falha_aplica_um_so_dos_dois():
    execucao = executando()
    operador = criar_usuario("OPERADOR")
    cancelamento, falha = juntos(
        lambda: acoes.cancelar_execucao(
            execucao.pk, Pedido(usuario=operador, origem=Origem.WEB), motivo="Robô travado"
        ),
        lambda: desfechos.falhar(execucao.pk, "Portal fora do ar"),
    )
    execucao.refresh_from_db()
    if isinstance(cancelamento, Execucao):
        assert falha is False
        assert execucao.status == StatusExecucao.CANCELADO
        # nenhuma nova tentativa automática depois do cancelamento
        assert Execucao.objects.filter(processo=execucao.processo).count() == 1
    else:
        assert str(cancelamento) == "A execução já terminou (falhou)."
        assert falha is True
        assert execucao.status == StatusExecucao.FALHOU
