"""O cliente da API RPA contra o simulador, por HTTP real numa porta local."""

import logging
import time

import pytest
import requests

from execucoes import rpa
from execucoes.rpa import (
    ChaveDeRenovacaoRecusada,
    ClienteRPA,
    DadosInvalidos,
    JobNaoEncontrado,
    OperadoraNaoEncontrada,
    RespostaInesperada,
    RPAIndisponivel,
    TokenInvalido,
)

SENHA = "senha-do-portal-nao-pode-vazar"
DOWNLOAD = {
    "login": "financeiro@x.example",
    "senha": SENHA,
    "filtro": "123",
    "cnpj": "25.988.000/0001-72",
}
SAT = {
    "cnpj": "25.988.000/0001-72",
    "razao": "ACME LTDA",
    "operadora": "VIVO",
    "nome_filtro": "VIVO INTERNET",
    "unidade": "CG",
    "servico": "Internet",
    "dados_sat": "Link",
    "nome_arquivo": "fatura.pdf",
    "data_vencimento": "15/03/2026",
}


def controle(sim, nome: str, **dados) -> dict:
    resposta = requests.post(f"{sim.url}/__simulador/{nome}", json=dados, timeout=5)
    assert resposta.status_code == 200, resposta.text
    return resposta.json()


def estado(sim) -> dict:
    return requests.get(f"{sim.url}/__simulador/estado", timeout=5).json()


def esperar_fim(cliente: ClienteRPA, job_id: str, prazo: float = 10.0):
    limite = time.monotonic() + prazo
    while time.monotonic() < limite:
        status = cliente.status(job_id)
        if status.terminou:
            return status
        time.sleep(0.05)
    raise AssertionError(f"job {job_id} não terminou em {prazo} s")


@pytest.fixture
def cliente(simulador) -> ClienteRPA:
    return ClienteRPA(base_url=simulador.url, token=simulador.novo_token())


def test_saude(cliente):
    saude = cliente.saude()
    assert saude.saudavel and saude.jobs_ativos >= 0


def test_download_completo_ate_o_pdf(cliente, simulador):
    controle(simulador, "ajustes", forma_resultado="objeto")
    criado = cliente.executar_download("VIVO", processo_id="abc", **DOWNLOAD)
    assert criado.status == "PENDING" and criado.job_id
    fim = esperar_fim(cliente, criado.job_id)
    assert fim.status == "COMPLETED" and fim.progresso == 100
    assert fim.concluido_em is not None and fim.concluido_em.tzinfo is not None
    assert set(fim.resultado) >= {"arquivo_fatura"}
    pdf = cliente.baixar_arquivo(fim.resultado["arquivo_fatura"])
    assert pdf.startswith(b"%PDF-") and b"%%EOF" in pdf[-32:]
    assert any(
        "concluído com status COMPLETED" in linha.mensagem for linha in cliente.logs(criado.job_id)
    )
    assert criado.job_id in {job.job_id for job in cliente.jobs()}


def test_resultado_em_texto_tambem_e_uma_url_de_pdf(cliente, simulador):
    controle(simulador, "ajustes", forma_resultado="string")
    fim = esperar_fim(cliente, cliente.executar_download("OI", **DOWNLOAD).job_id)
    assert isinstance(fim.resultado, str)
    assert cliente.baixar_arquivo(fim.resultado).startswith(b"%PDF-")


def test_envio_ao_sat(cliente):
    fim = esperar_fim(cliente, cliente.executar_sat(**SAT).job_id)
    assert fim.status == "COMPLETED"


def test_job_que_falha_traz_o_erro(cliente, simulador):
    controle(simulador, "falhas/proximos-jobs", quantidade=1, erro="Falha no login do portal")
    fim = esperar_fim(cliente, cliente.executar_download("VIVO", **DOWNLOAD).job_id)
    assert (fim.status, fim.erro) == ("FAILED", "Falha no login do portal")


def test_operadora_desconhecida(cliente):
    with pytest.raises(OperadoraNaoEncontrada):
        cliente.executar_download("vivo", **DOWNLOAD)  # o código diferencia maiúsculas


def test_dados_invalidos_dizem_os_campos_e_nao_repetem_a_senha(cliente):
    with pytest.raises(DadosInvalidos) as erro:
        cliente.executar_download("VIVO", **{**DOWNLOAD, "login": ""})
    assert erro.value.campos == ["login"]
    assert "login" in str(erro.value) and SENHA not in str(erro.value)


def test_job_desconhecido(cliente):
    with pytest.raises(JobNaoEncontrado):
        cliente.status("nao-existe")


