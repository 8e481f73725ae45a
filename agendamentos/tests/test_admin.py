"""Os agendamentos no admin: o ADMINISTRADOR mantém, pausa e executa; os outros só veem."""

import pytest
from django.urls import reverse

from agendamentos.models import (
    Agendamento,
    Disparo,
    ExecucaoAgendamento,
    Resultado,
    TipoAgendamento,
)
from agendamentos.tests.conftest import MENSAGEM_DA_FALHA
from brm.fabricas import criar_agendamento, criar_cliente, criar_operadora

LISTA = reverse("admin:agendamentos_agendamento_changelist")
NOVO = reverse("admin:agendamentos_agendamento_add")
HISTORICO = reverse("admin:agendamentos_execucaoagendamento_changelist")


def pagina(agendamento) -> str:
    return reverse("admin:agendamentos_agendamento_change", args=[agendamento.pk])


def botao(agendamento, acao: str) -> str:
    return reverse("admin:agendamentos_agendamento_botao", args=[agendamento.pk, acao])


def formulario(**campos) -> dict:
    dados = {
        "nome": "Downloads do dia 5",
        "tipo": TipoAgendamento.BAIXAR_FATURAS,
        "expressao": "0 8 5 * *",
        "operadora": "",
        "ativo": "on",
        "execucoes-TOTAL_FORMS": "0",
        "execucoes-INITIAL_FORMS": "0",
    }
    return {**dados, **campos}


def test_a_lista_mostra_a_expressao_em_palavras_e_os_tres_proximos_horarios(
    relogio, administrador, navegador_de
):
    relogio.em("2027-01-03 10:00")
    criar_agendamento(TipoAgendamento.BAIXAR_FATURAS, expressao="0 8 5 * *", nome="Downloads")
    texto = navegador_de(administrador).get(LISTA).content.decode()
    assert "Downloads" in texto and "0 8 5 * *" in texto
    assert "dia 5 de cada mês às 08:00" in texto
    assert "05/01/2027 08:00<br>05/02/2027 08:00<br>05/03/2027 08:00" in texto


@pytest.mark.parametrize("pessoa", ["operador", "aprovador"])
def test_quem_nao_e_administrador_ve_mas_nao_mexe(relogio, pessoa, request, navegador_de):
    agendamento = criar_agendamento(nome="Criação do mês")
    navegador = navegador_de(request.getfixturevalue(pessoa))
    lista = navegador.get(LISTA)
    assert lista.status_code == 200 and "Criação do mês" in lista.content.decode()
    assert "Executar agora" not in lista.content.decode()  # nem a ação em lote
    pagina_do_agendamento = navegador.get(pagina(agendamento)).content.decode()
    assert "dia 5 de cada mês às 08:00" in pagina_do_agendamento
    assert 'data-acao="executar"' not in pagina_do_agendamento
    assert navegador.get(NOVO).status_code == 403
    assert navegador.post(botao(agendamento, "executar")).status_code == 403
    assert navegador.post(botao(agendamento, "pausar")).status_code == 403
    assert not ExecucaoAgendamento.objects.exists()
    assert Agendamento.objects.get().ativo
    assert navegador.get(HISTORICO).status_code == 200


def test_quem_saiu_da_equipe_nao_ve(relogio, inativo, navegador_de):
    assert navegador_de(inativo).get(LISTA).status_code == 302


def test_administrador_cria_e_o_proximo_horario_fica_guardado(relogio, administrador, navegador_de):
    relogio.em("2027-01-03 10:00")
    vivo = criar_operadora("VIVO")
    resposta = navegador_de(administrador).post(NOVO, formulario(operadora=str(vivo.pk)))
    assert resposta.status_code == 302
    agendamento = Agendamento.objects.get()
    assert agendamento.operadora == vivo
    assert agendamento.proxima_em.isoformat() == "2027-01-05T11:00:00+00:00"


def test_expressao_cron_invalida_e_recusada_com_mensagem_em_portugues(
    relogio, administrador, navegador_de
):
    resposta = navegador_de(administrador).post(NOVO, formulario(expressao="0 25 5 * *"))
    assert resposta.status_code == 200
    assert "Expressão cron inválida: confira a hora (0 a 23)." in resposta.content.decode()
    assert not Agendamento.objects.exists()


