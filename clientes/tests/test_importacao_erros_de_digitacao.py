"""A importação não cria operadora por erro de digitação nem perde linhas por uma aspa aberta."""

import re

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse

from brm.fabricas import criar_operadora
from clientes.importacao import ArquivoInvalido, importar_clientes
from clientes.models import Cliente
from clientes.tests.test_importacao import CABECALHO, linha, planilha
from clientes.tests.test_importacao_no_admin import enviar
from operadoras.models import Operadora

pytestmark = pytest.mark.django_db

URL = reverse("admin:clientes_cliente_importar")


@pytest.fixture
def vivo():
    return criar_operadora("VIVO")


def test_operadora_parecida_com_uma_existente_nao_e_criada_sem_confirmacao(vivo):
    conteudo = planilha(linha("h1"), linha("h2", cnpj="25.988.000/0002-53", operadora="VIVVO"))
    resultado = importar_clientes(conteudo)
    assert resultado.operadoras_parecidas == {"VIVVO": "VIVO"}
    [errada] = resultado.invalidas
    assert errada.numero == 3 and "VIVVO não existe e parece VIVO" in errada.erros[0]
    assert not resultado.gravado
    assert not Operadora.objects.filter(codigo="VIVVO").exists()
    assert Cliente.objects.count() == 0


def test_operadora_parecida_confirmada_como_nova_e_criada(vivo):
    conteudo = planilha(linha("h1", operadora="VIVVO"))
    resultado = importar_clientes(conteudo, operadoras_confirmadas=frozenset({"VIVVO"}))
    assert resultado.gravado and resultado.operadoras_criadas == ["VIVVO"]
    assert Cliente.objects.get().operadora.codigo == "VIVVO"


def test_operadora_nova_diferente_das_existentes_e_criada_como_antes(vivo):
    resultado = importar_clientes(planilha(linha("h1", operadora="CLARO")))
    assert resultado.gravado and resultado.operadoras_criadas == ["CLARO"]


def test_aspas_sem_fechar_dizem_a_linha_e_nao_importam_nada(vivo):
    quebrada = linha("h2", razao="EMPRESA Y LTDA", cnpj="25.988.000/0002-53")
    quebrada = quebrada.replace("EMPRESA Y LTDA", '"EMPRESA Y LTDA', 1)  # só uma aspa, aberta
    conteudo = planilha(
        linha("h1"),
        quebrada,
        linha("h3", cnpj="11.222.333/0001-81"),
        linha("h4", cnpj="11.444.777/0001-61"),
    )
    with pytest.raises(
        ArquivoInvalido,
        match=r"Linha 3: aspas abertas e não fechadas — a célula engole as linhas 4 a 5",
    ):
        importar_clientes(conteudo)
    assert Cliente.objects.count() == 0


def test_observacao_de_varias_linhas_entre_aspas_continua_valendo(vivo):
    texto = planilha(linha("h1")).decode()
    # A coluna OBS (15ª) com duas linhas de texto, entre aspas, como a planilha salva.
    celulas = texto.splitlines()[1].split(",")
    celulas[14] = '"ligar antes\ndo dia 5"'
    conteudo = "\n".join([CABECALHO, ",".join(celulas)]).encode()
    resultado = importar_clientes(conteudo)
    assert resultado.gravado
    assert Cliente.objects.get().observacoes == "ligar antes\ndo dia 5"


def test_no_admin_a_previa_pergunta_e_a_confirmacao_cria(vivo, administrador, navegador_de):
    navegador = navegador_de(administrador)
    html = enviar(navegador, planilha(linha("h1", operadora="VIVVO"))).content.decode()
    assert 'id="operadoras-parecidas"' in html
    assert "<strong>VIVVO</strong> é uma operadora nova (não é <strong>VIVO</strong>)" in html
    assert "Confirmar importação" not in html
    conteudo = re.search(r'name="conteudo" value="([^"]+)"', html)[1]
    html = navegador.post(
        URL, {"reconferir": "1", "conteudo": conteudo, "operadora_nova": "VIVVO"}
    ).content.decode()
    assert "Confirmar importação" in html and 'id="operadoras-parecidas"' not in html
    novas = re.search(r'name="operadoras_novas" value="([^"]*)"', html)[1]
    assert novas == "VIVVO"
    navegador.post(URL, {"confirmar": "1", "conteudo": conteudo, "operadoras_novas": novas})
    assert Cliente.objects.get().operadora.codigo == "VIVVO"


def test_comando_pede_a_confirmacao_da_operadora_nova(vivo, tmp_path):
    arquivo = tmp_path / "clientes.csv"
    arquivo.write_bytes(planilha(linha("h1", operadora="VIVVO")))
    with pytest.raises(CommandError):
        call_command("importar_clientes", str(arquivo))
    call_command("importar_clientes", str(arquivo), "--operadora-nova", "VIVVO")
    assert Cliente.objects.get().operadora.codigo == "VIVVO"
