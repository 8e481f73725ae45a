"""Importação da planilha das operadoras (comando e serviço)."""

from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import CommandError, call_command

from brm.fabricas import criar_operadora
from clientes.importacao import ArquivoInvalido, importar_clientes
from clientes.models import Cliente
from operadoras.models import Operadora

pytestmark = pytest.mark.django_db

AMOSTRA = Path(settings.BASE_DIR) / "clientes" / "dados" / "clientes-exemplo.csv"
CABECALHO = (
    "HASH,RAZÃO SOCIAL,NOME SAT,CNPJ,OPERADORA,FILTRO,SERVIÇO,DADOS SAT,UNIDADE / FILTRO SAT,"
    "CATEGORIAS / FILTRO SAT,SITE PARA EMISSÃO ,LOGIN ,SENHA,CPF,OBS,STATUS,PATCHDOWNLOAD,ATUALIZA/CRIA"
)


def planilha(*linhas: str, cabecalho: str = CABECALHO, separador: str = ",") -> bytes:
    texto = "\n".join([cabecalho, *linhas]).replace(",", separador)
    return texto.encode()


def linha(hash_="h1", razao="EMPRESA X LTDA", cnpj="25.988.000/0001-72", operadora="VIVO", **extra):
    valores = {
        "filtro": "123",
        "servico": "Internet",
        "unidade": "Campo Grande-MS",
        "senha": "s3cr3t",
        "status": "1",
        "atualiza": "SIM",
        "cpf": "",
    }
    valores.update(extra)
    return (
        f"{hash_},{razao},{razao},{cnpj},{operadora},{valores['filtro']},{valores['servico']},"
        f"Link,{valores['unidade']},,https://portal.example,login@x.example,{valores['senha']},"
        f"{valores['cpf']},,{valores['status']},,{valores['atualiza']}"
    )


def test_amostra_importa_20_clientes_em_5_operadoras():
    resultado = importar_clientes(AMOSTRA.read_bytes())
    assert resultado.gravado and not resultado.invalidas
    assert Cliente.objects.count() == 20
    assert Operadora.objects.count() == 5
    assert set(Operadora.objects.values_list("codigo", flat=True)) == {
        "VIVO",
        "EMBRATEL",
        "OI",
        "DIGITALNET",
        "AZUTON",
    }
    assert Cliente.objects.filter(ativo=False).count() == 2  # STATUS 0
    assert Operadora.objects.get(codigo="AZUTON").possui_rpa is False
    assert Operadora.objects.get(codigo="OI").possui_rpa is True


def test_oi_em_caixa_mista_e_a_mesma_operadora_oi():
    importar_clientes(AMOSTRA.read_bytes())
    oi = Operadora.objects.get(codigo="OI")
    assert oi.clientes.count() == 4  # "Oi" e "OI" na amostra


def test_arquivo_com_linhas_ruins_nao_grava_nada_e_diz_a_linha_e_o_motivo():
    criar_operadora("VELHA", ativo=False)
    conteudo = planilha(
        linha("ok1"),
        linha("ok2", cnpj="20.834.547/0001-08"),
        linha("ruim1", cnpj="11.111.111/1111-11"),
        linha("ruim2", razao=""),
        linha("ruim3", cnpj="90.668.968/0001-83", operadora="VELHA"),
        linha("ruim4", cnpj="56.661.846/0001-27", status="talvez"),
        linha("ruim5", cnpj="22.034.628/0001-40", cpf="123.456.789-00"),
    )
    resultado = importar_clientes(conteudo)

    assert not resultado.gravado
    assert Cliente.objects.count() == 0
    assert not Operadora.objects.filter(codigo="VIVO").exists()  # nem a operadora nova fica
    erros = {linha.numero: "; ".join(linha.erros) for linha in resultado.invalidas}
    assert set(erros) == {4, 5, 6, 7, 8}
    assert "CNPJ inválido" in erros[4]
    assert "RAZÃO SOCIAL" in erros[5]
    assert "VELHA está inativa" in erros[6]
    assert "STATUS" in erros[7]
    assert "CPF inválido" in erros[8]


def test_pular_invalidas_importa_as_boas():
    conteudo = planilha(linha("ok1"), linha("ruim", cnpj="123"))
    resultado = importar_clientes(conteudo, pular_invalidas=True)
    assert resultado.gravado
    assert list(Cliente.objects.values_list("hash_unico", flat=True)) == ["ok1"]
    assert [linha.numero for linha in resultado.invalidas] == [3]


