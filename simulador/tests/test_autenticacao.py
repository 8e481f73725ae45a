from datetime import UTC, datetime, timedelta

import jwt
import pytest
import requests

from simulador.config import CHAVE_RENOVACAO_DEV, SEGREDO_DEV
from simulador.tests.cliente_http import CORPO_DOWNLOAD
from simulador.tokens import emitir_token

ROTAS_PROTEGIDAS = [
    ("POST", "/executar/OI"),
    ("POST", "/executar/sat"),
    ("GET", "/status/x"),
    ("GET", "/jobs"),
    ("GET", "/jobs/x"),
    ("GET", "/jobs/x/logs"),
    ("GET", "/auth/token"),
    ("GET", "/arquivos/faturas/x.pdf"),
]
INVALIDO = {"detail": "Token inválido ou expirado"}


def _token_expirado() -> str:
    return emitir_token(SEGREDO_DEV, agora=datetime.now(UTC) - timedelta(days=400))


@pytest.mark.parametrize(("metodo", "caminho"), ROTAS_PROTEGIDAS)
@pytest.mark.parametrize(
    "cabecalho",
    [
        None,
        "Bearer",
        "Bearer lixo",
        "Basic abc",
        "Bearer " + jwt.encode({"exp": 9999999999}, "outro-segredo-com-32-bytes-ou-mais!"),
        "expirado",
    ],
)
def test_rotas_protegidas_exigem_token_valido(sim, metodo, caminho, cabecalho):
    if cabecalho == "expirado":
        cabecalho = f"Bearer {_token_expirado()}"
    cabecalhos = {"Authorization": cabecalho} if cabecalho else {}

    resposta = requests.request(
        metodo, sim.url + caminho, headers=cabecalhos, json=CORPO_DOWNLOAD, timeout=5
    )

    assert resposta.status_code == 401
    assert resposta.json() == INVALIDO


def test_token_sem_exp_e_recusado(cliente):
    sem_exp = jwt.encode({"sub": "x"}, SEGREDO_DEV)

    resposta = requests.get(
        f"{cliente.url}/jobs", headers={"Authorization": f"Bearer {sem_exp}"}, timeout=5
    )

    assert resposta.status_code == 401


def test_renovar_com_a_chave_devolve_token_de_365_dias(sim):
    resposta = requests.post(
        f"{sim.url}/auth/refresh", json={"refresh_key": CHAVE_RENOVACAO_DEV}, timeout=5
    )

    assert resposta.status_code == 200
    corpo = resposta.json()
    assert corpo["expires_in_days"] == 365
    claims = jwt.decode(corpo["token"], SEGREDO_DEV, algorithms=["HS256"])
    assert claims["exp"] - claims["iat"] == 365 * 24 * 3600


@pytest.mark.parametrize("corpo", [{"refresh_key": "errada"}, {}, {"refresh_key": 1}, None])
def test_renovar_com_chave_errada_ou_ausente_da_401(sim, corpo):
    resposta = requests.post(f"{sim.url}/auth/refresh", json=corpo, timeout=5)

    assert resposta.status_code == 401
    assert resposta.json() == {"detail": "Chave de renovação inválida"}


def test_chave_de_renovacao_vem_do_ambiente(iniciar_simulador, monkeypatch):
    monkeypatch.setenv("BRM_TOKEN_PASSWORD", "chave-da-producao")
    sim = iniciar_simulador()

    def renovar(chave):
        return requests.post(f"{sim.url}/auth/refresh", json={"refresh_key": chave}, timeout=5)

    assert renovar("chave-da-producao").status_code == 200
    assert renovar(CHAVE_RENOVACAO_DEV).status_code == 401


def test_token_novo_nao_invalida_o_antigo(sim):
    antigo = sim.novo_token()
    novo = requests.post(
        f"{sim.url}/auth/refresh", json={"refresh_key": CHAVE_RENOVACAO_DEV}, timeout=5
    ).json()["token"]

    for token in (antigo, novo):
        resposta = requests.get(
            f"{sim.url}/jobs", headers={"Authorization": f"Bearer {token}"}, timeout=5
        )
        assert resposta.status_code == 200
    assert antigo != novo


def test_auth_token_devolve_o_token_apresentado(cliente):
    token = cliente.sessao.headers["Authorization"].removeprefix("Bearer ")

    resposta = cliente.get("/auth/token")

    assert resposta.status_code == 200
    assert resposta.json() == {"token": token, "expires_in": 525600, "message": "Token atual"}


def test_segredo_proprio_vem_do_ambiente(iniciar_simulador, monkeypatch):
    monkeypatch.setenv("SIMULADOR_SEGREDO", "segredo-do-ambiente-com-mais-de-32-bytes")
    sim = iniciar_simulador()

    claims = jwt.decode(
        sim.novo_token(), "segredo-do-ambiente-com-mais-de-32-bytes", algorithms=["HS256"]
    )

    assert claims["exp"]
    headers = {"Authorization": f"Bearer {emitir_token(SEGREDO_DEV)}"}
    assert requests.get(f"{sim.url}/jobs", headers=headers, timeout=5).status_code == 401
