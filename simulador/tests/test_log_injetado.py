import requests

from simulador.tests.cliente_http import LeitorSSE

ESTRANHA = "antes\u0000meio\r\nnova linha\tTAB\x1b[31m\x7ffim"


def _injetar(cliente, **corpo) -> requests.Response:
    return requests.post(f"{cliente.url}/__simulador/falhas/log", json=corpo, timeout=5)


def test_linha_injetada_chega_no_fluxo_no_status_e_nos_logs(sim, cliente):
    cliente.controle("ajustes", pausado=True)
    job_id = cliente.criar_download("VIVO")
    leitor = LeitorSSE(sim.url)
    leitor.proximo()

    assert _injetar(cliente, job_id=job_id, mensagem=ESTRANHA, nivel="WARN").json() == {"ok": True}

    evento = leitor.ate(lambda e: e.get("job_id") == job_id)[-1]
    assert (evento["type"], evento["level"], evento["message"]) == ("log", "WARN", ESTRANHA)
    assert (evento["operadora"], evento["logger"]) == ("VIVO", "app.rpa.vivo")
    bruta = leitor.linhas_brutas[-2]
    assert b"\\u0000" in bruta and b"\\r\\n" in bruta and b"\x00" not in bruta
    mensagens = [linha["message"] for linha in cliente.status(job_id)["logs"]]
    assert mensagens == ["Job criado para operadora VIVO", ESTRANHA]
    logs = cliente.get(f"/jobs/{job_id}/logs").json()["logs"]
    assert [linha["message"] for linha in logs] == mensagens
    leitor.fechar()


def test_nivel_padrao_info_e_job_segue_normalmente(sim, cliente):
    cliente.controle("ajustes", pausado=True)
    job_id = cliente.criar_download()
    leitor = LeitorSSE(sim.url)
    leitor.proximo()

    _injetar(cliente, job_id=job_id, mensagem="")
    evento = leitor.ate(lambda e: e.get("job_id") == job_id)[-1]
    cliente.controle("ajustes", pausado=False)

    assert (evento["level"], evento["message"]) == ("INFO", "")
    assert cliente.esperar_fim(job_id)["status"] == "COMPLETED"
    leitor.fechar()


def test_substituto_isolado_nao_derruba_o_robo(cliente):
    cliente.controle("ajustes", pausado=True)
    job_id = cliente.criar_download()

    assert _injetar(cliente, job_id=job_id, mensagem="a\ud800b").status_code == 200
    cliente.controle("ajustes", pausado=False)

    status = cliente.esperar_fim(job_id)
    assert status["status"] == "COMPLETED"
    assert status["logs"][1]["message"] == "a\ud800b"


def test_job_inexistente_terminado_ou_pedido_invalido(cliente):
    job_id = cliente.criar_download()
    cliente.esperar_fim(job_id)

    assert _injetar(cliente, job_id="nao-existe", mensagem="x").status_code == 404
    terminado = _injetar(cliente, job_id=job_id, mensagem="x")
    assert terminado.status_code == 409
    assert "já terminou com status COMPLETED" in terminado.json()["detail"]
    assert "x" not in [linha["message"] for linha in cliente.status(job_id)["logs"]]
    for corpo in ({"mensagem": "x"}, {"job_id": job_id}, {"job_id": job_id, "mensagem": 1}):
        assert _injetar(cliente, **corpo).status_code == 400, corpo
    assert _injetar(cliente, job_id=job_id, mensagem="x", nivel="").status_code == 400
