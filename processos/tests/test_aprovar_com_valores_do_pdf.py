"""Aprovar usa os valores lidos do PDF quando o robô não os deu — na página, na fila e em lote —
e o lote diz quais foram aprovados assim."""

import datetime as dt
from decimal import Decimal

import pytest
from django.contrib.admin import helpers
from django.urls import reverse

from brm.fabricas import criar_cliente, criar_processo
from processos import acoes
from processos.acoes import Pedido
from processos.fatura import guardar_fatura
from processos.models import Origem, StatusProcesso
from simulador.pdf import Fatura, fatura_pdf, pdf_de_texto

pytestmark = pytest.mark.django_db

LISTA = reverse("admin:processos_processo_changelist")


def pdf_com(valor: str, vencimento: dt.date) -> bytes:
    return fatura_pdf(
        Fatura("VIVO", "12.345.678/0001-95", "4455", "03/2026", valor, vencimento, "job")
    )


def esperando(pdf: bytes, **campos):
    processo = criar_processo(criar_cliente(), status=StatusProcesso.AGUARDANDO_APROVACAO, **campos)
    guardar_fatura(processo, pdf)
    processo.save(update_fields=["fatura", "fatura_sha256"])
    return processo


def aprovar_em_lote(navegador, processos):
    dados = {"action": "aprovar", helpers.ACTION_CHECKBOX_NAME: [str(p.pk) for p in processos]}
    resposta = navegador.post(LISTA, dados, follow=True)
    return " | ".join(str(m) for m in resposta.context["messages"])


def test_lote_aprova_com_os_valores_lidos_do_pdf_e_diz_quais(aprovador, navegador_de):
    do_robo = esperando(
        pdf_com("50.00", dt.date(2026, 4, 1)),
        valor=Decimal("55.00"),
        vencimento=dt.date(2026, 4, 2),
    )
    # Chegou depois da leitura: valores já no processo, marcados.
    marcado = esperando(
        pdf_com("70.00", dt.date(2026, 4, 7)),
        valor=Decimal("70.00"),
        vencimento=dt.date(2026, 4, 7),
        valor_lido_do_pdf=True,
        vencimento_lido_do_pdf=True,
    )
    # Chegou antes da leitura existir: nada no processo, o PDF tem os valores.
    antigo = esperando(pdf_com("1234.56", dt.date(2026, 4, 10)))
    sem_nada = esperando(pdf_de_texto(["Fatura sem valores"]))

    mensagem = aprovar_em_lote(navegador_de(aprovador), [do_robo, marcado, antigo, sem_nada])

    for processo in (do_robo, marcado, antigo, sem_nada):
        processo.refresh_from_db()
    assert "3 processo(s) aprovado(s)." in mensagem
    assert "2 com valor ou vencimento lido do PDF — confira:" in mensagem
    assert str(marcado) in mensagem and str(antigo) in mensagem and str(do_robo) not in mensagem
    assert "1 ignorado(s): Informe o vencimento da fatura antes de aprovar. (1)" in mensagem
    assert (antigo.status, antigo.valor, antigo.vencimento) == (
        StatusProcesso.AGUARDANDO_ENVIO_SAT,
        Decimal("1234.56"),
        dt.date(2026, 4, 10),
    )
    assert antigo.valor_lido_do_pdf and antigo.vencimento_lido_do_pdf
    assert (do_robo.valor, do_robo.vencimento) == (Decimal("55.00"), dt.date(2026, 4, 2))
    assert sem_nada.status == StatusProcesso.AGUARDANDO_APROVACAO


def test_quem_informa_os_valores_ao_aprovar_desfaz_a_marca(aprovador):
    processo = esperando(
        pdf_com("70.00", dt.date(2026, 4, 7)),
        valor=Decimal("70.00"),
        vencimento=dt.date(2026, 4, 7),
        valor_lido_do_pdf=True,
        vencimento_lido_do_pdf=True,
    )
    acoes.aprovar(
        processo,
        Pedido(usuario=aprovador, origem=Origem.WEB),
        valor=Decimal("71.00"),
        vencimento=dt.date(2026, 4, 7),
    )
    processo.refresh_from_db()
    assert processo.valor == Decimal("71.00") and not processo.lidos_do_pdf


def test_rejeitar_limpa_os_valores_e_as_marcas(aprovador):
    processo = esperando(
        pdf_com("70.00", dt.date(2026, 4, 7)),
        valor=Decimal("70.00"),
        vencimento=dt.date(2026, 4, 7),
        valor_lido_do_pdf=True,
        vencimento_lido_do_pdf=True,
    )
    acoes.rejeitar(processo, Pedido(usuario=aprovador, origem=Origem.WEB), motivo="outro mês")
    processo.refresh_from_db()
    assert (processo.valor, processo.vencimento, processo.lidos_do_pdf) == (None, None, False)


def test_pagina_do_processo_marca_os_valores_lidos_do_pdf(aprovador, navegador_de):
    processo = esperando(
        pdf_com("70.00", dt.date(2026, 4, 7)),
        valor=Decimal("70.00"),
        vencimento=dt.date(2026, 4, 7),
        valor_lido_do_pdf=True,
    )
    html = navegador_de(aprovador).get(reverse("processo_detalhe", args=[processo.pk]))
    assert "lido do PDF — confira" in html.content.decode()
