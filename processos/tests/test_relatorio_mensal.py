"""O relatório do mês contra um conjunto de dados conhecido, e a página que o mostra."""

import datetime as dt
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from brm.fabricas import criar_cliente, criar_operadora, criar_processo
from execucoes.models import Execucao, StatusExecucao, TipoExecucao
from processos.models import Origem, StatusProcesso, Transicao
from processos.relatorio import ErroComum, relatorio_mensal

pytestmark = pytest.mark.django_db

MARCO, FEVEREIRO = dt.date(2026, 3, 1), dt.date(2026, 2, 1)


def _em(texto: str) -> dt.datetime:
    return dt.datetime.fromisoformat(texto).replace(tzinfo=dt.UTC)


def _chegou(processo, quando: str) -> None:
    transicao = Transicao.objects.create(
        processo=processo,
        de=StatusProcesso.AGUARDANDO_DOWNLOAD,
        para=StatusProcesso.AGUARDANDO_APROVACAO,
        origem=Origem.WORKER,
    )
    Transicao.objects.filter(pk=transicao.pk).update(criado_em=_em(quando))


def _falhou(processo, erro: str, status=StatusExecucao.FALHOU) -> None:
    Execucao.objects.create(
        processo=processo, tipo=TipoExecucao.DOWNLOAD_FATURA, status=status, erro=erro
    )


@pytest.fixture
def mes_conhecido():
    vivo, oi = criar_operadora("VIVO"), criar_operadora("OI")
    acme, beta, gama = criar_cliente(vivo), criar_cliente(vivo), criar_cliente(oi)
    no_prazo = criar_processo(
        acme,
        competencia=MARCO,
        valor=Decimal("100.00"),
        vencimento=dt.date(2026, 3, 10),
        status=StatusProcesso.UPLOAD_REALIZADO,
        enviado_sat_em=_em("2026-03-09 10:00"),
    )
    _chegou(no_prazo, "2026-03-08 10:00")  # 24 h até o SAT
    esperando = criar_processo(
        beta,
        competencia=MARCO,
        valor=Decimal("50.00"),
        vencimento=dt.date(2026, 3, 10),
        status=StatusProcesso.AGUARDANDO_APROVACAO,
    )
    atrasado = criar_processo(
        gama,
        competencia=MARCO,
        valor=Decimal("30.00"),
        vencimento=dt.date(2026, 3, 5),
        status=StatusProcesso.UPLOAD_REALIZADO,
        enviado_sat_em=_em("2026-03-07 07:00"),
    )
    _chegou(atrasado, "2026-03-05 07:00")  # 48 h até o SAT
    criar_processo(acme, competencia=FEVEREIRO, valor=Decimal("120.00"))
    _falhou(esperando, "Portal fora do ar")
    _falhou(esperando, "Portal fora do ar")
    _falhou(atrasado, "Tempo esgotado", StatusExecucao.TIMEOUT)


def test_relatorio_do_mes_contra_dados_conhecidos(mes_conhecido):
    relatorio = relatorio_mensal(MARCO)
    assert relatorio.numeros.total == 3
    por_operadora = {
        op.codigo: {f.status: f.total for f in op.fatias} for op in relatorio.numeros.por_operadora
    }
    assert por_operadora["VIVO"][StatusProcesso.UPLOAD_REALIZADO] == 1
    assert por_operadora["VIVO"][StatusProcesso.AGUARDANDO_APROVACAO] == 1
    assert por_operadora["OI"][StatusProcesso.UPLOAD_REALIZADO] == 1
    valores = {v.codigo: (v.valor, v.anterior, v.variacao) for v in relatorio.valores}
    assert valores == {
        "OI": (Decimal("30.00"), Decimal(0), None),
        "VIVO": (Decimal("150.00"), Decimal("120.00"), 25.0),
    }
    assert relatorio.valor_total.variacao == 50.0
    assert (relatorio.sat_no_prazo, relatorio.com_vencimento) == (1, 3)
    assert relatorio.percentual_sat_no_prazo == pytest.approx(33.33, abs=0.01)
    assert relatorio.execucoes_com_falha == 3
    assert relatorio.erros_mais_comuns == [
        ErroComum("Portal fora do ar", 2),
        ErroComum("Tempo esgotado", 1),
    ]
    assert relatorio.tempo_ate_o_sat == dt.timedelta(hours=36)


def test_mes_vazio_nao_quebra():
    relatorio = relatorio_mensal(MARCO)
    assert relatorio.numeros.total == 0
    assert relatorio.percentual_sat_no_prazo is None and relatorio.tempo_ate_o_sat is None


def test_pagina_do_relatorio_mostra_os_numeros_em_ptbr(mes_conhecido, operador, navegador_de):
    navegador = navegador_de(operador)
    url = reverse("relatorio_mensal") + "?competencia=03/2026"
    with CaptureQueriesContext(connection) as consultas:
        html = navegador.get(url).content.decode()
    assert 'id="valor-total">R$ 180,00' in html
    assert "50,0% contra o mês anterior" in html
    assert "33,3%" in html and "1 de 3 com vencimento" in html
    assert "Portal fora do ar" in html and "36h00min" in html
    # Mais processos, mesmas consultas.
    for _ in range(5):
        criar_processo(criar_cliente(criar_operadora("OI")), competencia=MARCO)
    with CaptureQueriesContext(connection) as de_novo:
        navegador.get(url)
    assert len(de_novo) == len(consultas)


def test_relatorio_pede_login_e_recusa_competencia_invalida(client, operador, navegador_de):
    url = reverse("relatorio_mensal")
    assert client.get(url).status_code == 302
    resposta = navegador_de(operador).get(url + "?competencia=13/2026")
    assert resposta.status_code == 200
    assert "Competência inválida" in resposta.content.decode()
