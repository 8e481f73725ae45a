"""A exportação das listas do admin (CSV e XLSX): o que a lista mostra, no formato da planilha em
português, sem executar nada do que veio de fora."""

import csv
import datetime as dt
import io
import re
from decimal import Decimal

import pytest
from asgiref.sync import async_to_sync
from django.contrib.admin import helpers
from django.db import connection
from django.http import StreamingHttpResponse
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from brm.fabricas import criar_cliente, criar_operadora, criar_processo, criar_usuario

pytestmark = pytest.mark.django_db

# O que uma planilha lê como fórmula quando abre a célula (OWASP, "CSV Injection").
GATILHOS = ("=", "+", "-", "@", "\t", "\r")
NOMES_HOSTIS = [
    '=HYPERLINK("http://x","y")',
    "+1",
    "-1+1",
    "@SUM(1)",
    "\t=1",
    "\r=1",
    "=1|calc!A0",
    "%0A=1",
    " =1",
]
NUMERO = re.compile(r"^-?[0-9,.]+$")


def pedir_exportacao(navegador, modelo: str, objetos=(), **dados):
    app = "clientes" if modelo == "cliente" else "processos"
    selecionados = [str(o.pk) for o in objetos]
    return navegador.post(
        reverse(f"admin:{app}_{modelo}_changelist"),
        {"action": "exportar_csv", helpers.ACTION_CHECKBOX_NAME: selecionados, **dados},
    )


def conteudo(resposta) -> bytes:
    """O corpo de uma resposta em streaming (o iterador é assíncrono, como o servidor o lê)."""

    async def juntar():
        return b"".join([parte async for parte in resposta.streaming_content])

    return async_to_sync(juntar)()


def exportar(navegador, modelo: str, objetos) -> list[list[str]]:
    resposta = pedir_exportacao(navegador, modelo, objetos)
    assert resposta.status_code == 200
    assert resposta["Content-Type"].startswith("text/csv")
    texto = conteudo(resposta).decode("utf-8-sig")
    return list(csv.reader(io.StringIO(texto, newline=""), delimiter=";"))


def formulas(linhas: list[list[str]]) -> list[str]:
    return [
        celula
        for linha in linhas
        for celula in linha
        if celula.startswith(GATILHOS) and not NUMERO.match(celula)
    ]


def test_clientes_exportados_nao_viram_formula(administrador, navegador_de):
    clientes = [criar_cliente(razao_social=nome, nome_sat=nome) for nome in NOMES_HOSTIS]
    linhas = exportar(navegador_de(administrador), "cliente", clientes)
    assert len(linhas) == 1 + len(NOMES_HOSTIS)
    assert formulas(linhas) == []
    razoes = {linha[1] for linha in linhas[1:]}
    # O texto continua lá, só neutralizado (o apóstrofo some ao abrir na planilha).
    assert '\'=HYPERLINK("http://x","y")' in razoes
    assert "'\t=1" in razoes


def test_processos_exportados_nao_viram_formula(operador, navegador_de):
    processos = [
        criar_processo(criar_cliente(razao_social=nome), valor=Decimal("10.00"))
        for nome in NOMES_HOSTIS
    ]
    linhas = exportar(navegador_de(operador), "processo", processos)
    assert len(linhas) == 1 + len(NOMES_HOSTIS)
    assert formulas(linhas) == []


def test_numero_negativo_continua_numero(administrador, navegador_de):
    cliente = criar_cliente(filtro="-12,50", unidade="-1+1")
    [_, linha] = exportar(navegador_de(administrador), "cliente", [cliente])
    assert "-12,50" in linha  # valor em dinheiro: a planilha o lê como número, não como fórmula
    assert "'-1+1" in linha


def test_exportacao_sai_aos_poucos_com_o_mesmo_conteudo(operador, navegador_de):
    aprovador = criar_usuario("APROVADOR", username="ana")
    cliente = criar_cliente(
        criar_operadora("VIVO"), razao_social="ACME LTDA", cnpj="11222333000181"
    )
    processo = criar_processo(
        cliente,
        valor=Decimal("1234.50"),
        vencimento=dt.date(2026, 4, 10),
        aprovado_por=aprovador,
    )
    resposta = pedir_exportacao(navegador_de(operador), "processo", [processo])
    assert isinstance(resposta, StreamingHttpResponse)
    assert resposta["Content-Disposition"].startswith('attachment; filename="processo-')
    assert conteudo(resposta).decode("utf-8") == (
        "\ufeffRazão social;CNPJ;Operadora;Competência;Status;Valor;Vencimento;Aprovado por;"
        "Aprovado em;Enviado ao SAT em\r\n"
        "ACME LTDA;11.222.333/0001-81;VIVO;03/2026;Aguardando download;1234,50;10/04/2026;Ana;;\r\n"
    )


def test_exportacao_de_todos_le_em_lotes_sem_uma_consulta_por_linha(
    operador, navegador_de, monkeypatch
):
    monkeypatch.setattr("nucleo.exportacao.LINHAS_POR_LOTE", 3)
    aprovador = criar_usuario("APROVADOR")
    operadoras = [criar_operadora("VIVO"), criar_operadora("OI")]
    processos = [
        criar_processo(criar_cliente(operadoras[numero % 2]), aprovado_por=aprovador)
        for numero in range(7)
    ]
    navegador = navegador_de(operador)
    resposta = pedir_exportacao(navegador, "processo", processos[:1], select_across="1", index="0")
    with CaptureQueriesContext(connection) as consultas:
        partes = async_to_sync(_partes)(resposta)
    assert len(partes) == 3  # 7 linhas em lotes de 3
    linhas = b"".join(partes).decode("utf-8-sig").splitlines()
    assert len(linhas) == 1 + 7
    leituras = [c["sql"] for c in consultas.captured_queries if "SELECT" in c["sql"]]
    assert len(leituras) == 1  # processo, cliente, operadora e aprovador na mesma consulta


