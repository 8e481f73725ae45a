"""A página do processo e suas partes: quem vê, o que mostra, e quanto custa."""

import datetime as dt
import uuid
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from brm.fabricas import criar_cliente, criar_processo
from execucoes.models import Execucao, LogExecucao, StatusExecucao, TipoExecucao
from processos import acoes
from processos.acoes import Pedido
from processos.models import Origem, StatusProcesso

pytestmark = pytest.mark.django_db
PDF = b"%PDF-1.4\n%%EOF\n"


def com_fatura(usuario, processo=None, valor=Decimal("100.00")):
    processo = processo or criar_processo()
    acoes.upload_manual(
        processo,
        Pedido(usuario=usuario, origem=Origem.WEB),
        conteudo=PDF,
        valor=valor,
        vencimento=dt.date(2026, 4, 10),
    )
    processo.refresh_from_db()
    return processo


def test_pagina_mostra_resumo_fatura_historico_e_botoes(operador, aprovador, navegador_de):
    processo = com_fatura(operador)
    html = (
        navegador_de(aprovador)
        .get(reverse("processo_detalhe", args=[processo.pk]))
        .content.decode()
    )
    for trecho in (
        processo.cliente.razao_social,
        processo.cliente.cnpj_formatado,
        "03/2026",
        "Aguardando aprovação",
        "R$ 100,00",
        "10/04/2026",
        reverse("processo_fatura", args=[processo.pk]),
        'data-acao="aprovar"',
        'data-acao="rejeitar"',
        "Fatura enviada à mão",
        "processo.js",
    ):
        assert trecho in html, trecho
    assert "cdn" not in html.lower()


def test_operador_nao_ve_botao_de_aprovar(operador, navegador_de):
    processo = com_fatura(operador)
    html = (
        navegador_de(operador).get(reverse("processo_detalhe", args=[processo.pk])).content.decode()
    )
    assert 'data-acao="aprovar"' not in html


def test_pdf_inline_para_a_equipe_e_so_para_ela(operador, client):
    processo = com_fatura(operador)
    url = reverse("processo_fatura", args=[processo.pk])
    assert client.get(url).status_code == 302
    client.force_login(operador)
    resposta = client.get(url)
    assert resposta.status_code == 200 and resposta.getvalue() == PDF
    assert resposta["Content-Type"] == "application/pdf"
    assert resposta["Content-Disposition"].startswith("inline")
    assert resposta["X-Frame-Options"] == "SAMEORIGIN"
    assert (
        client.get(
            reverse("processo_fatura", args=[criar_processo(criar_cliente()).pk])
        ).status_code
        == 404
    )


def test_log_inteiro_como_texto(operador, navegador_de):
    processo = criar_processo()
    execucao = Execucao.objects.create(
        processo=processo, tipo=TipoExecucao.DOWNLOAD_FATURA, job_id="j9"
    )
    for numero in range(3):
        LogExecucao.objects.create(
            execucao=execucao, nivel="WARN" if numero == 2 else "INFO", mensagem=f"passo {numero}"
        )
    resposta = navegador_de(operador).get(reverse("execucao_log", args=[execucao.pk]) + "?baixar=1")
    texto = resposta.content.decode()
    assert resposta["Content-Disposition"].startswith('attachment; filename="log-j9.txt"')
    assert texto.splitlines()[-1].endswith("[WARN] passo 2") and len(texto.splitlines()) == 3


def test_log_em_texto_na_hora_local_com_o_fuso(operador, navegador_de):
    execucao = Execucao.objects.create(processo=criar_processo(), tipo=TipoExecucao.DOWNLOAD_FATURA)
    for momento, mensagem in [
        (dt.datetime(2026, 3, 5, 13, 0, 1, 500000, tzinfo=dt.UTC), "depois"),
        (dt.datetime(2026, 3, 5, 2, 59, 59, tzinfo=dt.UTC), "antes, ainda no dia 4 em São Paulo"),
    ]:
        LogExecucao.objects.create(execucao=execucao, mensagem=mensagem, momento=momento)
    texto = navegador_de(operador).get(reverse("execucao_log", args=[execucao.pk])).content
    assert texto.decode().splitlines() == [
        "2026-03-04 23:59:59.000 -0300 [INFO] antes, ainda no dia 4 em São Paulo",
        "2026-03-05 10:00:01.500 -0300 [INFO] depois",
    ]


def test_log_de_job_com_id_estranho_nao_quebra_o_cabecalho(operador, navegador_de):
    execucao = Execucao.objects.create(
        processo=criar_processo(),
        tipo=TipoExecucao.DOWNLOAD_FATURA,
        job_id='a"b\r\nSet-Cookie: x=1',
    )
    resposta = navegador_de(operador).get(reverse("execucao_log", args=[execucao.pk]) + "?baixar=1")
    assert resposta.status_code == 200
    cabecalho = resposta["Content-Disposition"]
    assert cabecalho.startswith("attachment;") and "\r" not in cabecalho and "\n" not in cabecalho
    assert "Set-Cookie" not in resposta.cookies


