"""Cancelar execuções em lote no admin: a ação aparece para a equipe e pede o motivo antes."""

import pytest
from django.contrib import admin
from django.contrib.admin import helpers
from django.contrib.auth.models import AnonymousUser
from django.test import RequestFactory
from django.urls import reverse
from django.utils import timezone

from brm.fabricas import criar_cliente, criar_processo
from execucoes.models import Execucao, StatusExecucao, TipoExecucao

pytestmark = pytest.mark.django_db

LISTA = reverse("admin:execucoes_execucao_changelist")


def execucao(status=StatusExecucao.EXECUTANDO, job_id=""):
    return Execucao.objects.create(
        processo=criar_processo(criar_cliente()),
        tipo=TipoExecucao.DOWNLOAD_FATURA,
        status=status,
        job_id=job_id,
        iniciada_em=timezone.now(),
    )


def cancelar_em_lote(navegador, execucoes, **extra):
    dados = {
        "action": "cancelar_execucoes",
        helpers.ACTION_CHECKBOX_NAME: [str(e.pk) for e in execucoes],
        **extra,
    }
    return navegador.post(LISTA, dados, follow=True)


def mensagens(resposta) -> str:
    return " | ".join(str(m) for m in resposta.context["messages"])


def status_de(execucoes) -> list[str]:
    return [Execucao.objects.get(pk=e.pk).status for e in execucoes]


@pytest.mark.parametrize("persona", ["administrador", "aprovador", "operador"])
def test_a_acao_de_cancelar_aparece_para_toda_a_equipe(persona, request, navegador_de):
    execucao()
    html = navegador_de(request.getfixturevalue(persona)).get(LISTA).content.decode()
    assert 'value="cancelar_execucoes"' in html
    assert "Cancelar execuções (pede o motivo)" in html


def test_a_acao_nao_existe_para_quem_nao_opera():
    modeladmin = admin.site._registry[Execucao]
    pedido = RequestFactory().get(LISTA)
    pedido.user = AnonymousUser()
    assert "cancelar_execucoes" not in modeladmin.get_actions(pedido)


def test_inativo_nao_cancela_pelo_admin(inativo, navegador_de):
    presa = execucao()
    resposta = cancelar_em_lote(navegador_de(inativo), [presa], motivo="Robô travado")
    assert resposta.redirect_chain and "login" in resposta.redirect_chain[-1][0]
    assert status_de([presa]) == [StatusExecucao.EXECUTANDO]


def test_cancelar_em_lote_pede_o_motivo_antes(operador, navegador_de):
    presas = [execucao(), execucao(StatusExecucao.PENDENTE)]
    navegador = navegador_de(operador)

    pagina = cancelar_em_lote(navegador, presas)
    html = pagina.content.decode()
    assert "Motivo do cancelamento" in html
    assert all(str(e.pk) in html for e in presas)
    assert status_de(presas) == [StatusExecucao.EXECUTANDO, StatusExecucao.PENDENTE]

    vazio = cancelar_em_lote(navegador, presas, motivo="   ")
    assert "Informe o motivo do cancelamento." in vazio.content.decode()
    assert status_de(presas) == [StatusExecucao.EXECUTANDO, StatusExecucao.PENDENTE]


def test_cancelar_em_lote_diz_quantas_e_por_que_as_outras_nao(operador, navegador_de):
    presas = [execucao(job_id="job-a"), execucao(StatusExecucao.PENDENTE)]
    terminada = execucao(StatusExecucao.CONCLUIDO)
    resposta = cancelar_em_lote(navegador_de(operador), [*presas, terminada], motivo="Travou")
    texto = mensagens(resposta)
    assert "2 execução(ões) cancelada(s)." in texto
    assert "1 ignorado(s): A execução já terminou (concluído). (1)" in texto
    assert status_de(presas) == [StatusExecucao.CANCELADO, StatusExecucao.CANCELADO]
    assert status_de([terminada]) == [StatusExecucao.CONCLUIDO]
    for presa in presas:
        presa.refresh_from_db()
        assert presa.cancelada_por == operador
        assert presa.erro == f"Cancelada por {operador}: Travou"


def test_a_pagina_da_execucao_mostra_quem_cancelou(operador, navegador_de):
    presa = execucao()
    navegador = navegador_de(operador)
    cancelar_em_lote(navegador, [presa], motivo="Travou")
    url = reverse("admin:execucoes_execucao_change", args=[presa.pk])
    html = navegador.get(url).content.decode()
    assert "Cancelada por" in html and str(operador) in html
