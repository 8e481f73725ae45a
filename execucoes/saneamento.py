"""O que vem do robô é entrada não confiável: cada valor é conferido e normalizado na fronteira.

Texto perde NUL e caracteres de controle e ganha um limite de tamanho (o PostgreSQL recusa NUL e
um log não precisa de 1 MB numa linha); valores e datas têm de ser reais; um job_id segue um padrão
seguro (vai para URLs, cabeçalhos e nomes de arquivo). Quem chama decide o que fazer com um valor
recusado — em geral, a execução falha com a mensagem em pt-BR de `ValorInvalido`.
"""

import datetime as dt
import re
from decimal import Decimal, InvalidOperation

CONTROLES = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\ud800-\udfff]")
PADRAO_JOB_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._:-]{0,99}")
VALOR_MAXIMO = Decimal(10) ** 13  # cabe em Decimal(15, 2)
ANOS_ACEITOS = range(2000, 2101)
TAMANHO_MENSAGEM = 4000
TAMANHO_ERRO = 2000


class ValorInvalido(ValueError):
    """Um valor do robô que não se aproveita; `str(erro)` explica em pt-BR."""


def texto(valor, limite: int = TAMANHO_MENSAGEM) -> str:
    if valor is None:
        return ""
    return CONTROLES.sub("", str(valor))[:limite]


def amostra(valor) -> str:
    """Um pedaço do valor recusado, seguro para mostrar numa mensagem."""
    bruto = texto(valor, 40)
    return f"“{bruto}”" if bruto else "(vazio)"


def job_id(valor) -> str:
    """O job_id se for seguro, senão ""."""
    if not isinstance(valor, str) or not PADRAO_JOB_ID.fullmatch(valor):
        return ""
    return valor


def momento(valor) -> dt.datetime | None:
    """ISO 8601; sem fuso quer dizer UTC (docs/api-rpa.md). Nada fora de 2000 a 2100."""
    if not isinstance(valor, str) or not valor or len(valor) > 40:
        return None
    try:
        lido = dt.datetime.fromisoformat(valor.replace("Z", "+00:00"))
    except ValueError:
        return None
    if lido.year not in ANOS_ACEITOS:
        return None
    return lido if lido.tzinfo else lido.replace(tzinfo=dt.UTC)


def valor_monetario(valor) -> Decimal | None:
    """ "1234.56", "1.234,56", "R$ 1.234,56" ou número → Decimal; None quando não veio.

    Recusa (ValorInvalido) o que veio e não é um valor real: NaN, infinito, negativo, 10¹³ ou
    mais, texto qualquer.
    """
    if valor is None or valor == "":
        return None
    if isinstance(valor, bool) or not isinstance(valor, str | int | float | Decimal):
        raise ValorInvalido(f"O robô informou um valor de fatura inválido: {amostra(valor)}.")
    bruto = str(valor).replace("R$", "").strip()
    if "," in bruto:
        bruto = bruto.replace(".", "").replace(",", ".")
    try:
        numero = Decimal(bruto)
        valido = numero.is_finite() and 0 <= numero < VALOR_MAXIMO
    except (InvalidOperation, ValueError):
        valido = False
    if not valido:
        raise ValorInvalido(f"O robô informou um valor de fatura inválido: {amostra(valor)}.")
    return numero.quantize(Decimal("0.01"))


def data(valor) -> dt.date | None:
    """ "2024-01-15" ou "15/01/2024" → date; None quando não veio; ValorInvalido se não é data."""
    if valor is None or valor == "":
        return None
    if isinstance(valor, str):
        for formato in ("%Y-%m-%d", "%d/%m/%Y"):
            try:
                lida = dt.datetime.strptime(valor.strip()[:10], formato).date()
            except ValueError:
                continue
            if lida.year in ANOS_ACEITOS:
                return lida
    raise ValorInvalido(f"O robô informou uma data de vencimento inválida: {amostra(valor)}.")


def json_limpo(valor, profundidade: int = 0):
    """Uma cópia guardável de um JSON do robô: textos limpos, fundura e tamanho limitados."""
    if profundidade > 5:
        return None
    if isinstance(valor, str):
        return texto(valor, TAMANHO_ERRO)
    if isinstance(valor, bool | int) or valor is None:
        return valor
    if isinstance(valor, float):
        return valor if valor == valor and abs(valor) != float("inf") else None
    if isinstance(valor, list):
        return [json_limpo(item, profundidade + 1) for item in valor[:50]]
    if isinstance(valor, dict):
        itens = list(valor.items())[:50]
        return {texto(chave, 100): json_limpo(item, profundidade + 1) for chave, item in itens}
    return texto(valor, 200)
