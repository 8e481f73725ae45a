"""O que os avisos vão contar: execuções que falharam e downloads que não chegaram."""

import datetime as dt

from agendamentos.avisos import downloads_em_falta, execucoes_que_falharam
from agendamentos.deveres import rodar_agendamentos
from agendamentos.models import Resultado, TipoAgendamento
from brm.fabricas import criar_agendamento, criar_cliente, criar_operadora, criar_processo
from processos.models import Processo, StatusProcesso

JANEIRO = dt.date(2027, 1, 1)


def test_execucoes_que_falharam_desde_um_instante(relogio, resumo_que_falha):
    relogio.em("2027-01-04 10:00")
    criar_agendamento(TipoAgendamento.RESUMO_MENSAL, expressao="0 8 * * *", nome="Resumo")
    criar_agendamento(expressao="0 8 * * *", nome="Criação")
    relogio.em("2027-01-05 08:00")
    rodar_agendamentos()
    inicio_do_dia_6 = relogio.em("2027-01-06 00:00")
    relogio.em("2027-01-06 08:00")
    rodar_agendamentos()
    falhas = execucoes_que_falharam(inicio_do_dia_6)
    assert [(f.agendamento.nome, f.previsto_para.day) for f in falhas] == [("Resumo", 6)]
    assert all(f.resultado == Resultado.FALHA for f in falhas)


def test_downloads_ainda_em_falta_dias_depois_do_agendamento(relogio):
    relogio.em("2027-01-04 10:00")
    vivo, oi = criar_operadora("VIVO"), criar_operadora("OI")
    chegou = criar_processo(criar_cliente(vivo), competencia=JANEIRO)
    faltando = criar_processo(criar_cliente(vivo), competencia=JANEIRO)
    criar_processo(criar_cliente(oi), competencia=JANEIRO)  # de outra operadora
    agendamento = criar_agendamento(
        TipoAgendamento.BAIXAR_FATURAS, expressao="0 8 5 * *", operadora=vivo
    )
    relogio.em("2027-01-05 08:00")
    rodar_agendamentos()
    Processo.objects.filter(pk=chegou.pk).update(status=StatusProcesso.AGUARDANDO_APROVACAO)
    relogio.em("2027-01-07 09:00")
    assert downloads_em_falta(dias=3) == []  # ainda não deu o prazo
    relogio.em("2027-01-08 08:00")
    (aviso,) = downloads_em_falta(dias=3)
    assert aviso.execucao.agendamento == agendamento
    assert aviso.quantidade == 1
    assert list(aviso.processos) == [faltando]
    Processo.objects.filter(pk=faltando.pk).update(status=StatusProcesso.AGUARDANDO_APROVACAO)
    assert downloads_em_falta(dias=3) == []  # tudo chegou: nada a avisar


def test_dever_avisa_quem_opera_dos_downloads_em_falta_uma_vez(relogio, operador, settings):
    from agendamentos.deveres import avisar_downloads_em_falta
    from notificacoes.models import Canal, Notificacao, TipoNotificacao

    settings.AGENDAMENTOS_DIAS_PARA_AVISAR_DOWNLOADS = 3
    operador.email = "olga@brm.example"
    operador.save()
    relogio.em("2027-01-04 10:00")
    vivo = criar_operadora("VIVO")
    criar_processo(criar_cliente(vivo, razao_social="ACME LTDA"), competencia=JANEIRO)
    criar_agendamento(
        TipoAgendamento.BAIXAR_FATURAS, expressao="0 8 5 * *", operadora=vivo, nome="Downloads"
    )
    relogio.em("2027-01-05 08:00")
    rodar_agendamentos()
    relogio.em("2027-01-08 08:00")
    avisar_downloads_em_falta()
    avisar_downloads_em_falta()
    avisos = Notificacao.objects.filter(tipo=TipoNotificacao.DOWNLOADS_ATRASADOS)
    assert {(a.destinatario, a.canal) for a in avisos} == {
        (operador, Canal.EMAIL),
        (operador, Canal.APP),
    }
    aviso = avisos.get(canal=Canal.EMAIL)
    assert "Downloads" in aviso.assunto and "ACME LTDA" in aviso.texto
