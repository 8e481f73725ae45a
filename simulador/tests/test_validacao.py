import pytest

from simulador.tests.cliente_http import CORPO_DOWNLOAD, CORPO_SAT


def test_campos_ausentes_no_formato_do_fastapi(cliente):
    resposta = cliente.post("/executar/OI", json={"login": "a@b.com", "senha": "s"})

    assert resposta.status_code == 422
    assert resposta.json() == {
        "detail": [
            {"loc": ["body", "filtro"], "msg": "field required", "type": "value_error.missing"},
            {"loc": ["body", "cnpj"], "msg": "field required", "type": "value_error.missing"},
        ]
    }


@pytest.mark.parametrize("valor", ["", "   "])
def test_campo_vazio_da_422(cliente, valor):
    resposta = cliente.post("/executar/OI", json={**CORPO_DOWNLOAD, "login": valor})

    assert resposta.status_code == 422
    (erro,) = resposta.json()["detail"]
    assert erro == {
        "loc": ["body", "login"],
        "msg": "ensure this value has at least 1 characters",
        "type": "value_error.any_str.min_length",
    }  # só as chaves do FastAPI do contrato: sem ctx nem input


def test_senha_nunca_volta_na_resposta(cliente):
    corpos = [
        {**CORPO_DOWNLOAD, "cnpj": ""},
        {**CORPO_DOWNLOAD, "filtro": None},
        {**CORPO_DOWNLOAD, "login": ["lista"]},
    ]
    for corpo in corpos:
        resposta = cliente.post("/executar/OI", json=corpo)
        assert resposta.status_code == 422
        assert CORPO_DOWNLOAD["senha"] not in resposta.text
        assert "input" not in resposta.text
    resposta = cliente.post("/executar/OI", data='{"senha": "senha-super-secreta", ')
    assert CORPO_DOWNLOAD["senha"] not in resposta.text


def test_json_invalido_da_422_jsondecode(cliente):
    resposta = cliente.post("/executar/OI", data="{nao é json")

    assert resposta.status_code == 422
    (erro,) = resposta.json()["detail"]
    assert erro["loc"] == ["body"]
    assert erro["type"] == "value_error.jsondecode"


def test_corpo_vazio_ou_que_nao_e_objeto(cliente):
    vazio = cliente.post("/executar/OI")
    lista = cliente.post("/executar/OI", json=[1, 2])

    assert vazio.status_code == lista.status_code == 422
    assert vazio.json()["detail"] == [
        {"loc": ["body"], "msg": "field required", "type": "value_error.missing"}
    ]
    assert lista.json()["detail"][0]["type"] == "type_error.dict"


def test_validacao_vem_antes_da_operadora(cliente):
    assert cliente.post("/executar/XPTO", json={}).status_code == 422


def test_sat_exige_todos_os_campos(cliente):
    resposta = cliente.post("/executar/sat", json={**CORPO_SAT, "unidade": "", "razao": None})

    assert resposta.status_code == 422
    assert [erro["loc"] for erro in resposta.json()["detail"]] == [
        ["body", "razao"],
        ["body", "unidade"],
    ]


def test_sat_nao_confere_a_operadora(cliente):
    resposta = cliente.post("/executar/sat", json={**CORPO_SAT, "operadora": "QUALQUER"})

    assert resposta.status_code == 200


def test_nenhum_job_criado_quando_invalido(cliente):
    cliente.post("/executar/OI", json={})

    assert cliente.get("/jobs").json()["total_jobs"] == 0
    assert cliente.estado()["jobs_criados"] == 0
