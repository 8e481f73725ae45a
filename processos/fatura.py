"""A fatura em PDF: conferência pelo conteúdo, gravação no storage, valor e vencimento do robô."""

import datetime as dt
import hashlib
from decimal import Decimal, InvalidOperation

from django.conf import settings
from django.core.files.base import ContentFile


class FaturaInvalida(Exception):
    pass


def conferir_pdf(conteudo: bytes) -> None:
    """Um PDF de verdade começa com %PDF- e termina com %%EOF (ignorando espaços no fim)."""
    if not conteudo:
        raise FaturaInvalida("O arquivo da fatura está vazio.")
    if len(conteudo) > settings.TAMANHO_MAXIMO_FATURA:
        limite = settings.TAMANHO_MAXIMO_FATURA // (1024 * 1024)
        raise FaturaInvalida(f"O arquivo da fatura passa de {limite} MB.")
    if not conteudo.lstrip()[:5] == b"%PDF-":
        raise FaturaInvalida("O arquivo da fatura não é um PDF.")
    if b"%%EOF" not in conteudo[-1024:]:
        raise FaturaInvalida("O PDF da fatura está incompleto (sem %%EOF).")


def guardar_fatura(processo, conteudo: bytes) -> None:
    """Confere, grava no storage do Django e registra o SHA-256 (não salva o processo)."""
    conferir_pdf(conteudo)
    digest = hashlib.sha256(conteudo).hexdigest()
    nome = (
        f"{processo.cliente.operadora.codigo.lower()}_{processo.competencia:%Y%m}_{digest[:12]}.pdf"
    )
    processo.fatura.save(nome, ContentFile(conteudo), save=False)
    processo.fatura_sha256 = digest


def ler_valor(valor) -> Decimal | None:
    """ "1234.56", "1.234,56", "R$ 1.234,56" ou número → Decimal; None se não der."""
    if valor is None or valor == "":
        return None
    texto = str(valor).replace("R$", "").strip()
    if "," in texto:
        texto = texto.replace(".", "").replace(",", ".")
    try:
        numero = Decimal(texto).quantize(Decimal("0.01"))
    except InvalidOperation:
        return None
    return numero if numero >= 0 else None


def ler_data(valor) -> dt.date | None:
    """ "2024-01-15" ou "15/01/2024" → date; None se não der."""
    if not isinstance(valor, str):
        return None
    for formato in ("%Y-%m-%d", "%d/%m/%Y"):
        try:
            return dt.datetime.strptime(valor.strip()[:10], formato).date()
        except ValueError:
            continue
    return None
