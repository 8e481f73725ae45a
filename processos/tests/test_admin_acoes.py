"""As ações no admin: em lote (com o resumo do que mudou e por que o resto não) e pelos botões."""

import datetime as dt
from decimal import Decimal

import pytest
from django.contrib.admin import helpers
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from brm.fabricas import criar_cliente, criar_operadora, criar_processo
from execucoes.models import Execucao, StatusExecucao, TipoExecucao
from processos import acoes
from processos.acoes import Pedido
from processos.models import Origem, Processo, StatusProcesso

pytestmark = pytest.mark.django_db

LISTA = reverse("admin:processos_processo_changelist")
PDF = b"%PDF-1.4\n%%EOF\n"


def acao_em_lote(navegador, acao: str, processos, **extra):
    dados = {"action": acao, helpers.ACTION_CHECKBOX_NAME: [str(p.pk) for p in processos], **extra}
    return navegador.post(LISTA, dados, follow=True)


def mensagens(resposta) -> str:
    return " | ".join(str(m) for m in resposta.context["messages"])


def em_aprovacao(usuario):
    processo = criar_processo(criar_cliente())
    acoes.upload_manual(
        processo,
        Pedido(usuario=usuario, origem=Origem.WEB),
        conteudo=PDF,
        valor=Decimal(10),
        vencimento=dt.date(2026, 4, 10),
    )
    return processo


def test_download_em_lote_diz_quantos_e_por_que_os_outros_nao(operador, navegador_de):
    com_robo = [criar_processo(criar_cliente()) for _ in range(3)]
    sem_robo = criar_processo(criar_cliente(criar_operadora("AZUTON", possui_rpa=False)))
    resposta = acao_em_lote(navegador_de(operador), "executar_download", [*com_robo, sem_robo])
    texto = mensagens(resposta)
    assert "3 processo(s) enviado(s) ao robô." in texto
    assert "1 ignorado(s): A operadora AZUTON não tem robô" in texto
    assert Execucao.objects.count() == 3


def test_rejeitar_em_lote_pede_o_motivo_antes(aprovador, operador, navegador_de):
    processos = [em_aprovacao(operador), em_aprovacao(operador)]
    navegador = navegador_de(aprovador)
    pagina = acao_em_lote(navegador, "rejeitar", processos)
    assert "Motivo da rejeição" in pagina.content.decode()
    assert Processo.objects.filter(status=StatusProcesso.AGUARDANDO_APROVACAO).count() == 2

    vazio = acao_em_lote(navegador, "rejeitar", processos, motivo="   ")
    assert "Informe o motivo" in vazio.content.decode()
    assert Processo.objects.filter(status=StatusProcesso.AGUARDANDO_APROVACAO).count() == 2

    feito = acao_em_lote(navegador, "rejeitar", processos, motivo="Valor divergente")
    assert "2 processo(s) rejeitado(s)." in mensagens(feito)
    assert Processo.objects.filter(status=StatusProcesso.AGUARDANDO_DOWNLOAD).count() == 2


def test_botoes_da_pagina_do_processo_seguem_perfil_e_estado(operador, aprovador, navegador_de):
    processo = em_aprovacao(operador)
    url = reverse("admin:processos_processo_change", args=[processo.pk])
    html_operador = navegador_de(operador).get(url).content.decode()
    assert (
        "Aprovar" not in html_operador.split('id="acoes-do-processo"')[-1][:50]
        or 'id="acoes-do-processo"' not in html_operador
    )
    html_aprovador = navegador_de(aprovador).get(url).content.decode()
    assert 'id="acoes-do-processo"' in html_aprovador and "Motivo da rejeição" in html_aprovador


def test_botao_aprovar_com_vencimento_e_observacao(operador, aprovador, navegador_de):
    processo = em_aprovacao(operador)
    url = reverse("admin:processos_processo_acao", args=[processo.pk, "aprovar"])
    resposta = navegador_de(aprovador).post(
        url, {"observacao": "ok", "valor": "10,50", "vencimento": "20/04/2026"}, follow=True
    )
    assert "Fatura aprovada." in mensagens(resposta)
    processo.refresh_from_db()
    assert processo.status == StatusProcesso.AGUARDANDO_ENVIO_SAT
    assert (processo.valor, processo.vencimento) == (Decimal("10.50"), dt.date(2026, 4, 20))


def test_botao_rejeitar_sem_motivo_nao_muda_nada(operador, aprovador, navegador_de):
    processo = em_aprovacao(operador)
    url = reverse("admin:processos_processo_acao", args=[processo.pk, "rejeitar"])
    resposta = navegador_de(aprovador).post(url, {"motivo": ""}, follow=True)
    assert "Não foi feito" in mensagens(resposta)
    processo.refresh_from_db()
    assert processo.status == StatusProcesso.AGUARDANDO_APROVACAO


def test_upload_manual_pela_pagina(operador, navegador_de):
    processo = criar_processo(criar_cliente(criar_operadora("AZUTON", possui_rpa=False)))
    url = reverse("admin:processos_processo_acao", args=[processo.pk, "upload"])
    arquivo = SimpleUploadedFile("fatura.pdf", PDF, content_type="application/pdf")
    resposta = navegador_de(operador).post(
        url, {"arquivo": arquivo, "valor": "99,90", "vencimento": "10/04/2026"}, follow=True
    )
    assert "Fatura enviada" in mensagens(resposta)
    processo.refresh_from_db()
    assert processo.status == StatusProcesso.AGUARDANDO_APROVACAO and processo.upload_manual


def test_upload_de_arquivo_que_nao_e_pdf_explica(operador, navegador_de):
    processo = criar_processo()
    url = reverse("admin:processos_processo_acao", args=[processo.pk, "upload"])
    arquivo = SimpleUploadedFile(
        "fatura.pdf", b"MZ\x90\x00 executavel", content_type="application/pdf"
    )
    resposta = navegador_de(operador).post(
        url, {"arquivo": arquivo, "valor": "1", "vencimento": "10/04/2026"}, follow=True
    )
    assert "não é um PDF" in mensagens(resposta)
    processo.refresh_from_db()
    assert processo.status == StatusProcesso.AGUARDANDO_DOWNLOAD and not processo.fatura


def test_acao_desconhecida_e_get_nao_fazem_nada(operador, navegador_de):
    processo = criar_processo()
    navegador = navegador_de(operador)
    assert (
        navegador.post(
            reverse("admin:processos_processo_acao", args=[processo.pk, "apagar_tudo"])
        ).status_code
        == 403
    )
    assert (
        navegador.get(
            reverse("admin:processos_processo_acao", args=[processo.pk, "executar_download"])
        ).status_code
        == 302
    )
    assert Execucao.objects.count() == 0


def test_repetir_falhas_da_competencia(operador, navegador_de):
    falhou, ok = criar_processo(criar_cliente()), criar_processo(criar_cliente())
    for processo, status in ((falhou, StatusExecucao.FALHOU), (ok, StatusExecucao.CONCLUIDO)):
        Processo.registrar_execucao(
            Execucao.objects.create(
                processo=processo, tipo=TipoExecucao.DOWNLOAD_FATURA, status=status
            )
        )
    resposta = navegador_de(operador).post(
        reverse("admin:processos_processo_repetir_falhas"), {"competencia": "03/2026"}, follow=True
    )
    assert "1 processo(s) reexecutado(s)." in mensagens(resposta)
    assert falhou.execucoes.filter(status=StatusExecucao.PENDENTE).count() == 1
    assert ok.execucoes.count() == 1