def test_meses_anteriores_com_variacao_e_fatura_repetida(operador, aprovador, navegador_de):
    cliente = criar_cliente()
    anterior = com_fatura(
        operador, criar_processo(cliente, competencia=dt.date(2026, 2, 1)), Decimal("80.00")
    )
    atual = com_fatura(
        operador, criar_processo(cliente, competencia=dt.date(2026, 3, 1)), Decimal("100.00")
    )
    html = (
        navegador_de(aprovador).get(reverse("processo_detalhe", args=[atual.pk])).content.decode()
    )
    assert "02/2026" in html and "25,0%" in html
    assert 'id="fatura-repetida"' in html and anterior.fatura_sha256 == atual.fatura_sha256


def test_botao_da_pagina_volta_para_a_pagina(operador, navegador_de):
    processo = criar_processo()
    pagina = reverse("processo_detalhe", args=[processo.pk])
    resposta = navegador_de(operador).post(
        reverse("admin:processos_processo_acao", args=[processo.pk, "executar_download"]),
        {"next": pagina},
    )
    assert resposta.status_code == 302 and resposta["Location"] == pagina
    assert processo.execucoes.get().status == StatusExecucao.PENDENTE


def test_next_para_outro_site_e_ignorado(operador, navegador_de):
    processo = criar_processo()
    resposta = navegador_de(operador).post(
        reverse("admin:processos_processo_acao", args=[processo.pk, "executar_download"]),
        {"next": "https://malicioso.example/"},
    )
    assert "malicioso" not in resposta["Location"]


def test_partes_atualizaveis(operador, navegador_de):
    processo = criar_processo()
    Execucao.objects.create(
        processo=processo,
        tipo=TipoExecucao.DOWNLOAD_FATURA,
        status=StatusExecucao.EXECUTANDO,
        progresso=40,
    )
    navegador = navegador_de(operador)
    tabela = navegador.get(reverse("processo_execucoes", args=[processo.pk])).content.decode()
    assert 'data-status="EXECUTANDO"' in tabela and "40%" in tabela
    resumo = navegador.get(reverse("processo_resumo", args=[processo.pk])).content.decode()
    assert 'id="status-processo"' in resumo and 'data-acao="executar_download"' not in resumo


def test_quem_nao_esta_logado_vai_para_o_login_e_desconhecido_404(client, operador):
    processo = criar_processo()
    assert client.get(reverse("processo_detalhe", args=[processo.pk])).status_code == 302
    client.force_login(operador)
    assert client.get(reverse("processo_detalhe", args=[uuid.uuid4()])).status_code == 404


def test_consultas_da_pagina_nao_crescem_com_execucoes_e_historico(
    operador, aprovador, navegador_de
):
    navegador = navegador_de(aprovador)

    def consultas(processo) -> int:
        with CaptureQueriesContext(connection) as capturadas:
            assert navegador.get(reverse("processo_detalhe", args=[processo.pk])).status_code == 200
        return len(capturadas)

    pouco = com_fatura(operador)
    muito = com_fatura(operador, criar_processo(criar_cliente()))
    for _ in range(10):
        Execucao.objects.create(
            processo=muito, tipo=TipoExecucao.DOWNLOAD_FATURA, status=StatusExecucao.FALHOU
        )
    assert consultas(pouco) == consultas(muito)
    assert muito.status == StatusProcesso.AGUARDANDO_APROVACAO


def test_fatura_que_sumiu_do_armazenamento_da_404_na_pagina_e_na_api(operador, navegador_de):
    processo = com_fatura(operador)
    processo.fatura.storage.delete(processo.fatura.name)
    navegador = navegador_de(operador)
    assert navegador.get(reverse("processo_fatura", args=[processo.pk])).status_code == 404
    resposta = navegador.get(f"/api/processos/{processo.pk}/fatura/")
    assert resposta.status_code == 404
    assert "não está no armazenamento" in resposta.json()["detail"]


def test_fatura_sai_inteira_com_o_nome_do_arquivo(operador, navegador_de):
    processo = com_fatura(operador)
    resposta = navegador_de(operador).get(reverse("processo_fatura", args=[processo.pk]))
    assert b"".join(resposta.streaming_content) == PDF
    assert resposta["Content-Disposition"].startswith('inline; filename="')


def test_log_em_texto_no_horario_de_verao_de_antes(operador, navegador_de):
    execucao = Execucao.objects.create(processo=criar_processo(), tipo=TipoExecucao.DOWNLOAD_FATURA)
    momento = dt.datetime(2018, 11, 4, 3, 30, tzinfo=dt.UTC)  # o 1º dia do horário de verão de 2018
    LogExecucao.objects.create(execucao=execucao, mensagem="verão", momento=momento)
    texto = navegador_de(operador).get(reverse("execucao_log", args=[execucao.pk])).content
    assert texto.decode() == "2018-11-04 01:30:00.000 -0200 [INFO] verão\n"
