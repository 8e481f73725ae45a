"""/healthz e /readyz: o orquestrador sabe se o processo responde e se pode receber pedidos."""

import json

import pytest
from django.db import OperationalError, connection

from brm import saude

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _migracoes_conferidas_de_novo(monkeypatch):
    monkeypatch.setattr(saude, "_migrado", False)


def test_healthz_responde_sem_login_e_sem_tocar_no_banco(client, django_assert_num_queries):
    with django_assert_num_queries(0):
        resposta = client.get("/healthz")
    assert resposta.status_code == 200
    assert resposta.json() == {"status": "ok"}


def test_readyz_pronto_com_banco_migrado_armazenamento_e_a_api_rpa(client, simulador):
    resposta = client.get("/readyz")
    assert resposta.status_code == 200
    assert resposta.json() == {
        "status": "ok",
        "verificacoes": {"banco": "ok", "armazenamento": "ok", "api_rpa": "ok"},
    }
    assert resposta["Cache-Control"].startswith("max-age=0")


def test_readyz_continua_pronto_com_a_api_rpa_fora_do_ar_e_diz_isso(client, api_fora_do_ar):
    resposta = client.get("/readyz")
    assert resposta.status_code == 200
    assert resposta.json()["verificacoes"]["api_rpa"] == "sem resposta"


def test_readyz_nao_mostra_enderecos_nem_segredos(client, api_fora_do_ar, settings):
    settings.API_EXTERNA_TOKEN = "token-que-nao-pode-aparecer"
    corpo = client.get("/readyz").content.decode()
    for segredo in (api_fora_do_ar, "127.0.0.1", settings.API_EXTERNA_TOKEN, settings.SECRET_KEY):
        assert segredo not in corpo
    assert settings.FIELD_ENCRYPTION_KEY[0] not in corpo


def test_readyz_503_com_migracao_pendente(client, settings, simulador):
    settings.MIGRATION_MODULES = {"brm": "brm.tests.migracoes_pendentes"}
    resposta = client.get("/readyz")
    assert resposta.status_code == 503
    assert resposta.json()["status"] == "indisponivel"
    assert resposta.json()["verificacoes"]["banco"] == "migrações pendentes"


@pytest.mark.parametrize("ja_migrado", [False, True])
def test_readyz_503_sem_banco(client, monkeypatch, simulador, ja_migrado):
    """Também depois de uma sonda boa: a conexão guardada pode ter morrido com o banco."""
    monkeypatch.setattr(saude, "_migrado", ja_migrado)

    def sem_banco():
        raise OperationalError("connection refused")

    monkeypatch.setattr(connection, "cursor", sem_banco)
    resposta = client.get("/readyz")
    assert resposta.status_code == 503
    assert resposta.json()["verificacoes"]["banco"] == "sem conexão"
    assert "refused" not in json.dumps(resposta.json())


def test_readyz_503_quando_as_faturas_nao_podem_ser_gravadas(client, settings, tmp_path, simulador):
    arquivo = tmp_path / "nao-e-pasta"
    arquivo.write_text("x")
    settings.MEDIA_ROOT = str(arquivo)
    resposta = client.get("/readyz")
    assert resposta.status_code == 503
    assert resposta.json()["verificacoes"]["armazenamento"] == "sem gravação"
