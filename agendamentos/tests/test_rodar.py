"""O worker roda cada agendamento no seu horário, uma vez; recupera uma vez só o que perdeu
parado; registra a falha sem travar o próximo horário; pausado, não roda."""

import datetime as dt

import pytest

from agendamentos import execucao as servico
from agendamentos.deveres import rodar_agendamentos
from agendamentos.models import Disparo, ExecucaoAgendamento, Resultado, TipoAgendamento
from agendamentos.tests.conftest import BRASILIA, MENSAGEM_DA_FALHA
from brm.fabricas import criar_agendamento, criar_cliente
from processos.models import Processo


def horario(texto: str) -> dt.datetime:
    return dt.datetime.fromisoformat(texto).replace(tzinfo=BRASILIA)


def test_o_proximo_horario_fica_guardado_ao_criar(relogio):
    relogio.em("2027-01-03 10:00")
    agendamento = criar_agendamento(expressao="0 8 5 * *")
    assert agendamento.proxima_em == horario("2027-01-05 08:00")


def test_antes_do_horario_nada_roda(relogio):
    relogio.em("2027-01-03 10:00")
    criar_agendamento(expressao="0 8 5 * *")
    relogio.em("2027-01-05 07:59")
    rodar_agendamentos()
    assert not ExecucaoAgendamento.objects.exists()


def test_no_horario_roda_uma_vez_e_marca_o_proximo(relogio):
    relogio.em("2027-01-03 10:00")
    criar_cliente(), criar_cliente()
    agendamento = criar_agendamento(expressao="0 8 5 * *")
    relogio.em("2027-01-05 08:00:10")
    rodar_agendamentos()
    rodar_agendamentos()  # a volta seguinte do worker não roda de novo
    execucao = ExecucaoAgendamento.objects.get()
    assert execucao.resultado == Resultado.SUCESSO
    assert execucao.disparo == Disparo.AUTOMATICO
    assert execucao.previsto_para == horario("2027-01-05 08:00")
    assert execucao.competencia == dt.date(2027, 1, 1)
    assert execucao.itens == 2
    assert execucao.terminado_em is not None
    assert Processo.objects.filter(competencia=dt.date(2027, 1, 1)).count() == 2
    agendamento.refresh_from_db()
    assert agendamento.proxima_em == horario("2027-02-05 08:00")


def test_worker_parado_por_tres_horarios_roda_uma_vez_so_o_ultimo(relogio):
    relogio.em("2027-01-05 06:00")
    agendamento = criar_agendamento(expressao="0 8 * * *")  # todo dia às 08:00
    relogio.em("2027-01-08 09:30")  # parado nos dias 5, 6, 7 e 8
    rodar_agendamentos()
    rodar_agendamentos()
    execucao = ExecucaoAgendamento.objects.get()
    assert execucao.previsto_para == horario("2027-01-08 08:00")
    agendamento.refresh_from_db()
    assert agendamento.proxima_em == horario("2027-01-09 08:00")


def test_proximo_horario_posto_fora_da_expressao_roda_nele(relogio):
    relogio.em("2027-01-05 06:00")
    agendamento = criar_agendamento(expressao="0 8 * * *")
    rodar_agendamentos()
    relogio.em("2027-01-05 10:00")
    rodar_agendamentos()  # o das 08:00
    agendamento.proxima_em = horario("2027-01-05 10:01")  # como o demo faz: um minuto adiante
    agendamento.save(update_fields=["proxima_em"])
    relogio.em("2027-01-05 10:01:05")
    rodar_agendamentos()
    assert list(agendamento.execucoes.order_by("previsto_para").values_list("previsto_para")) == [
        (horario("2027-01-05 08:00"),),
        (horario("2027-01-05 10:01"),),
    ]


def test_execucao_que_falha_fica_registrada_e_o_proximo_horario_roda(relogio, monkeypatch):
    relogio.em("2027-01-04 10:00")
    agendamento = criar_agendamento(expressao="0 8 * * *")
    criar_de_verdade = servico.TIPOS[TipoAgendamento.CRIAR_PROCESSOS]
    quebrado = [True]

    def criar(*argumentos):
        if quebrado[0]:
            raise RuntimeError("senha=segredo no meio do erro")
        return criar_de_verdade(*argumentos)

    monkeypatch.setitem(servico.TIPOS, TipoAgendamento.CRIAR_PROCESSOS, criar)
    relogio.em("2027-01-05 08:00")
    rodar_agendamentos()
    falha = ExecucaoAgendamento.objects.get()
    assert falha.resultado == Resultado.FALHA
    assert falha.erro == "Erro inesperado (RuntimeError); os detalhes estão no log do worker."
    quebrado[0] = False
    relogio.em("2027-01-06 08:00")
    rodar_agendamentos()
    assert list(agendamento.execucoes.order_by("previsto_para").values_list("resultado")) == [
        (Resultado.FALHA,),
        (Resultado.SUCESSO,),
    ]


