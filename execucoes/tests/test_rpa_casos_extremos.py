"""Casos exatos de borda do cliente da API RPA, com respostas HTTP forjadas (`responses`)."""

import pytest
import requests
import responses

from execucoes.rpa import (
    ClienteRPA,
    DadosInvalidos,
    JobNaoEncontrado,
    OperadoraNaoEncontrada,
    RespostaInesperada,
    ResultadoInvalido,
    RPAIndisponivel,
    TokenInvalido,
    _ler_evento,
)

BASE = "http://rpa.teste"
SENHA = "senha-secreta-do-portal"


@pytest.fixture
def cliente() -> ClienteRPA:
    return ClienteRPA(base_url=BASE, token="token-secreto")


def baixar(cliente):
    return cliente.executar_download("VIVO", login="l", senha=SENHA, filtro="f", cnpj="c")


@responses.activate
def test_token_vai_no_cabecalho_bearer(cliente):
    responses.get(f"{BASE}/auth/token", json={"token": "x", "expires_in": 10, "message": "ok"})
    assert cliente.token_atual().minutos_restantes == 10
    assert responses.calls[0].request.headers["Authorization"] == "Bearer token-secreto"


@responses.activate
@pytest.mark.parametrize("codigo", [401, 403])
def test_401_e_403_sao_token_invalido(cliente, codigo):
    responses.post(
        f"{BASE}/executar/VIVO", status=codigo, json={"detail": "Token inválido ou expirado"}
    )
    with pytest.raises(TokenInvalido):
        baixar(cliente)


@responses.activate
def test_422_no_formato_novo_do_fastapi_nao_repete_o_input(cliente):
    responses.post(
        f"{BASE}/executar/VIVO",
        status=422,
        json={
            "detail": [
                {
                    "type": "missing",
                    "loc": ["body", "filtro"],
                    "msg": "Field required",
                    "input": {"senha": SENHA},
                }
            ]
        },
    )
    with pytest.raises(DadosInvalidos) as erro:
        baixar(cliente)
    assert erro.value.campos == ["filtro"]
    assert SENHA not in str(erro.value)


@responses.activate
def test_404_de_operadora_e_de_job(cliente):
    responses.post(
        f"{BASE}/executar/VIVO", status=404, json={"detail": "Operadora 'VIVO' não encontrada"}
    )
    responses.get(f"{BASE}/status/j1", status=404, json={"detail": "Job 'j1' não encontrado"})
    with pytest.raises(OperadoraNaoEncontrada):
        baixar(cliente)
    with pytest.raises(JobNaoEncontrado):
        cliente.status("j1")


@responses.activate
def test_timeout_de_conexao_no_post_nao_repete(cliente):
    responses.post(f"{BASE}/executar/VIVO", body=requests.ConnectTimeout())
    with pytest.raises(RPAIndisponivel, match="a tempo"):
        baixar(cliente)
    assert len(responses.calls) == 1


@responses.activate
def test_get_repete_erros_de_conexao(cliente):
    responses.get(f"{BASE}/health", body=requests.ConnectionError())
    responses.get(f"{BASE}/health", body=requests.ConnectionError())
    responses.get(
        f"{BASE}/health",
        json={"status": "healthy", "message": "ok", "jobs_pending": 1, "jobs_active": 2},
    )
    saude = cliente.saude()
    assert (saude.saudavel, saude.jobs_pendentes, saude.jobs_ativos) == (True, 1, 2)
    assert len(responses.calls) == 3


@responses.activate
def test_500_no_post(cliente):
    responses.post(f"{BASE}/executar/sat", status=500, body="Internal Server Error")
    with pytest.raises(RPAIndisponivel, match="erro 500"):
        cliente.executar_sat(cnpj="x")


@responses.activate
@pytest.mark.parametrize(
    "corpo",
    [b"<html>proxy</html>", b"[1, 2]", b'{"job_id": null', b""],
)
def test_corpo_malformado_na_criacao(cliente, corpo):
    responses.post(f"{BASE}/executar/VIVO", body=corpo, content_type="application/json")
    with pytest.raises(RespostaInesperada):
        baixar(cliente)


@responses.activate
def test_criacao_sem_job_id(cliente):
    responses.post(f"{BASE}/executar/VIVO", json={"status": "PENDING"})
    with pytest.raises(RespostaInesperada, match="job_id"):
        baixar(cliente)


