"""O botão “Cancelar execução” na página do processo e na página do admin (com o motivo)."""

import pytest
from django.urls import reverse
from django.utils import timezone

from brm.fabricas import criar_processo
from execucoes.models import Execucao, StatusExecucao, TipoExecucao

pytestmark = pytest.mark.django_db


def com_execucao(status=StatusExecucao.EXECUTANDO):
    processo = criar_processo()
    execucao = Execucao.objects.create(
        processo=processo,
        tipo=TipoExecucao.DOWNLOAD_FATURA,
        status=status,
        job_id="job-preso" if status == StatusExecucao.EXECUTANDO else "",
        iniciada_em=timezone.now(),
    )
    return processo, execucao


def paginas(processo) -> list[str]:
    return [
        reverse("processo_detalhe", args=[processo.pk]),
        reverse("processo_resumo", args=[processo.pk]),
        reverse("admin:processos_processo_change", args=[processo.pk]),
    ]


def url_cancelar(processo) -> str:
    return reverse("admin:processos_processo_acao", args=[processo.pk, "cancelar_execucao"])


def mensagens(resposta) -> str:
    return " | ".join(str(m) for m in resposta.context["messages"])


@pytest.mark.parametrize("persona", ["administrador", "aprovador", "operador"])
@pytest.mark.parametrize("status", [StatusExecucao.PENDENTE, StatusExecucao.EXECUTANDO])
def test_com_execucao_ativa_a_equipe_ve_o_botao_com_o_motivo(
    persona, status, request, navegador_de
):
    processo, _ = com_execucao(status)
    navegador = navegador_de(request.getfixturevalue(persona))
    for url in paginas(processo):
        html = navegador.get(url).content.decode()
        assert url_cancelar(processo) in html, url
        assert "Cancelar execução" in html and "Motivo do cancelamento" in html, url


def test_sem_execucao_ativa_nao_ha_botao_de_cancelar(operador, navegador_de):
    processo, _ = com_execucao(StatusExecucao.FALHOU)
    navegador = navegador_de(operador)
    for url in paginas(processo):
        assert url_cancelar(processo) not in navegador.get(url).content.decode(), url


def test_botao_cancela_e_o_processo_pode_rodar_de_novo(operador, navegador_de):
    processo, execucao = com_execucao()
    navegador = navegador_de(operador)
    voltar = reverse("processo_detalhe", args=[processo.pk])
    resposta = navegador.post(
        url_cancelar(processo), {"motivo": "Robô travado", "next": voltar}, follow=True
    )
    assert resposta.redirect_chain[-1][0] == voltar
    assert "Execução cancelada; o processo pode ser executado de novo." in mensagens(resposta)
    execucao.refresh_from_db()
    assert execucao.status == StatusExecucao.CANCELADO
    assert execucao.erro == f"Cancelada por {operador}: Robô travado"

    html = resposta.content.decode()
    assert 'data-acao="executar_novamente"' in html
    assert url_cancelar(processo) not in html
    navegador.post(
        reverse("admin:processos_processo_acao", args=[processo.pk, "executar_novamente"])
    )
    assert processo.execucoes.filter(status=StatusExecucao.PENDENTE).count() == 1


def test_botao_sem_motivo_nao_cancela(operador, navegador_de):
    processo, execucao = com_execucao()
    resposta = navegador_de(operador).post(url_cancelar(processo), {"motivo": " "}, follow=True)
    assert "Não foi feito: Motivo do cancelamento: Informe o motivo do cancelamento." in (
        mensagens(resposta)
    )
    execucao.refresh_from_db()
    assert execucao.status == StatusExecucao.EXECUTANDO


def test_botao_quando_a_execucao_ja_terminou_explica(operador, navegador_de):
    processo, execucao = com_execucao(StatusExecucao.CONCLUIDO)
    resposta = navegador_de(operador).post(
        url_cancelar(processo), {"motivo": "Robô travado"}, follow=True
    )
    assert "Não há execução em andamento neste processo." in mensagens(resposta)
    execucao.refresh_from_db()
    assert execucao.status == StatusExecucao.CONCLUIDO


def test_quem_esta_fora_da_equipe_nao_cancela(inativo, client):
    processo, execucao = com_execucao()
    assert client.post(url_cancelar(processo), {"motivo": "x"}).status_code == 302
    client.force_login(inativo)
    assert client.post(url_cancelar(processo), {"motivo": "x"}).status_code == 302
    execucao.refresh_from_db()
    assert execucao.status == StatusExecucao.EXECUTANDO
