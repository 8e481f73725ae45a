"""Exportação de uma lista em CSV ou XLSX, no formato de quem a abre numa planilha em português.

Status pelo rótulo, valores com vírgula decimal, datas dd/mm/aaaa, horas no fuso do site, sim e
não por extenso. O CSV usa `;` (o separador que a planilha em pt-BR espera), começa com o BOM
(para os acentos) e nenhuma célula vira fórmula (`defusedcsv` + espaços do início). O XLSX leva
números e datas de verdade, com o formato brasileiro na célula.

As linhas são lidas só nas colunas pedidas (`values_list`, em lotes): nenhum objeto por linha,
e a memória fica do tamanho de um lote.
"""

import datetime as dt
import tempfile
from collections.abc import AsyncIterator, Callable, Iterator
from dataclasses import dataclass
from decimal import Decimal
from itertools import islice

from asgiref.sync import sync_to_async
from defusedcsv import csv
from django.contrib.admin.utils import get_fields_from_path
from django.db import models, transaction
from django.db.models import TextField
from django.db.models.functions import Cast
from django.http import StreamingHttpResponse
from django.utils import timezone
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell

from nucleo.horas import local_de_utc

LINHAS_POR_LOTE = 2000
FORMATOS = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}
FORMATO_DE_DATA_XLSX = "DD/MM/YYYY"
FORMATO_DE_HORA_XLSX = "DD/MM/YYYY HH:MM"
FORMATO_DE_VALOR_XLSX = "#,##0.00"


@dataclass(frozen=True)
class Coluna:
    """Uma coluna exportada: o título, o caminho do campo no ORM (`cliente__operadora__codigo`)
    e, se o valor do banco não se mostra sozinho, a função que o mostra (`formatar_cnpj`)."""

    titulo: str
    campo: str
    mostrar: Callable[[object], object] | None = None


def resposta(modelo, colunas: list[Coluna], queryset, formato: str) -> StreamingHttpResponse:
    """O arquivo da exportação (`formato` é "csv" ou "xlsx"), em pedaços: os primeiros bytes do
    CSV saem logo; o XLSX (um zip, que só fecha no fim) é montado num arquivo temporário."""
    linhas = _linhas(modelo, colunas, queryset, formato)
    titulos = [coluna.titulo for coluna in colunas]
    if formato == "csv":
        pedacos = _em_lotes(_csv(titulos, linhas))
    else:
        pedacos = _arquivo_em_pedacos(lambda arquivo: _xlsx(titulos, linhas, arquivo))
    nome = f"{modelo._meta.model_name}-{timezone.localdate():%Y%m%d}.{formato}"
    return StreamingHttpResponse(
        pedacos,
        content_type=FORMATOS[formato],
        headers={"Content-Disposition": f'attachment; filename="{nome}"'},
    )


def _linhas(modelo, colunas: list[Coluna], queryset, formato: str) -> Iterator[list]:
    """Os valores de cada linha já prontos: texto em pt-BR para o CSV; número, data e texto para
    o XLSX. Cada coluna decide uma vez como se mostra, não a cada célula."""
    leituras = [_leitura(modelo, coluna) for coluna in colunas]
    mostrar = [leitura.texto if formato == "csv" else leitura.celula for leitura in leituras]
    valores = queryset.values_list(*(leitura.expressao for leitura in leituras))
    # Numa transação, o cursor do servidor no PostgreSQL entrega as linhas enquanto a consulta
    # anda; fora dela (WITH HOLD), a consulta inteira roda antes da primeira linha: 500 mil
    # execuções levavam 12 s para o primeiro byte. A leitura é uma foto só do banco, de brinde.
    with transaction.atomic(using=valores.db):
        for linha in valores.iterator(chunk_size=LINHAS_POR_LOTE):
            yield [None if v is None else m(v) for m, v in zip(mostrar, linha, strict=True)]


@dataclass(frozen=True)
class _Leitura:
    expressao: object  # o campo, ou a expressão que o lê
    celula: Callable[[object], object]  # valor do banco (não nulo) → célula do XLSX
    texto: Callable[[object], str]  # valor do banco (não nulo) → texto do CSV


