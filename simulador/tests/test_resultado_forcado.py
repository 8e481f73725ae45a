import pytest
import requests

from simulador.tests.cliente_http import CORPO_DOWNLOAD, CORPO_SAT, Cliente


def _url_real(cliente: Cliente, job_id: str, operadora: str = "OI") -> str:
    return f"{cliente.url}/arquivos/faturas/{operadora.lower()}_{job_id}.pdf"


def _concluir(cliente: Cliente, operadora: str = "OI") -> tuple[str, dict]:
    job_id = cliente.criar_download(operadora)
    return job_id, cliente.esperar_fim(job_id)


def test_resultado_forcado_troca_url_pela_fatura_real(cliente):
    cliente.controle(
        "falhas/resultado", resultado={"arquivo_fatura": "{url}", "valor_fatura": "NaN"}
    )

    job_id, status = _concluir(cliente)

    assert status["status"] == "COMPLETED"
    url = _url_real(cliente, job_id)
    assert status["result"] == {"arquivo_fatura": url, "valor_fatura": "NaN"}
    fatura = cliente.get(url.removeprefix(cliente.url))
    assert fatura.status_code == 200
    assert fatura.content.startswith(b"%PDF-1.4")


def test_resultado_forcado_vale_ao_pe_da_letra_e_recursivo(cliente):
    cliente.controle("falhas/resultado", resultado="http://127.0.0.1:1/x.pdf")
    cliente.controle(
        "falhas/resultado",
        resultado={"lista": ["{url}", {"a": "x{url}y"}, 7, None], "n": 1.5, "b": False},
    )

    _, primeiro = _concluir(cliente)
    job_id, segundo = _concluir(cliente)

    assert primeiro["result"] == "http://127.0.0.1:1/x.pdf"
    url = _url_real(cliente, job_id)
    assert segundo["result"] == {
        "lista": [url, {"a": f"x{url}y"}, 7, None],
        "n": 1.5,
        "b": False,
    }


def test_resultado_forcado_nulo_conclui_sem_resultado(cliente):
    cliente.controle("falhas/resultado", resultado=None)

    _, status = _concluir(cliente)

    assert (status["status"], status["result"]) == ("COMPLETED", None)


def test_vale_para_os_proximos_n_na_ordem_de_conclusao(cliente):
    cliente.controle("ajustes", forma_resultado="string")
    cliente.controle("falhas/resultado", quantidade=2, resultado="forçado")

    concluidos = [_concluir(cliente) for _ in range(3)]

    assert [status["result"] for _, status in concluidos[:2]] == ["forçado", "forçado"]
    job_id, terceiro = concluidos[2]
    assert terceiro["result"] == _url_real(cliente, job_id)
    assert cliente.estado()["resultados_forcados"] == []


def test_sat_e_jobs_que_falham_nao_consomem_a_regra(cliente):
    cliente.controle("falhas/proximos-jobs", quantidade=1)
    cliente.controle("falhas/resultado", resultado="forçado")
    falhou = cliente.criar_download()
    assert cliente.esperar_fim(falhou)["status"] == "FAILED"
    resposta = cliente.post("/executar/sat", json=CORPO_SAT)
    sat = cliente.esperar_fim(resposta.json()["job_id"])

    _, download = _concluir(cliente)

    assert sat["result"].startswith("Protocolo SAT ")
    assert download["result"] == "forçado"


def test_filtra_por_operadora_sem_diferenciar_caixa(cliente):
    cliente.controle("falhas/resultado", operadora="vivo", resultado="só da VIVO")

    _, oi = _concluir(cliente, "OI")
    assert cliente.estado()["resultados_forcados"][0]["restantes"] == 1
    _, vivo = _concluir(cliente, "VIVO")

    assert oi["result"] != "só da VIVO"
    assert vivo["result"] == "só da VIVO"


def test_pdf_com_cnpj_e_filtro_de_outro_cliente(cliente):
    cliente.controle("ajustes", forma_resultado="string")
    cliente.controle("falhas/resultado", pdf_cnpj="99.999.999/0001-99", pdf_filtro="OUTRA-CONTA")

    job_id, status = _concluir(cliente)

    assert status["result"] == _url_real(cliente, job_id)
    pdf = cliente.get(status["result"].removeprefix(cliente.url)).content
    assert pdf.startswith(b"%PDF-1.4")
    assert b"Cliente \\(CNPJ\\): 99.999.999/0001-99" in pdf
    assert b"Conta / filtro: OUTRA-CONTA" in pdf
    assert CORPO_DOWNLOAD["cnpj"].encode() not in pdf
    assert CORPO_DOWNLOAD["filtro"].encode() not in pdf


def test_fatura_que_nao_e_pdf(cliente):
    cliente.controle("ajustes", forma_resultado="string")
    cliente.controle("falhas/resultado", pdf=False)

    job_id, status = _concluir(cliente)
    resposta = cliente.get(status["result"].removeprefix(cliente.url))
    _, seguinte = _concluir(cliente)

    assert status["result"] == _url_real(cliente, job_id)
    assert resposta.status_code == 200
    assert not resposta.content.startswith(b"%PDF")
    assert b"<html>" in resposta.content
    assert cliente.get(seguinte["result"].removeprefix(cliente.url)).content.startswith(b"%PDF")


def test_estado_mostra_as_regras_pendentes_e_reset_limpa(cliente):
    cliente.controle("falhas/resultado", quantidade=3, operadora="Oi", pdf_cnpj="")

    _concluir(cliente)

    assert cliente.estado()["resultados_forcados"] == [
        {
            "restantes": 2,
            "operadora": "OI",
            "substituir_resultado": False,
            "resultado": None,
            "pdf_cnpj": "",
            "pdf_filtro": None,
            "pdf": True,
        }
    ]
    cliente.controle("reset")
    assert cliente.estado()["resultados_forcados"] == []


@pytest.mark.parametrize(
    "corpo",
    [
        {"quantidade": 0},
        {"quantidade": "1"},
        {"operadora": 5},
        {"operadora": " "},
        {"pdf": "não"},
        {"pdf_cnpj": 123},
        {"pdf_filtro": ["x"]},
    ],
)
def test_regra_invalida_da_400(cliente, corpo):
    resposta = requests.post(f"{cliente.url}/__simulador/falhas/resultado", json=corpo, timeout=5)

    assert resposta.status_code == 400
    assert resposta.json()["detail"]
    assert cliente.estado()["resultados_forcados"] == []
