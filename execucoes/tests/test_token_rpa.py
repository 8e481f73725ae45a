"""O token global da API RPA: qual vale (administrador ou ambiente) e o aviso de validade."""

import pytest

from brm.fabricas import criar_usuario, jwt_de_teste
from contas.models import Perfil
from execucoes.token_rpa import guardar_token, situacao, token_global

pytestmark = pytest.mark.django_db


def test_sem_administrador_com_token_vale_a_variavel_de_ambiente(settings, operador):
    settings.API_EXTERNA_TOKEN = "do-ambiente"
    guardar_token(operador, "de-operador-nao-vale")
    assert token_global() == "do-ambiente"


def test_token_de_administrador_vence_o_do_ambiente_e_o_ultimo_guardado_vale(settings):
    settings.API_EXTERNA_TOKEN = "do-ambiente"
    primeiro, segundo = criar_usuario(Perfil.ADMINISTRADOR), criar_usuario(Perfil.ADMINISTRADOR)
    guardar_token(primeiro, "token-1")
    guardar_token(segundo, "token-2")
    assert token_global() == "token-2"
    guardar_token(primeiro, "token-3")
    assert token_global() == "token-3"


def test_administrador_inativo_nao_fornece_token(settings, administrador):
    settings.API_EXTERNA_TOKEN = ""
    guardar_token(administrador, "token-antigo")
    administrador.is_active = False
    administrador.save()
    assert token_global() == ""
    assert "Não há token" in situacao().aviso


@pytest.mark.parametrize(
    ("dias", "aviso"),
    [(200, ""), (10, "expira em 9 dia(s)"), (-1, "expirou")],
)
def test_aviso_a_partir_de_30_dias_antes(administrador, dias, aviso):
    guardar_token(administrador, jwt_de_teste(dias))
    texto = situacao().aviso
    assert (aviso in texto) if aviso else texto == ""
