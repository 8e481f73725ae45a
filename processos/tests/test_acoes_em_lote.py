"""Muitas execuções do robô de uma vez (os agendamentos): a mesma guarda de cada ação."""

import pytest
from django.db import IntegrityError

from brm.fabricas import criar_cliente, criar_operadora, criar_processo
from execucoes.models import Execucao, StatusExecucao, TipoExecucao
from processos.acoes import Pedido, iniciar_robo_em_lote
from processos.models import Origem, Processo, StatusProcesso

pytestmark = pytest.mark.django_db
DOWNLOAD = TipoExecucao.DOWNLOAD_FATURA
SISTEMA = Pedido(usuario=None, origem=Origem.WORKER)


def test_so_inicia_o_que_a_guarda_de_cada_processo_deixa():
    pronto = criar_processo()
    sem_robo = criar_processo(criar_cliente(criar_operadora("AZUTON", possui_rpa=False)))
    em_aprovacao = criar_processo(status=StatusProcesso.AGUARDANDO_APROVACAO)
    rodando = criar_processo()
    Execucao.objects.create(processo=rodando, tipo=DOWNLOAD, status=StatusExecucao.EXECUTANDO)
    resultado = iniciar_robo_em_lote(Processo.objects.all(), SISTEMA, tipo=DOWNLOAD)
    assert (resultado.iniciadas, resultado.recusadas) == (1, 3)
    pendentes = Execucao.objects.filter(status=StatusExecucao.PENDENTE)
    assert list(pendentes.values_list("processo", flat=True)) == [pronto.pk]
    assert not Execucao.objects.filter(processo__in=[sem_robo, em_aprovacao]).exists()


def test_quem_nao_opera_nao_inicia_nada(inativo):
    criar_processo()
    resultado = iniciar_robo_em_lote(
        Processo.objects.all(), Pedido(usuario=inativo, origem=Origem.WEB), tipo=DOWNLOAD
    )
    assert (resultado.iniciadas, resultado.recusadas) == (0, 1)
    assert not Execucao.objects.exists()


def test_lote_recusado_pelo_banco_vai_um_a_um_pelo_servico(monkeypatch):
    processos = [criar_processo() for _ in range(3)]
    monkeypatch.setattr(
        Execucao.objects, "bulk_create", lambda *a, **k: (_ for _ in ()).throw(IntegrityError())
    )
    resultado = iniciar_robo_em_lote(Processo.objects.all(), SISTEMA, tipo=DOWNLOAD)
    assert resultado.iniciadas == 3
    assert Execucao.objects.filter(processo__in=processos, tipo=DOWNLOAD).count() == 3
