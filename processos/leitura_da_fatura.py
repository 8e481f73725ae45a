"""Valor e vencimento lidos do texto da fatura em PDF, quando o robô não os informou.

O robô muitas vezes devolve a fatura sem `valor_fatura` nem `data_vencimento`, embora o PDF os
traga (“Valor total: R$ 1.234,56”, “Vencimento: 10/04/2026”). Lemos só o que vem depois de um
rótulo conhecido: um “R$” solto pode ser o preço de um plano, e uma data solta a da emissão. O que
se lê aqui vai para o processo marcado (`valor_lido_do_pdf`, `vencimento_lido_do_pdf`), para quem
aprova conferir; um PDF sem esses rótulos, ou que não se deixa ler, não preenche nada.
"""

import datetime as dt
import logging
import re
from dataclasses import dataclass
from decimal import Decimal

from processos.fatura import texto_do_pdf

logger = logging.getLogger(__name__)

# Do rótulo mais forte ao mais fraco: com desconto, “Total a pagar” vale mais que “Valor total”.
ROTULOS_DO_VALOR = (
    r"total\s+a\s+pagar",
    r"valor\s+a\s+pagar",
    r"valor\s+total",
    r"total\s+da\s+fatura",
    r"valor\s+do\s+documento",
)
# 1.234,56 · 1234,56 · 0,00 — nunca no meio de outro número (um CNPJ, uma conta).
_DINHEIRO = r"(?<![\d.,])(\d{1,3}(?:\.\d{3})+|\d+),(\d{2})(?![\d,])"
# Entre o rótulo e o número: dois-pontos, traço, “(R$)”, “R$”, espaços e quebras de linha.
_SEPARADOR = r"[\s:\-\u2013(R$)]{0,12}"
_VENCIMENTO = re.compile(
    r"(?<![a-z])(?:data\s+de\s+)?venc(?:imento|\.)?(?:\s+em)?[\s:\-\u2013]{0,6}"
    r"(\d{2})[/.](\d{2})[/.](\d{4})(?!\d)",
    re.IGNORECASE,
)
ANOS_PLAUSIVEIS = range(2000, 2101)


@dataclass(frozen=True)
class ValoresLidos:
    valor: Decimal | None = None
    vencimento: dt.date | None = None


def ler_valores(texto: str) -> ValoresLidos:
    """O valor a pagar e o vencimento do texto de uma fatura (None no que não se achar)."""
    return ValoresLidos(valor=_valor(texto), vencimento=_vencimento(texto))


def ler_valores_do_pdf(conteudo: bytes) -> ValoresLidos:
    """Como `ler_valores`, do PDF; um PDF quebrado ou sem texto dá ValoresLidos vazio."""
    return ler_valores(texto_do_pdf(conteudo))


def _valor(texto: str) -> Decimal | None:
    for rotulo in ROTULOS_DO_VALOR:
        achados = {
            Decimal(f"{inteiro.replace('.', '')}.{centavos}")
            for inteiro, centavos in re.findall(
                rf"(?<![a-z]){rotulo}{_SEPARADOR}{_DINHEIRO}", texto, re.IGNORECASE
            )
        }
        if len(achados) == 1:
            return achados.pop()
        if achados:  # o mesmo rótulo com valores diferentes: melhor a pessoa digitar
            return None
    return None


def _vencimento(texto: str) -> dt.date | None:
    datas = set()
    for dia, mes, ano in _VENCIMENTO.findall(texto):
        try:
            data = dt.date(int(ano), int(mes), int(dia))
        except ValueError:
            continue
        if data.year in ANOS_PLAUSIVEIS:
            datas.add(data)
    return datas.pop() if len(datas) == 1 else None


def completar_pelo_pdf(processo, conteudo: bytes | None = None) -> list[str]:
    """Preenche no processo (sem salvar) o valor e o vencimento que faltam, lidos do PDF, e os
    marca para conferir. Devolve os campos a gravar (vazia se nada faltava ou nada se leu).

    `conteudo`: o PDF que acabou de chegar; sem ele, lê a fatura guardada no processo."""
    faltam = [campo for campo in ("valor", "vencimento") if getattr(processo, campo) is None]
    if not faltam:
        return []
    if conteudo is None:
        conteudo = _fatura_guardada(processo)
    lidos = ler_valores_do_pdf(conteudo) if conteudo else ValoresLidos()
    campos = []
    for campo in faltam:
        if getattr(lidos, campo) is not None:
            setattr(processo, campo, getattr(lidos, campo))
            setattr(processo, f"{campo}_lido_do_pdf", True)
            campos += [campo, f"{campo}_lido_do_pdf"]
    return campos


def _fatura_guardada(processo) -> bytes:
    if not processo.fatura:
        return b""
    try:
        with processo.fatura.open("rb") as arquivo:
            return arquivo.read()
    except OSError:
        logger.warning("Invoice file of process %s missing from storage", processo.pk)
        return b""
