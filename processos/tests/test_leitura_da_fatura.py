"""Valor e vencimento lidos do PDF quando o robô não os informa: nos PDFs do simulador, em PDFs de
outros formatos, nos que não trazem os valores e nos quebrados (nada preenchido, nenhum erro)."""

import datetime as dt
from decimal import Decimal

import pytest
import requests
from django.core.files.base import ContentFile
from django.utils import timezone

from brm.fabricas import criar_processo, criar_usuario, esperar
from execucoes import desfechos
from execucoes.faturas import Conferencia
from execucoes.models import Execucao, StatusExecucao, TipoExecucao
from execucoes.rpa import FaturaDoRobo
from processos import acoes
from processos.acoes import Pedido
from processos.leitura_da_fatura import (
    ValoresLidos,
    completar_pelo_pdf,
    ler_valores,
    ler_valores_do_pdf,
)
from processos.models import Origem, Processo, StatusProcesso
from simulador.pdf import Fatura, fatura_pdf, pdf_de_texto


def pdf_do_simulador(valor: str, vencimento: dt.date, **campos) -> bytes:
    dados = {
        "operadora": "VIVO",
        "cnpj": "12.345.678/0001-95",
        "filtro": "4455",
        "competencia": "03/2026",
        "valor": valor,
        "vencimento": vencimento,
        "job_id": "job-1",
        **campos,
    }
    return fatura_pdf(Fatura(**dados))


@pytest.mark.parametrize(
    ("valor", "esperado"),
    [
        ("1234.56", Decimal("1234.56")),
        ("0.00", Decimal("0.00")),
        ("987654321.09", Decimal("987654321.09")),
        ("15.50", Decimal("15.50")),
    ],
)
def test_le_valor_e_vencimento_dos_pdfs_do_simulador(valor, esperado):
    pdf = pdf_do_simulador(valor, dt.date(2026, 4, 10))
    assert ler_valores_do_pdf(pdf) == ValoresLidos(esperado, dt.date(2026, 4, 10))


def test_a_competencia_e_o_cnpj_nao_passam_por_vencimento_nem_por_valor():
    texto = "Cliente (CNPJ): 12.345.678/0001-95\nCompetência: 03/2026\nConta 1.234,5678"
    assert ler_valores(texto) == ValoresLidos()


@pytest.mark.parametrize(
    ("texto", "valor", "vencimento"),
    [
        ("TOTAL A PAGAR\nR$ 2.345,67\nData de vencimento\n05/05/2026", "2345.67", (2026, 5, 5)),
        ("Valor a pagar (R$): 99,90 — Vencimento em 01.06.2026", "99.90", (2026, 6, 1)),
        ("Valor total: R$ 120,00\nTotal a pagar: R$ 100,00 (desconto)", "100.00", None),
        ("Total da fatura R$ 1.000.000,00\nVenc.: 31/12/2026", "1000000.00", (2026, 12, 31)),
    ],
)
def test_le_outros_formatos_de_fatura(texto, valor, vencimento):
    lidos = ler_valores(texto)
    assert lidos.valor == Decimal(valor)
    assert lidos.vencimento == (dt.date(*vencimento) if vencimento else None)


@pytest.mark.parametrize(
    "texto",
    [
        "Plano Empresa R$ 99,90\nEmitida em 01/03/2026",  # um R$ e uma data sem rótulo
        "Valor total: R$ 10,00\nValor total: R$ 20,00",  # o mesmo rótulo com valores diferentes
        "Vencimento: 31/02/2026",  # data que não existe
        "Vencimento: 10/04/2026\nVencimento: 10/05/2026",  # dois vencimentos
        "Valor total: a combinar",
    ],
)
def test_na_duvida_nao_preenche(texto):
    assert ler_valores(texto) == ValoresLidos()


def test_pdf_sem_os_valores_nao_preenche_nada():
    pdf = pdf_de_texto(["Fatura VIVO", "Cliente (CNPJ): 12.345.678/0001-95", "Obrigado!"])
    assert ler_valores_do_pdf(pdf) == ValoresLidos()


@pytest.mark.parametrize(
    "conteudo",
    [
        b"",
        b"%PDF-1.4\nisto nao e um pdf\n%%EOF\n",
        b"<!DOCTYPE html><html>502 Bad Gateway</html>",
        pdf_do_simulador("10.00", dt.date(2026, 4, 10))[:200],  # cortado no meio
    ],
)
def test_pdf_quebrado_nao_preenche_nem_levanta(conteudo):
    assert ler_valores_do_pdf(conteudo) == ValoresLidos()