def test_chave_duplicada_no_proprio_arquivo_aponta_a_linha_anterior():
    conteudo = planilha(linha("a"), linha("b"))  # mesmo CNPJ, operadora, unidade e serviço
    resultado = importar_clientes(conteudo)
    assert Cliente.objects.count() == 0
    assert resultado.invalidas[0].numero == 3
    assert "linha 2" in resultado.invalidas[0].erros[0]


def test_hash_existente_sem_atualiza_e_recusado():
    importar_clientes(planilha(linha("a")))
    resultado = importar_clientes(planilha(linha("a", atualiza="NÃO", filtro="999")))
    assert "já cadastrado" in resultado.invalidas[0].erros[0]
    assert Cliente.objects.get().filtro == "123"


def test_atualiza_sim_atualiza_o_cliente_com_aquele_hash():
    importar_clientes(planilha(linha("a")))
    resultado = importar_clientes(planilha(linha("a", filtro="999", status="0")))
    assert resultado.atualizados == 1 and resultado.criados == 0
    cliente = Cliente.objects.get()
    assert (cliente.filtro, cliente.ativo) == ("999", False)


def test_simulacao_nao_grava_nada_mas_mostra_o_que_faria():
    resultado = importar_clientes(AMOSTRA.read_bytes(), simular=True)
    assert resultado.criados == 20
    assert Cliente.objects.count() == 0
    assert Operadora.objects.count() == 0


def test_aceita_bom_ponto_e_virgula_e_espacos_no_cabecalho():
    cabecalho = " HASH ; RAZÃO  SOCIAL;NOME SAT;CNPJ ;OPERADORA;FILTRO;SERVIÇO;DADOS SAT;UNIDADE / FILTRO SAT"
    conteudo = (
        "\ufeff" + cabecalho + "\nx1;ACME LTDA;ACME;25.988.000/0001-72;Oi;1;Internet;Link;CG\n"
    )
    resultado = importar_clientes(conteudo.encode("utf-8"))
    assert resultado.criados == 1
    cliente = Cliente.objects.get()
    assert (cliente.hash_unico, cliente.operadora.codigo) == ("x1", "OI")


def test_hash_vazio_e_calculado():
    importar_clientes(planilha(linha("")))
    assert len(Cliente.objects.get().hash_unico) == 32


@pytest.mark.parametrize(
    ("conteudo", "mensagem"),
    [
        (b"", "vazio"),
        (b"NOME,IDADE\nfulano,3\n", "RAZ\u00c3O SOCIAL"),
        ("HASH,CNPJ\n".encode("utf-16"), "UTF-16"),
    ],
)
def test_arquivo_que_nao_serve_e_recusado_com_mensagem(conteudo, mensagem):
    with pytest.raises(ArquivoInvalido, match=mensagem):
        importar_clientes(conteudo)


def test_comando_importa_a_amostra(capsys):
    call_command("importar_clientes", str(AMOSTRA))
    assert "20 cliente(s) criado(s)" in capsys.readouterr().out
    assert Cliente.objects.count() == 20


def test_comando_dry_run_nao_grava(capsys):
    call_command("importar_clientes", str(AMOSTRA), "--dry-run")
    assert "Simulação" in capsys.readouterr().out
    assert Cliente.objects.count() == 0


def test_comando_com_linhas_ruins_falha_e_lista_as_linhas(tmp_path, capsys):
    arquivo = tmp_path / "ruim.csv"
    arquivo.write_bytes(planilha(linha("a"), linha("b", cnpj="999")))
    with pytest.raises(CommandError, match="nada foi importado"):
        call_command("importar_clientes", str(arquivo))
    assert "Linha 3: CNPJ" in capsys.readouterr().err
    assert Cliente.objects.count() == 0
    call_command("importar_clientes", str(arquivo), "--pular-invalidas")
    assert Cliente.objects.count() == 1


def test_comando_com_arquivo_inexistente_da_erro_claro():
    with pytest.raises(CommandError, match="Não foi possível ler"):
        call_command("importar_clientes", "/nao/existe.csv")


def test_senha_nao_aparece_no_resultado():
    resultado = importar_clientes(planilha(linha("a", senha="senha-ultra-secreta")), simular=True)
    assert "senha-ultra-secreta" not in repr(resultado)
