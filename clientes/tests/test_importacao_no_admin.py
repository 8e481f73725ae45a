"""A página de importação: envio → prévia com o resultado de cada linha → confirmação."""

import re
from pathlib import Path

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from clientes.models import Cliente

pytestmark = pytest.mark.django_db

AMOSTRA = Path(settings.BASE_DIR) / "clientes" / "dados" / "clientes-exemplo.csv"
URL = reverse("admin:clientes_cliente_importar")


def enviar(navegador, conteudo: bytes, pular: bool = False):
    dados = {"arquivo": SimpleUploadedFile("clientes.csv", conteudo, content_type="text/csv")}
    if pular:
        dados["pular_invalidas"] = "on"
    return navegador.post(URL, dados)


def test_previa_lista_cada_linha_e_nao_grava(administrador, navegador_de):
    resposta = enviar(navegador_de(administrador), AMOSTRA.read_bytes())
    html = resposta.content.decode()
    assert resposta.status_code == 200
    assert html.count("<td>exemplo0") == 20
    assert "Confirmar importação" in html
    assert "senha-exemplo-1" not in html
    assert Cliente.objects.count() == 0


def test_confirmar_importa(administrador, navegador_de):
    navegador = navegador_de(administrador)
    html = enviar(navegador, AMOSTRA.read_bytes()).content.decode()
    conteudo = re.search(r'name="conteudo" value="([^"]+)"', html)[1]
    resposta = navegador.post(URL, {"confirmar": "1", "conteudo": conteudo})
    assert resposta.status_code == 302
    assert Cliente.objects.count() == 20


def test_arquivo_com_erro_mostra_linha_e_motivo_e_nao_oferece_confirmar(
    administrador, navegador_de
):
    linhas = AMOSTRA.read_text(encoding="utf-8").splitlines()
    linhas[3] = linhas[3].replace("90.668.968/0001-83", "90.668.968/0001-84")
    resposta = enviar(navegador_de(administrador), "\n".join(linhas).encode())
    html = resposta.content.decode()
    assert "<td>4</td>" in html and "CNPJ inválido" in html
    assert "Confirmar importação" not in html
    assert Cliente.objects.count() == 0


def test_conteudo_adulterado_na_confirmacao_e_recusado(administrador, navegador_de):
    navegador = navegador_de(administrador)
    resposta = navegador.post(URL, {"confirmar": "1", "conteudo": "adulterado"}, follow=True)
    assert "A prévia expirou ou foi alterada" in resposta.content.decode()
    assert Cliente.objects.count() == 0


def test_arquivo_que_nao_e_csv_mostra_erro_sem_500(administrador, navegador_de):
    resposta = enviar(navegador_de(administrador), b"%PDF-1.4\x00\x01\x02")
    assert resposta.status_code == 200
    assert "não é um CSV" in resposta.content.decode()


def test_operador_nao_importa(operador, navegador_de):
    assert enviar(navegador_de(operador), AMOSTRA.read_bytes()).status_code == 403
    assert Cliente.objects.count() == 0
