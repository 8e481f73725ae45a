"""O que o robô devolve é conferido: a fatura tem de ser do cliente, os valores têm de ser reais, e
nada do que ele mande deixa uma execução presa (worker de verdade contra o simulador)."""

import datetime as dt

import pytest
import requests
from django.utils import timezone

from brm.fabricas import criar_cliente, criar_processo, criar_usuario, esperar, gerar_cnpj
from execucoes import acompanhamento
from execucoes.models import Execucao, LogExecucao, StatusExecucao
from processos import acoes
from processos.acoes import Pedido
from processos.models import Origem, Processo, StatusProcesso

pytestmark = pytest.mark.django_db(transaction=True)


def controle(sim, nome, **dados):
    resposta = requests.post(f"{sim.url}/__simulador/{nome}", json=dados, timeout=5)
    assert resposta.status_code == 200, resposta.text
    return resposta.json()


def pedir_download(processo) -> Execucao:
    return acoes.executar_download(
        processo, Pedido(usuario=criar_usuario("OPERADOR"), origem=Origem.WEB)
    )


def terminada(execucao) -> Execucao:
    return esperar(
        lambda: (
            Execucao.objects.filter(pk=execucao.pk)
            .exclude(status__in=[StatusExecucao.PENDENTE, StatusExecucao.EXECUTANDO])
            .first()
        ),
        prazo=20,
        mensagem="a execução ficou presa",
    )


@pytest.fixture
def uma_tentativa(settings):
    settings.RPA_MAX_TENTATIVAS = 1


@pytest.mark.lento
def test_fatura_do_cliente_e_conferida_e_a_pagina_mostra(worker, navegador_de, administrador):
    processo = criar_processo()
    execucao = terminada(pedir_download(processo))
    assert execucao.status == StatusExecucao.CONCLUIDO
    assert execucao.conferencia["ok"] is True
    assert processo.cliente.cnpj_formatado in execucao.conferencia["mensagem"]
    pagina = navegador_de(administrador).get(f"/processos/{processo.pk}/").content.decode()
    assert 'id="conferencia-do-cliente"' in pagina and "Conferida" in pagina


@pytest.mark.lento
def test_fatura_de_outro_cliente_e_recusada_e_nada_e_anexado(
    worker, simulador_exclusivo, uma_tentativa, navegador_de, administrador
):
    outro = criar_cliente()
    controle(
        simulador_exclusivo,
        "falhas/resultado",
        pdf_cnpj=outro.cnpj_formatado,
        pdf_filtro=outro.filtro,
    )
    processo = criar_processo()
    execucao = terminada(pedir_download(processo))
    processo.refresh_from_db()
    assert execucao.status == StatusExecucao.FALHOU
    assert "não menciona o cliente deste processo" in execucao.erro
    assert execucao.conferencia["ok"] is False
    assert (processo.status, processo.fatura.name, processo.transicoes.count()) == (
        StatusProcesso.AGUARDANDO_DOWNLOAD,
        "",
        0,
    )
    pagina = navegador_de(administrador).get(f"/processos/{processo.pk}/").content.decode()
    assert "Recusada" in pagina and "não menciona o cliente" in pagina


@pytest.mark.lento
@pytest.mark.parametrize(
    ("resultado", "mensagem"),
    [
        ({"arquivo_fatura": "{url}", "valor_fatura": "NaN"}, "valor de fatura inválido"),
        (
            {"arquivo_fatura": "{url}", "valor_fatura": "99999999999999999999"},
            "valor de fatura inválido",
        ),
        ({"arquivo_fatura": "{url}", "valor_fatura": "-3"}, "valor de fatura inválido"),
        (
            {"arquivo_fatura": "{url}", "data_vencimento": "2026-02-30"},
            "data de vencimento inválida",
        ),
        ({"arquivo_fatura": "{url}\u0000"}, "arquivo de fatura inválido"),
        ({"valor_fatura": "10.00"}, "sem informar o arquivo"),
        (12, "sem informar o arquivo"),
    ],
)
def test_resultado_invalido_termina_em_falha_clara_e_nao_fica_preso(
    worker, simulador_exclusivo, uma_tentativa, resultado, mensagem
):
    controle(simulador_exclusivo, "falhas/resultado", resultado=resultado)
    processo = criar_processo()
    execucao = terminada(pedir_download(processo))
    assert execucao.status == StatusExecucao.FALHOU
    assert mensagem in execucao.erro
    assert Processo.objects.get(pk=processo.pk).status == StatusProcesso.AGUARDANDO_DOWNLOAD


