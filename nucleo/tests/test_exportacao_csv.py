"""A exportação CSV do admin abre na planilha sem executar nada do que veio de fora."""

import csv
import io
import re
from decimal import Decimal

import pytest
from django.contrib.admin import helpers
from django.urls import reverse

from brm.fabricas import criar_cliente, criar_processo

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


def exportar(navegador, modelo: str, objetos) -> list[list[str]]:
    app = "clientes" if modelo == "cliente" else "processos"
    resposta = navegador.post(
        reverse(f"admin:{app}_{modelo}_changelist"),
        {"action": "exportar_csv", helpers.ACTION_CHECKBOX_NAME: [str(o.pk) for o in objetos]},
    )
    assert resposta.status_code == 200
    assert resposta["Content-Type"].startswith("text/csv")
    texto = resposta.content.decode("utf-8-sig")
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
