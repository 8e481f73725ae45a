"""A exportação CSV do admin abre na planilha sem executar nada do que veio de fora."""

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
        "\ufeffRazão social;CNPJ;Operadora;Competência;Status;Valor;Vencimento;Aprovado por\r\n"
        f"ACME LTDA;11.222.333/0001-81;VIVO;03/2026;AGUARDANDO_DOWNLOAD;1234.50;10/04/2026;{aprovador}\r\n"
    )


def test_exportacao_de_todos_le_em_lotes_sem_uma_consulta_por_linha(
    operador, navegador_de, monkeypatch
):
    monkeypatch.setattr("nucleo.admin_base.LINHAS_POR_LOTE", 3)
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
    assert len(consultas) == 1  # processo, cliente, operadora e aprovador na mesma consulta


async def _partes(resposta) -> list[bytes]:
    return [parte async for parte in resposta.streaming_content]