def test_job_expurgado_vira_nao_encontrado(cliente, simulador):
    job = cliente.executar_sat(**SAT).job_id
    esperar_fim(cliente, job)
    controle(simulador, "envelhecer", horas=25)
    controle(simulador, "purgar")
    with pytest.raises(JobNaoEncontrado):
        cliente.status(job)


@pytest.mark.parametrize("token", ["", "lixo", "a.b.c"])
def test_token_ausente_ou_ruim(simulador, token):
    with pytest.raises(TokenInvalido):
        ClienteRPA(base_url=simulador.url, token=token).status("x")


def test_token_tratado_como_expirado(cliente, simulador):
    controle(simulador, "token", expirado=True)
    with pytest.raises(TokenInvalido, match="Renove o token"):
        cliente.executar_download("VIVO", **DOWNLOAD)
    assert estado(simulador)["jobs_criados"] == 0


def test_token_atual_e_renovacao(cliente):
    assert cliente.token_atual().minutos_restantes > 364 * 24 * 60
    emitido = cliente.renovar_token("brm-dev-refresh")
    assert emitido.validade_dias == 365
    assert ClienteRPA(base_url=cliente.base_url, token=emitido.token).token_atual()
    with pytest.raises(ChaveDeRenovacaoRecusada):
        cliente.renovar_token("errada")


def test_get_repete_depois_de_500_e_consegue(cliente, simulador):
    job = cliente.executar_sat(**SAT).job_id
    controle(simulador, "falhas/http", modo="erro_500", quantidade=2, prefixo="/status")
    assert cliente.status(job).job_id == job


def test_get_desiste_depois_de_500_seguidos(cliente, simulador):
    controle(simulador, "falhas/http", modo="erro_500", quantidade=10, prefixo="/health")
    with pytest.raises(RPAIndisponivel, match="erro 500"):
        cliente.saude()


def test_post_que_cria_job_nunca_e_repetido(cliente, simulador):
    controle(simulador, "falhas/http", modo="erro_500", quantidade=1, prefixo="/executar")
    with pytest.raises(RPAIndisponivel):
        cliente.executar_download("VIVO", **DOWNLOAD)
    chamadas = estado(simulador)["chamadas"]
    assert sum(n for rota, n in chamadas.items() if "executar" in rota) == 1


def test_json_malformado(cliente, simulador):
    controle(simulador, "falhas/http", modo="json_invalido", quantidade=1, prefixo="/health")
    with pytest.raises(RespostaInesperada, match="não é JSON"):
        cliente.saude()


def test_api_que_trava_estoura_o_tempo(cliente, simulador, settings):
    settings.RPA_TEMPO_ENVIO_SEGUNDOS = 0.3
    controle(simulador, "falhas/http", modo="travar", quantidade=1, segundos=3, prefixo="/executar")
    with pytest.raises(RPAIndisponivel, match="a tempo"):
        cliente.executar_download("VIVO", **DOWNLOAD)


def test_api_fora_do_ar(api_fora_do_ar):
    with pytest.raises(RPAIndisponivel):
        ClienteRPA(base_url=api_fora_do_ar, token="t").saude()


def test_stream_de_eventos_traz_conexao_e_logs_do_job(cliente, simulador):
    eventos = cliente.eventos()
    assert next(eventos).tipo == "connection"
    job = cliente.executar_sat(**SAT).job_id
    mensagens = []
    for evento in eventos:
        if evento.tipo == "log" and evento.job_id == job:
            mensagens.append(evento.mensagem)
            assert evento.nivel in {"DEBUG", "INFO", "WARN", "ERROR"} and evento.momento
            if "concluído com status" in evento.mensagem:
                break
    eventos.close()
    assert len(mensagens) >= 3


def test_stream_que_cai_termina_com_erro_para_reconectar(cliente, simulador):
    controle(simulador, "falhas/eventos", cortar_apos=2)
    eventos = cliente.eventos()
    cliente.executar_sat(**SAT)
    with pytest.raises(RPAIndisponivel):
        for _ in eventos:
            pass


def test_nenhum_segredo_em_log_ou_excecao(cliente, simulador, caplog):
    caplog.set_level(logging.DEBUG)
    token = cliente.token
    for modo in ("erro_500", "json_invalido"):
        controle(simulador, "falhas/http", modo=modo, quantidade=1, prefixo="/executar")
        with pytest.raises(rpa.ErroRPA) as erro:
            cliente.executar_download("VIVO", **DOWNLOAD)
        assert SENHA not in str(erro.value) and token not in str(erro.value)
    with pytest.raises(DadosInvalidos):
        cliente.executar_download("VIVO", **{**DOWNLOAD, "filtro": ""})
    assert SENHA not in caplog.text and token not in caplog.text
