"""O relatório do mês e as exportações num navegador de verdade (Chromium, 1366 x 768): os números
de um mês conhecido na tela, sem rolar para o lado, e os arquivos baixados lidos de volta (XLSX
com número e data; CSV em pt-BR com os filtros da lista)."""

import csv
import datetime as dt
import io
from pathlib import Path

import pytest
from openpyxl import load_workbook

from brm.fabricas import criar_usuario
from brm.tests import test_navegador_telas as telas
from processos.tests.test_relatorio_mensal import mes_conhecido  # noqa: F401 (a fixture)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

web = telas.web
navegador = telas.navegador
_senhas_que_o_servidor_confere = telas._senhas_que_o_servidor_confere


def _baixar(pagina, seletor: str) -> bytes:
    with pagina.expect_download() as download:
        pagina.click(seletor)
    return Path(download.value.path()).read_bytes()


def test_relatorio_e_exportacoes_no_navegador(web, navegador, mes_conhecido):  # noqa: F811
    criar_usuario("OPERADOR", "olga")
    pagina = telas.entrar_no_notebook(navegador, web, "olga")

    pagina.click("#relatorio-do-mes")
    pagina.select_option("#relatorio-competencia", "03/2026")
    pagina.wait_for_url("**/relatorios/mensal/?competencia=03%2F2026")
    assert pagina.locator("#valor-total").inner_text() == "R$ 180,00"
    assert pagina.locator("#sat-no-prazo").inner_text() == "33,3%"
    assert pagina.locator("#tempo-ate-sat").inner_text() == "36h00min"
    assert "Portal fora do ar" in pagina.locator("#erros-comuns").inner_text()
    assert pagina.evaluate("document.documentElement.scrollWidth") <= 1366

    planilha = load_workbook(io.BytesIO(_baixar(pagina, "text=Exportar os processos (XLSX)")))
    linhas = list(planilha.active.iter_rows(values_only=True))
    titulos, dados = linhas[0], [dict(zip(linhas[0], linha, strict=True)) for linha in linhas[1:]]
    assert "Valor" in titulos and len(dados) == 3
    assert sorted(d["Valor"] for d in dados) == [30, 50, 100]
    assert {d["Vencimento"] for d in dados} == {dt.datetime(2026, 3, 10), dt.datetime(2026, 3, 5)}

    pagina.goto(
        f"{web}/admin/processos/processo/?competencia=03/2026&status__exact=UPLOAD_REALIZADO"
    )
    texto = _baixar(pagina, "a.exportar >> text=Exportar CSV").decode("utf-8-sig")
    [cabecalho, *processos] = list(csv.reader(io.StringIO(texto, newline=""), delimiter=";"))
    colunas = [dict(zip(cabecalho, linha, strict=True)) for linha in processos]
    assert sorted(c["Valor"] for c in colunas) == ["100,00", "30,00"]
    assert {c["Status"] for c in colunas} == {"Upload realizado"}
    assert {c["Vencimento"] for c in colunas} == {"10/03/2026", "05/03/2026"}