@responses.activate
def test_status_sem_campos_obrigatorios(cliente):
    responses.get(f"{BASE}/status/j1", json={"progress": "muito"})
    with pytest.raises(RespostaInesperada, match="status do job"):
        cliente.status("j1")


@responses.activate
def test_status_com_horario_sem_fuso_e_tratado_como_utc(cliente):
    responses.get(
        f"{BASE}/status/j1",
        json={
            "job_id": "j1",
            "status": "RUNNING",
            "progress": 75,
            "created_at": "2024-01-01T10:00:00",
            "logs": "lixo",
        },
    )
    status = cliente.status("j1")
    assert status.criado_em.isoformat() == "2024-01-01T10:00:00+00:00"
    assert status.logs == [] and not status.terminou


@responses.activate
def test_arquivo_grande_demais_e_recusado(cliente, settings):
    settings.TAMANHO_MAXIMO_FATURA = 1024 * 1024
    responses.get(f"{BASE}/arquivos/f.pdf", body=b"%PDF-" + b"x" * 2 * 1024 * 1024)
    with pytest.raises(ResultadoInvalido, match="1 MB"):
        cliente.baixar_arquivo(f"{BASE}/arquivos/f.pdf")


@pytest.mark.parametrize(
    "linha",
    [
        None,
        "",
        ": keep-alive",
        "event: x",
        "data: {nao json",
        "data: [1]",
        'data: {"sem": "tipo"}',
        "lixo",
    ],
)
def test_linhas_do_stream_que_nao_sao_eventos_sao_ignoradas(linha):
    assert _ler_evento(linha) is None


def test_evento_de_log_e_lido():
    evento = _ler_evento(
        'data: {"type": "log", "level": "warn", "message": "Job j1 concluído com status COMPLETED", '
        '"job_id": "j1", "timestamp": "2024-01-01T10:00:01Z"}'
    )
    assert (evento.tipo, evento.nivel, evento.job_id) == ("log", "WARN", "j1")
    assert evento.momento.isoformat() == "2024-01-01T10:00:01+00:00"


PDF = b"%PDF-1.4\n1 0 obj\n<<>>\nendobj\n%%EOF\n"


@responses.activate
def test_fatura_na_propria_api_vai_com_o_token(cliente):
    responses.get(f"{BASE}/arquivos/f.pdf", body=PDF)
    assert cliente.baixar_arquivo(f"{BASE}/arquivos/f.pdf") == PDF
    assert responses.calls[0].request.headers["Authorization"] == "Bearer token-secreto"


@responses.activate
@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1:8199/internal/admin?x=1",  # outro host
        "https://rpa.teste/arquivos/f.pdf",  # outro esquema
        "http://rpa.teste:8080/arquivos/f.pdf",  # outra porta
        "http://rpa.teste.atacante.example/f.pdf",
    ],
)
def test_fatura_em_outro_host_e_recusada_e_o_token_nao_sai(cliente, url):
    responses.get(url, body=PDF)
    with pytest.raises(ResultadoInvalido, match="outro endereço"):
        cliente.baixar_arquivo(url)
    assert len(responses.calls) == 0


@responses.activate
def test_host_da_lista_de_faturas_e_baixado_sem_o_token(cliente, settings):
    settings.RPA_HOSTS_FATURA = ["faturas.example"]
    responses.get("https://faturas.example/f.pdf", body=PDF)
    assert cliente.baixar_arquivo("https://faturas.example/f.pdf") == PDF
    assert "Authorization" not in responses.calls[0].request.headers


@responses.activate
def test_redirecionamento_nao_e_seguido(cliente):
    responses.get(
        f"{BASE}/arquivos/f.pdf",
        status=302,
        headers={"Location": "http://127.0.0.1:8199/internal/admin"},
    )
    responses.get("http://127.0.0.1:8199/internal/admin", body=PDF)
    with pytest.raises(ResultadoInvalido, match="redireciona"):
        cliente.baixar_arquivo(f"{BASE}/arquivos/f.pdf")
    assert [call.request.url for call in responses.calls] == [f"{BASE}/arquivos/f.pdf"]


@responses.activate
def test_fatura_que_nao_comeca_como_pdf_e_recusada_sem_ler_o_resto(cliente):
    responses.get(f"{BASE}/arquivos/f.pdf", body=b"<html>" + b"x" * 5_000_000)
    with pytest.raises(ResultadoInvalido, match="não é um PDF"):
        cliente.baixar_arquivo(f"{BASE}/arquivos/f.pdf")