@pytest.mark.lento
def test_fatura_em_outro_host_e_recusada_sem_mandar_o_token(
    worker, simulador_exclusivo, uma_tentativa
):
    controle(
        simulador_exclusivo,
        "falhas/resultado",
        resultado={"arquivo_fatura": "http://127.0.0.1:9/internal/admin?x=1"},
    )
    execucao = terminada(pedir_download(criar_processo()))
    assert execucao.status == StatusExecucao.FALHOU
    assert "outro endereço" in execucao.erro


@pytest.mark.lento
def test_arquivo_que_nao_e_pdf_e_recusado(worker, simulador_exclusivo, uma_tentativa):
    controle(simulador_exclusivo, "falhas/resultado", pdf=False)
    execucao = terminada(pedir_download(criar_processo()))
    assert execucao.status == StatusExecucao.FALHOU
    assert "não é um PDF" in execucao.erro


@pytest.mark.lento
def test_erro_e_log_com_nul_sao_guardados_limpos(worker, simulador_exclusivo, uma_tentativa):
    controle(simulador_exclusivo, "ajustes", velocidade=2)
    execucao = pedir_download(criar_processo())
    execucao = esperar(
        lambda: Execucao.objects.filter(pk=execucao.pk).exclude(job_id="").first(), prazo=15
    )
    controle(
        simulador_exclusivo,
        "falhas/log",
        job_id=execucao.job_id,
        mensagem="linha\u0000 com\x07 NUL",
    )
    controle(
        simulador_exclusivo, "falhas/job", job_id=execucao.job_id, erro="falhou\u0000 aqui\r\n"
    )
    controle(simulador_exclusivo, "ajustes", velocidade=20)
    execucao = terminada(execucao)
    assert execucao.status == StatusExecucao.FALHOU
    assert execucao.erro == "falhou aqui\n"
    mensagens = list(
        LogExecucao.objects.filter(execucao=execucao).values_list("mensagem", flat=True)
    )
    assert "linha com NUL" in mensagens
    assert not any("\x00" in mensagem for mensagem in mensagens)


@pytest.mark.lento
def test_erro_inesperado_fica_na_execucao_e_depois_de_tres_ela_falha(
    worker, monkeypatch, uma_tentativa
):
    def quebra(*args, **kwargs):
        raise RuntimeError("defeito no tratamento")

    monkeypatch.setattr("execucoes.desfechos.concluir_download", quebra)
    quebrada = pedir_download(criar_processo())
    execucao = terminada(quebrada)
    assert execucao.status == StatusExecucao.FALHOU
    assert "RuntimeError" in execucao.erro and execucao.falhas_internas == 3
    # O worker seguiu vivo e atendendo os outros.
    monkeypatch.undo()
    outra = terminada(pedir_download(criar_processo()))
    assert outra.status == StatusExecucao.CONCLUIDO


def test_prazo_vence_mesmo_com_a_consulta_quebrando(monkeypatch, settings):
    settings.RPA_MAX_TENTATIVAS = 1
    processo = criar_processo()
    execucao = pedir_download(processo)
    Execucao.objects.filter(pk=execucao.pk).update(
        status=StatusExecucao.EXECUTANDO,
        job_id="job-pendurado",
        iniciada_em=timezone.now() - dt.timedelta(hours=5),
    )

    def quebra(execucao_id):
        raise RuntimeError("consulta sempre quebra")

    monkeypatch.setattr(acompanhamento, "consultar", quebra)
    for execucao_id in acompanhamento.reivindicar_consultas():
        acompanhamento.consultar_isolado(execucao_id)  # falha, contida na execução
    assert acompanhamento.vencer_prazos() == 1
    execucao.refresh_from_db()
    assert execucao.status == StatusExecucao.TIMEOUT


def test_cliente_e_reconhecido_pelo_cnpj_ou_pela_conta_so_como_palavra_inteira():
    cliente = criar_cliente(cnpj=gerar_cnpj(4242), filtro="12345")
    assert cliente.mencao_em(f"Cliente: {cliente.cnpj_formatado}").startswith("CNPJ")
    assert cliente.mencao_em(f"CNPJ {cliente.cnpj} LTDA").startswith("CNPJ")
    assert cliente.mencao_em("Conta / filtro: 12345\n") == "conta/filtro 12345"
    assert cliente.mencao_em("Conta 123456 e 012345") == ""
    assert cliente.mencao_em(f"{cliente.cnpj}9") == ""
    curto = criar_cliente(filtro="12")
    assert curto.mencao_em("fatura 12 de 12") == ""