def _leitura(modelo, coluna: Coluna) -> _Leitura:
    if coluna.mostrar is not None:
        return _Leitura(coluna.campo, coluna.mostrar, lambda valor: str(coluna.mostrar(valor)))
    campo = get_fields_from_path(modelo, coluna.campo)[-1]
    if campo.choices:
        rotulos = {valor: str(rotulo) for valor, rotulo in campo.flatchoices}
        rotulo = lambda valor: rotulos.get(valor, str(valor))  # noqa: E731
        return _Leitura(coluna.campo, rotulo, rotulo)
    if isinstance(campo, models.BooleanField):
        sim_ou_nao = lambda valor: "Sim" if valor else "Não"  # noqa: E731
        return _Leitura(coluna.campo, sim_ou_nao, sim_ou_nao)
    if isinstance(campo, models.DateTimeField):
        zona = timezone.get_current_timezone()
        local = lambda texto: local_de_utc(texto, zona)[0]  # noqa: E731
        return _Leitura(
            Cast(coluna.campo, TextField()), local, lambda texto: _data_e_hora(local(texto))
        )
    if isinstance(campo, models.DateField):
        return _Leitura(coluna.campo, _o_mesmo, _data)
    if isinstance(campo, models.DecimalField):
        return _Leitura(
            coluna.campo, lambda valor: valor, lambda valor: str(valor).replace(".", ",")
        )
    return _Leitura(coluna.campo, _o_mesmo, str)


def _o_mesmo(valor):
    return valor


def _com_virgula(valor: Decimal) -> str:
    return str(valor).replace(".", ",")


def _data(data: dt.date) -> str:
    return f"{data.day:02d}/{data.month:02d}/{data.year}"


def _data_e_hora(momento: dt.datetime) -> str:
    return f"{_data(momento)} {momento.hour:02d}:{momento.minute:02d}"


# CSV


class _Eco:
    """O "arquivo" do escritor CSV: devolve a linha escrita em vez de guardá-la."""

    def write(self, linha: str) -> str:
        return linha


def _csv(titulos: list[str], linhas: Iterator[list]) -> Iterator[str]:
    escritor = csv.writer(_Eco(), delimiter=";")
    yield "\ufeff" + escritor.writerow(titulos)
    for linha in linhas:
        yield escritor.writerow([_sem_espaco_inicial(texto) for texto in linha])


def _sem_espaco_inicial(texto: str | None) -> str:
    # O defusedcsv só olha o primeiro caractere. Tabulação e CR no início também disparam fórmula
    # (OWASP), e há planilhas que descartam os espaços do início antes de ler a célula.
    if not texto:
        return ""
    return "'" + texto if texto[0].isspace() else texto


async def _em_lotes(pedacos: Iterator[str]) -> AsyncIterator[str]:
    """Entrega os pedaços em lotes, lendo o banco numa thread.

    O site roda sob ASGI (uvicorn), e lá o Django lê um iterador síncrono inteiro, numa lista,
    antes de mandar o primeiro byte: o arquivo todo voltaria à memória."""
    proximo_lote = sync_to_async(lambda: "".join(islice(pedacos, LINHAS_POR_LOTE)))
    try:
        while lote := await proximo_lote():
            yield lote
    finally:
        await sync_to_async(pedacos.close)()


# XLSX


def _xlsx(titulos: list[str], linhas: Iterator[list], arquivo) -> None:
    livro = Workbook(write_only=True)
    planilha = livro.create_sheet("Exportação")
    planilha.append(titulos)
    for linha in linhas:
        planilha.append([_celula_xlsx(planilha, valor) for valor in linha])
    livro.save(arquivo)


def _celula_xlsx(planilha, valor):
    formato = _formato_xlsx(valor)
    if formato is None:
        return valor
    celula = WriteOnlyCell(planilha, value=valor)
    celula.number_format = formato
    return celula


def _formato_xlsx(valor) -> str | None:
    if isinstance(valor, dt.datetime):
        return FORMATO_DE_HORA_XLSX
    if isinstance(valor, dt.date):
        return FORMATO_DE_DATA_XLSX
    if isinstance(valor, Decimal):
        return FORMATO_DE_VALOR_XLSX
    return None


async def _arquivo_em_pedacos(escrever: Callable) -> AsyncIterator[bytes]:
    """Escreve o arquivo num temporário (numa thread) e o entrega em pedaços."""
    with tempfile.TemporaryFile() as arquivo:
        await sync_to_async(escrever)(arquivo)
        await sync_to_async(arquivo.seek)(0)
        while pedaco := await sync_to_async(arquivo.read)(64 * 1024):
            yield pedaco
