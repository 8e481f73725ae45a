"""Logs de produção: uma linha JSON por evento, com o id do pedido; um 403 é uma linha só."""

import io
import json
import logging

import pytest

from nucleo import logs

pytestmark = pytest.mark.django_db


@pytest.fixture
def linhas_json():
    """O que a saída padrão de produção recebe (o formatador e os filtros do settings.LOGGING)."""
    saida = io.StringIO()
    handler = logging.StreamHandler(saida)
    handler.setFormatter(logs.formatador_json())
    handler.addFilter(logs.CamposDoContexto())
    handler.addFilter(logs.SemRastroEm4xx())
    raiz = logging.getLogger()
    raiz.addHandler(handler)
    nivel = raiz.level
    raiz.setLevel(logging.INFO)
    yield lambda: [json.loads(linha) for linha in saida.getvalue().splitlines()]
    raiz.removeHandler(handler)
    raiz.setLevel(nivel)


def test_cada_pedido_tem_um_id_que_volta_no_cabecalho_e_esta_na_linha_do_log(client, linhas_json):
    resposta = client.get("/contas/login/")
    pedido = resposta["X-Request-ID"]
    assert len(pedido) == 32
    linha = next(linha for linha in linhas_json() if linha["logger"] == "brm.pedidos")
    assert linha["request_id"] == pedido
    assert (linha["method"], linha["path"], linha["status"]) == ("GET", "/contas/login/", 200)
    assert {"momento", "nivel", "message", "duration_ms"} <= set(linha)


def test_o_id_vindo_do_proxy_e_mantido_se_tem_cara_de_id(client, linhas_json):
    resposta = client.get("/contas/login/", HTTP_X_REQUEST_ID="lb-7f3a9c-0001")
    assert resposta["X-Request-ID"] == "lb-7f3a9c-0001"
    assert linhas_json()[-1]["request_id"] == "lb-7f3a9c-0001"


@pytest.mark.parametrize(
    "recebido", ["x", "a b c d e f g h", "<script>alert(1)</script>", "a" * 200]
)
def test_um_id_estranho_vindo_de_fora_e_trocado(client, recebido):
    resposta = client.get("/contas/login/", HTTP_X_REQUEST_ID=recebido)
    assert resposta["X-Request-ID"] != recebido
    assert len(resposta["X-Request-ID"]) == 32


def test_um_403_e_uma_linha_sem_traceback(navegador_de, operador, linhas_json):
    resposta = navegador_de(operador).get("/admin/contas/usuario/add/")
    assert resposta.status_code == 403
    proibido = [linha for linha in linhas_json() if linha["logger"] == "django.request"]
    assert len(proibido) == 1
    assert proibido[0]["message"].startswith("Forbidden")
    assert "exc_info" not in proibido[0]
    assert proibido[0]["request_id"] == resposta["X-Request-ID"]


def test_um_500_continua_com_o_traceback(linhas_json):
    try:
        raise RuntimeError("quebrou")
    except RuntimeError:
        logging.getLogger("django.request").error(
            "Internal Server Error: /x", exc_info=True, extra={"status_code": 500}
        )
    assert "RuntimeError: quebrou" in linhas_json()[-1]["exc_info"]


def test_em_desenvolvimento_a_linha_e_texto_com_os_ids():
    registro = logging.LogRecord("execucoes.despacho", logging.INFO, "", 0, "enviado", (), None)
    with logs.no_contexto(execucao_id="abc", job_id="job-1"):
        logs.CamposDoContexto().filter(registro)
    formatador = logging.Formatter("%(levelname)s %(name)s%(contexto_em_texto)s: %(message)s")
    assert formatador.format(registro) == (
        "INFO execucoes.despacho [execucao_id=abc] [job_id=job-1]: enviado"
    )


def test_sem_debug_o_log_sai_em_json_na_saida_padrao(settings):
    assert settings.LOG_JSON is True
    console = settings.LOGGING["handlers"]["console"]
    assert console["formatter"] == "json"
    assert console["stream"] == "ext://sys.stdout"
