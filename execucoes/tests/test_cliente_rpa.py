"""Todo cliente da API RPA sai de `cliente_rpa`: o endereço certo, o token global e os prazos."""

import pytest

from brm.fabricas import criar_cliente, criar_operadora, criar_processo
from execucoes.conexao import PRAZO_NA_TELA, cliente_rpa
from execucoes.models import Execucao, TipoExecucao
from execucoes.token_rpa import guardar_token

pytestmark = pytest.mark.django_db


@pytest.fixture
def processo_de_terceira(settings):
    settings.API_EXTERNA_URL = "http://global.example/"
    operadora = criar_operadora("TERCEIRA", url_endpoint_rpa="http://terceira.example/")
    return criar_processo(criar_cliente(operadora))


def test_download_vai_a_api_da_operadora_e_o_sat_a_global(processo_de_terceira):
    download = Execucao(processo=processo_de_terceira, tipo=TipoExecucao.DOWNLOAD_FATURA)
    sat = Execucao(processo=processo_de_terceira, tipo=TipoExecucao.UPLOAD_SAT)
    assert cliente_rpa(execucao=download).base_url == "http://terceira.example"
    assert cliente_rpa(execucao=sat).base_url == "http://global.example"


def test_o_job_e_consultado_na_api_onde_foi_criado(processo_de_terceira):
    execucao = Execucao(
        processo=processo_de_terceira,
        tipo=TipoExecucao.DOWNLOAD_FATURA,
        url_rpa="http://onde-o-job-nasceu.example",
    )
    assert cliente_rpa(execucao=execucao).base_url == "http://onde-o-job-nasceu.example"


def test_todo_cliente_leva_o_token_global(settings, administrador):
    settings.API_EXTERNA_TOKEN = "do-ambiente"
    assert cliente_rpa().token == "do-ambiente"
    guardar_token(administrador, "do-administrador")
    assert cliente_rpa(url="http://outra.example").token == "do-administrador"


def test_quem_espera_na_tela_tem_prazo_curto_e_nenhuma_repeticao():
    cliente, na_tela = cliente_rpa(), cliente_rpa(na_tela=True)
    assert cliente.repetir_gets and cliente.tempo_limite is None
    assert not na_tela.repetir_gets and na_tela.tempo_limite is PRAZO_NA_TELA
