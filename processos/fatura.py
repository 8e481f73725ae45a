"""A fatura em PDF: conferência pelo conteúdo, texto, gravação no storage."""

import hashlib
import io
import logging

from django.conf import settings
from django.core.files.base import ContentFile
from django.http import FileResponse, Http404
from pypdf import PdfReader

logger = logging.getLogger(__name__)

PAGINAS_LIDAS = 10  # o cliente aparece no cabeçalho; não é preciso ler uma fatura de 300 páginas


class FaturaInvalida(Exception):
    pass


def conferir_tamanho(tamanho: int) -> None:
    """O limite da fatura (robô ou upload), num lugar só."""
    if tamanho > settings.TAMANHO_MAXIMO_FATURA:
        limite = settings.TAMANHO_MAXIMO_FATURA // (1024 * 1024)
        raise FaturaInvalida(f"O arquivo da fatura passa de {limite} MB.")


def conferir_pdf(conteudo: bytes) -> None:
    """Um PDF de verdade começa com %PDF- e termina com %%EOF (ignorando espaços no fim)."""
    if not conteudo:
        raise FaturaInvalida("O arquivo da fatura está vazio.")
    conferir_tamanho(len(conteudo))
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


class Conferencia:
    OK = "ok"
    SUMIU = "arquivo ausente"
    DIFERENTE = "conteúdo diferente do SHA-256 registrado"
    SEM_SHA256 = "sem SHA-256 registrado"


def conferir_guardada(processo) -> str:
    """O arquivo da fatura está no armazenamento e é o mesmo que foi guardado (SHA-256)?"""
    try:
        with processo.fatura.open("rb") as arquivo:
            digest = hashlib.file_digest(arquivo, "sha256").hexdigest()
    except OSError:
        return Conferencia.SUMIU
    if not processo.fatura_sha256:
        return Conferencia.SEM_SHA256
    return Conferencia.OK if digest == processo.fatura_sha256 else Conferencia.DIFERENTE


def resposta_da_fatura(processo) -> FileResponse:
    """O PDF da fatura para o navegador (página e API): lido aos pedaços, nome escapado pelo
    Django. Http404 se não há fatura, ou se o arquivo sumiu do armazenamento."""
    if not processo.fatura:
        raise Http404("Este processo não tem fatura.")
    try:
        arquivo = processo.fatura.open("rb")
    except OSError:
        logger.error("Invoice file of process %s missing from storage", processo.pk)
        raise Http404("O arquivo da fatura não está no armazenamento.") from None
    nome = processo.fatura.name.rsplit("/", 1)[-1]
    return FileResponse(arquivo, content_type="application/pdf", filename=nome)


def texto_do_pdf(conteudo: bytes) -> str:
    """O texto das primeiras páginas ("" quando o PDF não tem texto ou não se deixa ler)."""
    try:
        leitor = PdfReader(io.BytesIO(conteudo))
        return "\n".join(pagina.extract_text() or "" for pagina in leitor.pages[:PAGINAS_LIDAS])
    except Exception as erro:  # o pypdf levanta de muitos tipos diante de um PDF malformado
        logger.warning("Could not read the invoice PDF text: %s", type(erro).__name__)
        return ""