async def _partes(resposta) -> list[bytes]:
    return [parte async for parte in resposta.streaming_content]


def _baixar(navegador, url: str) -> bytes:
    resposta = navegador.get(url)
    assert resposta.status_code == 200, resposta.status_code
    return conteudo(resposta)


def test_botoes_da_lista_exportam_todas_as_paginas_com_os_filtros_e_a_busca(
    operador, navegador_de, monkeypatch
):
    from processos.admin import ProcessoAdmin

    monkeypatch.setattr(ProcessoAdmin, "list_per_page", 2)
    vivo, oi = criar_operadora("VIVO"), criar_operadora("OI")
    for numero in range(5):
        criar_processo(criar_cliente(vivo, razao_social=f"ALFA {numero} LTDA"))
    criar_processo(criar_cliente(oi, razao_social="ALFA OI LTDA"))
    criar_processo(criar_cliente(vivo, razao_social="BETA LTDA"))
    navegador = navegador_de(operador)
    lista = reverse("admin:processos_processo_changelist")
    consulta = f"cliente__operadora__id__exact={vivo.pk}&q=ALFA"

    pagina = navegador.get(f"{lista}?{consulta}").content.decode()
    url_csv = reverse("admin:processos_processo_exportar", args=["csv"]) + f"?{consulta}"
    assert url_csv.replace("&", "&amp;") in pagina  # o botão leva os filtros da tela

    texto = _baixar(navegador, url_csv).decode("utf-8-sig")
    linhas = list(csv.reader(io.StringIO(texto, newline=""), delimiter=";"))
    # As cinco da VIVO com "ALFA", não só as duas da página; nem a da OI, nem a BETA.
    assert sorted(linha[0] for linha in linhas[1:]) == [f"ALFA {n} LTDA" for n in range(5)]


def test_xlsx_traz_numeros_e_datas_no_formato_brasileiro(operador, navegador_de):
    from openpyxl import load_workbook

    cliente = criar_cliente(criar_operadora("VIVO"), razao_social="ACME LTDA")
    criar_processo(
        cliente,
        valor=Decimal("1234.50"),
        vencimento=dt.date(2026, 4, 10),
        status="AGUARDANDO_ENVIO_SAT",
    )
    url = reverse("admin:processos_processo_exportar", args=["xlsx"])
    resposta = navegador_de(operador).get(url)
    assert resposta["Content-Type"].startswith("application/vnd.openxmlformats")
    assert resposta["Content-Disposition"].endswith('.xlsx"')
    planilha = load_workbook(io.BytesIO(conteudo(resposta))).active
    titulos, linha = list(planilha.iter_rows(values_only=True))
    dados = dict(zip(titulos, linha, strict=True))
    assert dados["Razão social"] == "ACME LTDA"
    assert dados["Status"] == "Aguardando envio ao SAT"
    assert dados["Valor"] == 1234.5
    assert dados["Vencimento"] == dt.datetime(2026, 4, 10)
    celulas = {c.value: c for c in planilha[1]}
    coluna_valor = celulas["Valor"].column_letter
    coluna_vencimento = celulas["Vencimento"].column_letter
    assert planilha[f"{coluna_valor}2"].number_format == "#,##0.00"
    assert planilha[f"{coluna_vencimento}2"].number_format == "DD/MM/YYYY"


def test_execucoes_exportadas_com_hora_local_e_rotulos(operador, navegador_de):
    from execucoes.models import Execucao

    processo = criar_processo(criar_cliente(razao_social="ACME LTDA"))
    Execucao.objects.create(
        processo=processo,
        tipo="DOWNLOAD_FATURA",
        status="FALHOU",
        job_id="job-9",
        iniciada_em=dt.datetime(2026, 3, 5, 13, 0, tzinfo=dt.UTC),
        erro="Portal fora do ar",
    )
    url = reverse("admin:execucoes_execucao_exportar", args=["csv"]) + "?status__exact=FALHOU"
    texto = _baixar(navegador_de(operador), url).decode("utf-8-sig")
    [titulos, linha] = list(csv.reader(io.StringIO(texto, newline=""), delimiter=";"))
    dados = dict(zip(titulos, linha, strict=True))
    assert dados["Cliente"] == "ACME LTDA"
    assert dados["Tipo"] == "Download da fatura"
    assert dados["Status"] == "Falhou"
    assert dados["Iniciada em"] == "05/03/2026 10:00"  # 13:00 UTC em São Paulo
    assert dados["Erro"] == "Portal fora do ar"


def test_exportar_pede_login_e_formato_conhecido(client, operador, navegador_de):
    url = reverse("admin:processos_processo_exportar", args=["csv"])
    assert client.get(url).status_code == 302  # para o login
    navegador = navegador_de(operador)
    assert (
        navegador.get(reverse("admin:processos_processo_exportar", args=["pdf"])).status_code == 404
    )
    # Um filtro que a tela não oferece é recusado, como na própria lista.
    assert navegador.get(url + "?cliente__senha_portal__startswith=x").status_code == 400