def test_falha_do_dominio_aparece_com_a_mensagem_em_portugues(relogio, resumo_que_falha):
    relogio.em("2027-01-04 10:00")
    criar_agendamento(TipoAgendamento.RESUMO_MENSAL, expressao="0 8 * * *")
    relogio.em("2027-01-05 08:00")
    rodar_agendamentos()
    falha = ExecucaoAgendamento.objects.get()
    assert falha.resultado == Resultado.FALHA
    assert falha.erro == MENSAGEM_DA_FALHA


def test_falha_avisa_os_administradores_uma_vez(relogio, resumo_que_falha, administrador, operador):
    from notificacoes.models import Canal, Notificacao, TipoNotificacao

    administrador.email = "ana@brm.example"
    administrador.save()
    relogio.em("2027-01-04 10:00")
    criar_agendamento(TipoAgendamento.RESUMO_MENSAL, expressao="0 8 * * *", nome="Resumo")
    relogio.em("2027-01-05 08:00")
    rodar_agendamentos()
    rodar_agendamentos()
    avisos = Notificacao.objects.filter(tipo=TipoNotificacao.AGENDAMENTO_FALHOU)
    assert {(a.destinatario, a.canal) for a in avisos} == {
        (administrador, Canal.EMAIL),
        (administrador, Canal.APP),
    }
    assert all("Resumo" in a.assunto and MENSAGEM_DA_FALHA in a.texto for a in avisos)


def test_resumo_do_mes_vai_para_a_fila_uma_vez_por_competencia(relogio, administrador):
    from notificacoes.models import Notificacao, TipoNotificacao

    relogio.em("2027-01-04 10:00")
    agendamento = criar_agendamento(TipoAgendamento.RESUMO_MENSAL, expressao="0 8 * * *")
    relogio.em("2027-01-05 08:00")
    rodar_agendamentos()
    relogio.em("2027-01-06 08:00")
    rodar_agendamentos()
    primeira, segunda = agendamento.execucoes.order_by("previsto_para")
    assert primeira.resultado == segunda.resultado == Resultado.SUCESSO
    assert primeira.itens > 0 and segunda.itens == 0
    resumos = Notificacao.objects.filter(tipo=TipoNotificacao.RESUMO_MENSAL)
    assert resumos.count() == primeira.itens


def test_pausado_nao_roda_e_retomado_nao_roda_o_que_perdeu(relogio):
    relogio.em("2027-01-04 10:00")
    agendamento = criar_agendamento(expressao="0 8 * * *")
    assert servico.pausar(agendamento) is True
    assert servico.pausar(agendamento) is False
    relogio.em("2027-01-07 09:00")
    rodar_agendamentos()
    assert not ExecucaoAgendamento.objects.exists()
    assert servico.retomar(agendamento) is True
    agendamento.refresh_from_db()
    assert agendamento.proxima_em == horario("2027-01-08 08:00")
    rodar_agendamentos()
    assert not ExecucaoAgendamento.objects.exists()
    relogio.em("2027-01-08 08:00")
    rodar_agendamentos()
    assert ExecucaoAgendamento.objects.get().previsto_para == horario("2027-01-08 08:00")


def test_mudar_a_expressao_recalcula_o_proximo_horario(relogio):
    relogio.em("2027-01-04 10:00")
    agendamento = criar_agendamento(expressao="0 8 5 * *")
    agendamento.expressao = "30 7 * * *"
    agendamento.save()
    assert agendamento.proxima_em == horario("2027-01-05 07:30")


def test_executar_agora_registra_quem_pediu_e_nao_muda_o_proximo_horario(relogio, administrador):
    relogio.em("2027-01-04 10:00")
    criar_cliente()
    agendamento = criar_agendamento(expressao="0 8 5 * *")
    execucao = servico.executar_agora(agendamento, administrador)
    assert execucao.resultado == Resultado.SUCESSO
    assert (execucao.disparo, execucao.disparado_por) == (Disparo.MANUAL, administrador)
    assert execucao.previsto_para is None
    assert execucao.itens == 1
    processo = Processo.objects.get()
    assert processo.criado_por == administrador and not processo.criado_automaticamente
    agendamento.refresh_from_db()
    assert agendamento.proxima_em == horario("2027-01-05 08:00")


def test_executar_agora_e_so_de_quem_agenda(relogio, operador):
    from nucleo.erros import SemPermissao

    agendamento = criar_agendamento()
    with pytest.raises(SemPermissao):
        servico.executar_agora(agendamento, operador)
    assert not ExecucaoAgendamento.objects.exists()


def test_execucao_interrompida_no_meio_e_rodada_pelo_proximo_worker(relogio, monkeypatch):
    relogio.em("2027-01-04 10:00")
    criar_cliente()
    criar_agendamento(expressao="0 8 5 * *")
    relogio.em("2027-01-05 08:00")
    servico.reivindicar_devidos()  # o worker reivindicou o horário e morreu antes de rodar
    pendente = ExecucaoAgendamento.objects.get()
    assert pendente.resultado == Resultado.EM_ANDAMENTO
    relogio.adiantar(seconds=15)
    rodar_agendamentos()  # outro worker
    pendente.refresh_from_db()
    assert pendente.resultado == Resultado.SUCESSO
    assert Processo.objects.count() == 1
    assert ExecucaoAgendamento.objects.count() == 1
