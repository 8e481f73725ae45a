"""O banco recusa o que nunca pode acontecer, mesmo quando o código é contornado."""

import datetime as dt

import pytest
from django.db import IntegrityError, transaction

from brm.fabricas import criar_cliente, criar_processo
from execucoes.models import Execucao, StatusExecucao, TipoExecucao
from processos.models import Processo, StatusProcesso

pytestmark = pytest.mark.django_db


def test_processo_duplicado_do_mesmo_cliente_e_mes_e_recusado_ate_por_bulk_create():
    processo = criar_processo()
    with pytest.raises(IntegrityError), transaction.atomic():
        Processo.objects.bulk_create(
            [Processo(cliente=processo.cliente, competencia=processo.competencia)]
        )
    assert Processo.objects.count() == 1


def test_mesmo_cliente_em_outro_mes_e_aceito():
    processo = criar_processo()
    criar_processo(cliente=processo.cliente, competencia=dt.date(2026, 4, 1))
    assert Processo.objects.filter(cliente=processo.cliente).count() == 2


def test_status_fora_da_lista_e_recusado_pelo_banco():
    processo = criar_processo()
    with pytest.raises(IntegrityError), transaction.atomic():
        Processo.objects.filter(pk=processo.pk).update(status="APROVADO_NA_MAO")


def test_competencia_precisa_ser_o_primeiro_dia_do_mes():
    with pytest.raises(IntegrityError), transaction.atomic():
        Processo.objects.bulk_create(
            [Processo(cliente=criar_cliente(), competencia=dt.date(2026, 3, 15))]
        )


def test_segunda_execucao_ativa_do_mesmo_processo_e_recusada():
    processo = criar_processo()
    Execucao.objects.create(processo=processo, tipo=TipoExecucao.DOWNLOAD_FATURA)
    with pytest.raises(IntegrityError), transaction.atomic():
        Execucao.objects.create(
            processo=processo,
            tipo=TipoExecucao.DOWNLOAD_FATURA,
            status=StatusExecucao.EXECUTANDO,
        )
    assert processo.execucoes.count() == 1


def test_execucoes_encerradas_nao_contam_como_ativas():
    processo = criar_processo()
    for status in (StatusExecucao.FALHOU, StatusExecucao.TIMEOUT, StatusExecucao.CONCLUIDO):
        Execucao.objects.create(processo=processo, tipo=TipoExecucao.DOWNLOAD_FATURA, status=status)
    Execucao.objects.create(processo=processo, tipo=TipoExecucao.DOWNLOAD_FATURA)
    assert processo.execucoes.count() == 4


def test_transicao_invalida_e_recusada_sem_mudar_nada():
    from processos.models import Origem, TransicaoInvalida

    processo = criar_processo()
    with pytest.raises(TransicaoInvalida, match="não pode ir para"):
        processo.mudar_status(StatusProcesso.UPLOAD_REALIZADO, origem=Origem.WEB)
    processo.refresh_from_db()
    assert processo.status == StatusProcesso.AGUARDANDO_DOWNLOAD
    assert processo.transicoes.count() == 0
