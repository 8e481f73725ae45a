"""Os erros da API em pt-BR: um conflito no banco vira 409, sem o texto do banco."""

from django.db import IntegrityError

from nucleo.api_erros import tratar_excecao


def test_conflito_no_banco_vira_409_em_portugues():
    resposta = tratar_excecao(IntegrityError("duplicate key value"), {})
    assert resposta.status_code == 409
    assert "duplicate" not in resposta.data["detail"]
    assert "Conflito" in resposta.data["detail"]
