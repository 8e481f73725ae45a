"""Faturas em PDF 1.4 escritas à mão: uma página de texto, xref com offsets corretos.

Uma fatura marcada com ``pdf_valido=False`` sai como a página HTML de erro que o robô salvou
no lugar do PDF (``/__simulador/falhas/resultado`` com ``"pdf": false``).
"""

from dataclasses import dataclass
from datetime import date


@dataclass(frozen=True)
class Fatura:
    operadora: str
    cnpj: str
    filtro: str
    competencia: str  # "MM/AAAA"
    valor: str  # "1234.56"
    vencimento: date
    job_id: str
    pdf_valido: bool = True


def fatura_pdf(fatura: Fatura) -> bytes:
    """Os bytes servidos em ``/arquivos/...``: o PDF, ou HTML se ``pdf_valido`` é falso."""
    if not fatura.pdf_valido:
        return _pagina_de_erro(fatura)
    linhas = [
        ("F2", 18, f"Fatura de serviços de telecomunicações - {fatura.operadora}"),
        ("F1", 12, f"Cliente (CNPJ): {fatura.cnpj}"),
        ("F1", 12, f"Conta / filtro: {fatura.filtro}"),
        ("F1", 12, f"Competência: {fatura.competencia}"),
        ("F1", 12, f"Valor total: R$ {_valor_brasileiro(fatura.valor)}"),
        ("F1", 12, f"Vencimento: {fatura.vencimento:%d/%m/%Y}"),
        ("F1", 9, f"Documento gerado pelo simulador da API RPA - job {fatura.job_id}"),
    ]
    return _documento(linhas, titulo=f"Fatura {fatura.operadora} {fatura.competencia}")


def pdf_de_texto(linhas: list[str], titulo: str = "Documento") -> bytes:
    """Um PDF de uma página com estas linhas de texto (os testes montam faturas de outros
    formatos com ele)."""
    return _documento([("F1", 12, linha) for linha in linhas], titulo=titulo)


def _pagina_de_erro(fatura: Fatura) -> bytes:
    return (
        "<!DOCTYPE html>\n<html><head><title>502 Bad Gateway</title></head>\n"
        "<body><h1>502 Bad Gateway</h1>\n"
        f"<p>Portal da operadora {fatura.operadora} indisponível. Tente novamente mais tarde.</p>\n"
        "</body></html>\n"
    ).encode("utf-8", errors="replace")


def _valor_brasileiro(valor: str) -> str:
    inteiro, _, centavos = valor.partition(".")
    milhares = f"{int(inteiro):,}".replace(",", ".")
    return f"{milhares},{centavos or '00'}"


def _documento(linhas: list[tuple[str, int, str]], *, titulo: str) -> bytes:
    conteudo = _fluxo_de_texto(linhas)
    objetos = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] "
        b"/Resources << /Font << /F1 5 0 R /F2 6 0 R >> >> /Contents 4 0 R >>",
        b"<< /Length %d >>\nstream\n%s\nendstream" % (len(conteudo), conteudo),
        _fonte(b"Helvetica"),
        _fonte(b"Helvetica-Bold"),
        b"<< /Title (%s) /Producer (Simulador RPA BRM) >>" % _texto_pdf(titulo),
    ]
    saida = bytearray(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for numero, corpo in enumerate(objetos, start=1):
        offsets.append(len(saida))
        saida += b"%d 0 obj\n%s\nendobj\n" % (numero, corpo)
    inicio_xref = len(saida)
    saida += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objetos) + 1)
    for offset in offsets:
        saida += b"%010d 00000 n \n" % offset
    saida += b"trailer\n<< /Size %d /Root 1 0 R /Info 7 0 R >>\n" % (len(objetos) + 1)
    saida += b"startxref\n%d\n%%%%EOF\n" % inicio_xref
    return bytes(saida)


def _fonte(nome: bytes) -> bytes:
    return b"<< /Type /Font /Subtype /Type1 /BaseFont /%s /Encoding /WinAnsiEncoding >>" % nome


def _fluxo_de_texto(linhas: list[tuple[str, int, str]]) -> bytes:
    comandos = [b"BT", b"56 780 Td"]
    for indice, (fonte, tamanho, texto) in enumerate(linhas):
        if indice:
            comandos.append(b"0 -%d Td" % (tamanho + 14))
        comandos.append(b"/%s %d Tf (%s) Tj" % (fonte.encode(), tamanho, _texto_pdf(texto)))
    comandos.append(b"ET")
    return b"\n".join(comandos)


def _texto_pdf(texto: str) -> bytes:
    bruto = texto.encode("cp1252", errors="replace")
    return bruto.replace(b"\\", b"\\\\").replace(b"(", b"\\(").replace(b")", b"\\)")
