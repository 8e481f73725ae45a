"""O que o processo guarda das suas execuções (falha da última, contas do robô) fica certo depois
de cada um que muda uma execução: iniciar, o desfecho, a nova tentativa, o cancelamento."""

import pytest
from django.db.models import OuterRef, Subquery

from brm.fabricas import criar_cliente, criar_processo
from execucoes import desfechos
from execucoes.models import Execucao, StatusExecucao, TipoExecucao
from processos import acoes
from processos.acoes import Pedido
from processos.indicadores import com_falha
from processos.models import CAMPOS_DO_RESUMO, Origem, Processo

pytestmark = pytest.mark.django_db


@pytest.fixture
def pedido(operador):
    return Pedido(usuario=operador, origem=Origem.WEB)


def pela_definicao(processos):
    """A regra de sempre, lida das execuções: a mais recente falhou ou estourou o tempo."""
    ultima = Execucao.objects.filter(processo=OuterRef("pk")).order_by("-criado_em")
    return processos.annotate(status_da_ultima=Subquery(ultima.values("status")[:1])).filter(
        status_da_ultima__in=(StatusExecucao.FALHOU, StatusExecucao.TIMEOUT)
    )


def guardado(processo) -> tuple[bool, int, int]:
    processo.refresh_from_db()
    return (
        processo.ultima_execucao_falhou,
        processo.execucoes_concluidas,
        processo.execucoes_com_falha,
    )


def test_iniciar_e_falhar_sem_nova_tentativa(pedido):
    processo = criar_processo(criar_cliente())
    execucao = acoes.executar_download(processo, pedido)
    assert guardado(processo) == (False, 0, 0)
    desfechos.falhar(execucao.pk, "portal fora do ar", repetir=False)
    assert guardado(processo) == (True, 0, 1)


def test_estourar_o_tempo_tambem_e_falha(pedido):
    processo = criar_processo(criar_cliente())
    execucao = acoes.executar_download(processo, pedido)
    desfechos.falhar(execucao.pk, "passou do prazo", status=StatusExecucao.TIMEOUT, repetir=False)
    assert guardado(processo) == (True, 0, 1)


def test_com_nova_tentativa_na_fila_nao_espera_ninguem(pedido):
    processo = criar_processo(criar_cliente())
    execucao = acoes.executar_download(processo, pedido)
    desfechos.falhar(execucao.pk, "instável")  # cabe outra tentativa: fica uma PENDENTE
    assert processo.execucoes.filter(status=StatusExecucao.PENDENTE).exists()
    assert guardado(processo) == (False, 0, 1)


def test_executar_de_novo_e_concluir_limpa_a_falha(pedido):
    processo = criar_processo(criar_cliente())
    desfechos.falhar(acoes.executar_download(processo, pedido).pk, "erro", repetir=False)
    nova = acoes.executar_novamente(processo, pedido)
    assert guardado(processo) == (False, 0, 1)
    desfechos.concluir_sat(nova.pk, resultado={})  # o desfecho conta igual para qualquer robô
    assert guardado(processo) == (False, 1, 1)


def test_cancelar_nao_e_falha(pedido):
    processo = criar_processo(criar_cliente())
    execucao = acoes.executar_download(processo, pedido)
    acoes.cancelar_execucao(execucao, pedido, motivo="cliente pediu")
    assert guardado(processo) == (False, 0, 0)


def test_o_guardado_da_o_mesmo_que_ler_as_execucoes(pedido):
    sem_execucao = criar_processo(criar_cliente())
    falhou = criar_processo(criar_cliente())
    desfechos.falhar(acoes.executar_download(falhou, pedido).pk, "erro", repetir=False)
    tentando = criar_processo(criar_cliente())
    desfechos.falhar(acoes.executar_download(tentando, pedido).pk, "erro")
    cancelado = criar_processo(criar_cliente())
    acoes.cancelar_execucao(acoes.executar_download(cancelado, pedido), pedido, motivo="x")
    recuperado = criar_processo(criar_cliente())
    desfechos.falhar(acoes.executar_download(recuperado, pedido).pk, "erro", repetir=False)
    acoes.executar_novamente(recuperado, pedido)

    todos = Processo.objects.all()
    assert set(com_falha(todos)) == set(pela_definicao(todos)) == {falhou}
    assert sem_execucao not in com_falha(todos)


def test_gravar_o_processo_inteiro_nao_desfaz_um_desfecho_registrado_no_meio():
    """O admin e a API leem o processo no começo do pedido e o gravam inteiro no fim; um desfecho
    registrado nesse meio tempo continua valendo."""
    processo = criar_processo()
    lido_pelo_formulario = Processo.objects.get(pk=processo.pk)
    execucao = Execucao.objects.create(
        processo=processo, tipo=TipoExecucao.DOWNLOAD_FATURA, status=StatusExecucao.FALHOU
    )
    Processo.registrar_execucao(execucao)
    lido_pelo_formulario.observacoes = "editado no admin"
    lido_pelo_formulario.save()
    depois = Processo.objects.get(pk=processo.pk)
    assert depois.observacoes == "editado no admin"
    assert depois.ultima_execucao_falhou and depois.execucoes_com_falha == 1


def test_recalcular_o_resumo_chega_ao_mesmo_que_os_desfechos_guardaram():
    processo = criar_processo()
    for status in (StatusExecucao.FALHOU, StatusExecucao.CONCLUIDO, StatusExecucao.TIMEOUT):
        Processo.registrar_execucao(
            Execucao.objects.create(
                processo=processo, tipo=TipoExecucao.DOWNLOAD_FATURA, status=status
            )
        )
    guardado = Processo.objects.values(*CAMPOS_DO_RESUMO).get(pk=processo.pk)
    Processo.objects.filter(pk=processo.pk).update(
        ultima_execucao_falhou=False, execucoes_concluidas=0, execucoes_com_falha=0
    )
    assert Processo.recalcular_resumo_das_execucoes() == 1
    assert Processo.objects.values(*CAMPOS_DO_RESUMO).get(pk=processo.pk) == guardado
    assert guardado == {
        "ultima_execucao_falhou": True,
        "execucoes_concluidas": 1,
        "execucoes_com_falha": 2,
    }


def test_gravar_um_processo_lido_em_parte_grava_so_o_que_foi_lido(django_assert_num_queries):
    processo = Processo.objects.only("observacoes").get(pk=criar_processo().pk)
    processo.observacoes = "só esta coluna"
    with django_assert_num_queries(1):  # o UPDATE, sem ir buscar as colunas não lidas
        processo.save()
    assert Processo.objects.get(pk=processo.pk).observacoes == "só esta coluna"