@pytest.mark.django_db
def test_completar_so_preenche_o_que_falta_e_marca_para_conferir():
    processo = criar_processo(valor=Decimal("50.00"))
    pdf = pdf_do_simulador("1234.56", dt.date(2026, 4, 10))
    assert completar_pelo_pdf(processo, pdf) == ["vencimento", "vencimento_lido_do_pdf"]
    assert processo.valor == Decimal("50.00") and not processo.valor_lido_do_pdf
    assert processo.vencimento == dt.date(2026, 4, 10) and processo.vencimento_lido_do_pdf


@pytest.mark.django_db
def test_completar_le_a_fatura_guardada_e_tolera_arquivo_sumido():
    processo = criar_processo()
    processo.fatura.save("f.pdf", ContentFile(pdf_do_simulador("77.00", dt.date(2026, 4, 9))))
    assert completar_pelo_pdf(processo) and processo.valor == Decimal("77.00")
    sumido = criar_processo(competencia=dt.date(2026, 4, 1), cliente=processo.cliente)
    sumido.fatura.name = "faturas/nao-existe.pdf"
    assert completar_pelo_pdf(sumido) == [] and sumido.valor is None


def _download_em_andamento():
    processo = criar_processo()
    return Execucao.objects.create(
        processo=processo,
        tipo=TipoExecucao.DOWNLOAD_FATURA,
        status=StatusExecucao.EXECUTANDO,
        job_id="job-leitura",
        iniciada_em=timezone.now(),
    )


@pytest.mark.django_db
def test_fatura_que_chega_sem_valores_do_robo_os_traz_do_pdf_marcados():
    execucao = _download_em_andamento()
    pdf = pdf_do_simulador("1234.56", dt.date(2026, 4, 10))
    fatura = FaturaDoRobo(origem="http://robo/f.pdf", valor=None, vencimento=None)
    desfechos.concluir_download(
        execucao.pk, fatura=fatura, pdf=pdf, conferencia=Conferencia(True, "ok")
    )
    processo = execucao.processo
    processo.refresh_from_db()
    assert processo.status == StatusProcesso.AGUARDANDO_APROVACAO
    assert (processo.valor, processo.vencimento) == (Decimal("1234.56"), dt.date(2026, 4, 10))
    assert processo.valor_lido_do_pdf and processo.vencimento_lido_do_pdf


@pytest.mark.django_db
def test_valores_do_robo_valem_mais_que_os_do_pdf():
    execucao = _download_em_andamento()
    pdf = pdf_do_simulador("1234.56", dt.date(2026, 4, 10))
    fatura = FaturaDoRobo(origem="x", valor=Decimal("99.00"), vencimento=dt.date(2026, 4, 12))
    desfechos.concluir_download(
        execucao.pk, fatura=fatura, pdf=pdf, conferencia=Conferencia(True, "ok")
    )
    processo = execucao.processo
    processo.refresh_from_db()
    assert (processo.valor, processo.vencimento) == (Decimal("99.00"), dt.date(2026, 4, 12))
    assert not processo.lidos_do_pdf


@pytest.mark.lento
@pytest.mark.django_db(transaction=True)
def test_robo_que_so_devolve_o_pdf_deixa_os_valores_do_pdf_para_conferir(
    worker, simulador_exclusivo
):
    resposta = requests.post(
        f"{simulador_exclusivo.url}/__simulador/ajustes",
        json={"forma_resultado": "string"},  # o resultado é só a URL do PDF
        timeout=5,
    )
    assert resposta.status_code == 200
    processo = criar_processo()
    acoes.executar_download(
        processo, Pedido(usuario=criar_usuario("OPERADOR"), origem=Origem.WORKER)
    )
    esperar(
        lambda: Processo.objects.filter(
            pk=processo.pk, status=StatusProcesso.AGUARDANDO_APROVACAO
        ).exists(),
        mensagem="a fatura não chegou",
    )
    processo.refresh_from_db()
    lidos = ler_valores_do_pdf(processo.fatura.read())
    assert lidos.valor is not None and lidos.vencimento is not None
    assert (processo.valor, processo.vencimento) == (lidos.valor, lidos.vencimento)
    assert processo.valor_lido_do_pdf and processo.vencimento_lido_do_pdf