def test_operadora_so_nos_tipos_que_a_usam(relogio, administrador, navegador_de):
    vivo = criar_operadora("VIVO")
    resposta = navegador_de(administrador).post(
        NOVO, formulario(tipo=TipoAgendamento.ENVIAR_AO_SAT, operadora=str(vivo.pk))
    )
    assert resposta.status_code == 200
    assert "podem ficar restritos a uma operadora" in resposta.content.decode()
    assert not Agendamento.objects.exists()


def test_botao_executar_agora_roda_e_diz_o_resultado(relogio, administrador, navegador_de):
    criar_cliente(), criar_cliente()
    agendamento = criar_agendamento(nome="Criação do mês")
    navegador = navegador_de(administrador)
    resposta = navegador.post(botao(agendamento, "executar"), follow=True)
    execucao = ExecucaoAgendamento.objects.get()
    assert (execucao.disparo, execucao.disparado_por) == (Disparo.MANUAL, administrador)
    assert execucao.resultado == Resultado.SUCESSO and execucao.itens == 2
    assert "2 processo(s) criado(s)" in resposta.content.decode()


def test_executar_agora_que_falha_mostra_o_erro(
    relogio, resumo_que_falha, administrador, navegador_de
):
    agendamento = criar_agendamento(TipoAgendamento.RESUMO_MENSAL, nome="Resumo")
    resposta = navegador_de(administrador).post(botao(agendamento, "executar"), follow=True)
    assert f"Resumo falhou: {MENSAGEM_DA_FALHA}" in resposta.content.decode()
    assert ExecucaoAgendamento.objects.get().resultado == Resultado.FALHA


def test_botoes_pausar_e_retomar(relogio, administrador, navegador_de):
    agendamento = criar_agendamento()
    navegador = navegador_de(administrador)
    assert 'data-acao="pausar"' in navegador.get(pagina(agendamento)).content.decode()
    navegador.post(botao(agendamento, "pausar"))
    agendamento.refresh_from_db()
    assert not agendamento.ativo
    texto = navegador.get(pagina(agendamento)).content.decode()
    assert 'data-acao="retomar"' in texto and "— (pausado)" in texto
    navegador.post(botao(agendamento, "retomar"))
    agendamento.refresh_from_db()
    assert agendamento.ativo


def test_acoes_em_lote_dizem_quantos_e_por_que_nao(relogio, administrador, navegador_de):
    ativo, pausado = criar_agendamento(), criar_agendamento(ativo=False)
    resposta = navegador_de(administrador).post(
        LISTA,
        {"action": "pausar", "_selected_action": [str(ativo.pk), str(pausado.pk)]},
        follow=True,
    )
    assert "1 agendamento(s) pausado(s). 1 ignorado(s): já estava(m) pausado(s)." in (
        resposta.content.decode()
    )
    assert not Agendamento.objects.filter(ativo=True).exists()


def test_pagina_mostra_as_ultimas_execucoes_e_leva_ao_historico(
    relogio, administrador, navegador_de
):
    agendamento = criar_agendamento(TipoAgendamento.ENVIAR_AO_SAT)
    for _ in range(12):
        relogio.adiantar(minutes=1)
        ExecucaoAgendamento.objects.create(
            agendamento=agendamento,
            disparo=Disparo.MANUAL,
            resultado=Resultado.SUCESSO,
            resumo="0 fatura(s) enviada(s) ao SAT.",
            iniciado_em=relogio.agora,
        )
    navegador = navegador_de(administrador)
    texto = navegador.get(pagina(agendamento)).content.decode()
    assert texto.count("0 fatura(s) enviada(s) ao SAT.") == 10
    assert "Ver todas as 12 execuções" in texto
    filtrada = navegador.get(f"{HISTORICO}?agendamento__id__exact={agendamento.pk}")
    assert filtrada.status_code == 200
    assert filtrada.content.decode().count("0 fatura(s) enviada(s) ao SAT.") == 12
    assert navegador.get(f"{HISTORICO}?resultado__exact=FALHA").status_code == 200


def test_historico_e_somente_leitura_ate_para_o_administrador(relogio, administrador, navegador_de):
    agendamento = criar_agendamento()
    execucao = ExecucaoAgendamento.objects.create(agendamento=agendamento, disparo=Disparo.MANUAL)
    navegador = navegador_de(administrador)
    assert navegador.get(reverse("admin:agendamentos_execucaoagendamento_add")).status_code == 403
    url = reverse("admin:agendamentos_execucaoagendamento_change", args=[execucao.pk])
    assert navegador.post(url, {"resultado": "SUCESSO"}).status_code == 403
