import shutil
import subprocess

import pytest
import requests

from simulador.tests.cliente_http import Cliente


def _url_da_fatura(cliente: Cliente) -> str:
    cliente.controle("ajustes", forma_resultado="objeto")
    job_id = cliente.criar_download(cnpj="98.765.432/0001-10")
    return cliente.esperar_fim(job_id)["result"]["arquivo_fatura"]


def test_fatura_e_um_pdf_valido(cliente):
    resposta = cliente.get(_url_da_fatura(cliente).removeprefix(cliente.url))

    assert resposta.status_code == 200
    assert resposta.headers["Content-Type"] == "application/pdf"
    pdf = resposta.content
    assert pdf.startswith(b"%PDF-1.4")
    assert pdf.rstrip().endswith(b"%%EOF")
    inicio_xref = int(pdf.rsplit(b"startxref", 1)[1].split()[0])
    assert pdf[inicio_xref:].startswith(b"xref")


def test_offsets_da_xref_apontam_para_os_objetos(cliente):
    pdf = cliente.get(_url_da_fatura(cliente).removeprefix(cliente.url)).content
    inicio_xref = int(pdf.rsplit(b"startxref", 1)[1].split()[0])
    linhas = pdf[inicio_xref:].split(b"\n")
    total = int(linhas[1].split()[1])

    for numero in range(1, total):
        offset = int(linhas[2 + numero].split()[0])
        assert pdf[offset:].startswith(b"%d 0 obj" % numero)


@pytest.mark.skipif(not shutil.which("pdftotext"), reason="pdftotext não instalado")
def test_texto_da_fatura_tem_cliente_competencia_valor_e_vencimento(cliente, tmp_path):
    cliente.controle("ajustes", forma_resultado="objeto")
    job_id = cliente.criar_download(cnpj="98.765.432/0001-10")
    resultado = cliente.esperar_fim(job_id)["result"]
    arquivo = tmp_path / "fatura.pdf"
    arquivo.write_bytes(cliente.get(resultado["arquivo_fatura"].removeprefix(cliente.url)).content)

    texto = subprocess.run(
        ["pdftotext", str(arquivo), "-"], capture_output=True, text=True, check=True
    ).stdout

    ano, mes, dia = resultado["data_vencimento"].split("-")
    assert "98.765.432/0001-10" in texto
    assert "Competência:" in texto
    assert f"Vencimento: {dia}/{mes}/{ano}" in texto
    assert resultado["valor_fatura"].split(".")[1] in texto.split("Valor total: R$ ")[1]


def test_arquivo_exige_token_e_inexistente_da_404(cliente):
    url = _url_da_fatura(cliente)

    assert requests.get(url, timeout=5).status_code == 401
    resposta = cliente.get("/arquivos/faturas/nao_existe.pdf")
    assert resposta.status_code == 404
    assert resposta.json() == {"detail": "Arquivo 'faturas/nao_existe.pdf' não encontrado"}
