import pytest
import requests

from simulador.tests.cliente_http import CORPO_DOWNLOAD, Cliente, LeitorSSE, esperar


def test_erro_500_nas_proximas_chamadas_com_prefixo(cliente):
    cliente.controle("falhas/http", modo="erro_500", quantidade=2, prefixo="/jobs")

    assert cliente.get("/health").status_code == 200
    assert [cliente.get("/jobs").status_code for _ in range(3)] == [500, 500, 200]


def test_erro_500_sem_prefixo_vale_para_qualquer_rota(cliente):
    cliente.controle("falhas/http", modo="erro_500")

    assert cliente.get("/health").status_code == 500
    assert cliente.get("/health").status_code == 200


def test_erro_500_nao_cria_o_job_a_menos_que_processar(cliente):
    cliente.controle("falhas/http", modo="erro_500", prefixo="/executar")
    cliente.controle("falhas/http", modo="erro_500", prefixo="/executar", processar=True)

    primeira = cliente.post("/executar/OI", json=CORPO_DOWNLOAD)
    segunda = cliente.post("/executar/OI", json=CORPO_DOWNLOAD)

    assert primeira.status_code == segunda.status_code == 500
    assert CORPO_DOWNLOAD["senha"] not in primeira.text + segunda.text
    estado = cliente.estado()
    assert estado["chamadas"]["POST /executar/OI"] == 2
    assert estado["jobs_criados"] == 1


def test_travar_atrasa_a_resposta_mas_o_job_e_criado(cliente):
    cliente.controle("falhas/http", modo="travar", segundos=0.6, prefixo="/executar")

    with pytest.raises(requests.Timeout):
        cliente.post("/executar/OI", json=CORPO_DOWNLOAD, timeout=0.2)

    esperar(lambda: cliente.estado()["jobs_criados"] == 1)
    assert cliente.post("/executar/OI", json=CORPO_DOWNLOAD, timeout=1).status_code == 200


def test_json_invalido_devolve_200_com_lixo(cliente):
    cliente.controle("falhas/http", modo="json_invalido", prefixo="/status")

    resposta = cliente.get("/status/qualquer")

    assert resposta.status_code == 200
    with pytest.raises(ValueError):
        resposta.json()
    assert cliente.get("/status/qualquer").status_code == 404


def test_corpo_forcado_depois_de_processar(cliente):
    corpo = {"job_id": "a\r\nb", "status": "PENDING"}
    cliente.controle("falhas/http", modo="corpo", corpo=corpo, prefixo="/executar", processar=True)

    resposta = cliente.post("/executar/OI", json=CORPO_DOWNLOAD)

    assert resposta.status_code == 200
    assert resposta.headers["Content-Type"] == "application/json; charset=utf-8"
    assert resposta.json() == corpo
    assert cliente.estado()["jobs_criados"] == 1
    assert cliente.post("/executar/OI", json=CORPO_DOWNLOAD).json()["job_id"] != "a\r\nb"


def test_corpo_forcado_com_status_sem_processar(cliente):
    cliente.controle(
        "falhas/http", modo="corpo", corpo={"detail": "fora"}, status=503, prefixo="/executar"
    )
    cliente.controle("falhas/http", modo="corpo", corpo=None, prefixo="/status")

    executar = cliente.post("/executar/OI", json=CORPO_DOWNLOAD)
    status = cliente.get("/status/qualquer")

    assert (executar.status_code, executar.json()) == (503, {"detail": "fora"})
    assert (status.status_code, status.content) == (200, b"null")
    assert cliente.estado()["jobs_criados"] == 0
    assert cliente.get("/status/qualquer").status_code == 404


def test_falha_http_invalida_da_400(cliente):
    resposta = requests.post(
        f"{cliente.url}/__simulador/falhas/http", json={"modo": "explodir"}, timeout=5
    )

    assert resposta.status_code == 400
    assert "modo deve ser um de" in resposta.json()["detail"]
    for corpo in (
        {"modo": "corpo"},
        {"modo": "corpo", "corpo": {}, "status": "200"},
        {"modo": "corpo", "corpo": {}, "status": 204},
        {"modo": "corpo", "corpo": {}, "status": 600},
    ):
        resposta = requests.post(f"{cliente.url}/__simulador/falhas/http", json=corpo, timeout=5)
        assert resposta.status_code == 400, corpo
    assert cliente.estado()["falhas_http"] == []


def test_fluxo_de_eventos_cai_depois_de_n_eventos(cliente):
    cliente.controle("falhas/eventos", cortar_apos=3)
    leitor = LeitorSSE(cliente.url)
    cliente.criar_download()

    eventos = []
    while (item := leitor.proximo()) is not None:
        if isinstance(item, dict):
            eventos.append(item)

    assert len(eventos) == 3
    assert eventos[0]["type"] == "connection"
    cliente.controle("falhas/eventos", cortar_apos=None)
    assert cliente.estado()["cortar_eventos_apos"] is None


def test_job_marcado_falha_com_a_mensagem_dada(iniciar_simulador):
    cliente = Cliente(iniciar_simulador(velocidade=1.0))
    job_id = cliente.criar_download()

    cliente.controle("falhas/job", job_id=job_id, erro="Portal fora do ar")

    status = cliente.esperar_fim(job_id)
    assert (status["status"], status["error"]) == ("FAILED", "Portal fora do ar")


def test_erro_com_nul_e_caracteres_de_controle_chega_intacto(sim, cliente):
    erro = "Falha\u0000no portal\r\nlinha 2\t\x07\x1b[0m"
    cliente.controle("ajustes", pausado=True)
    job_id = cliente.criar_download()
    cliente.controle("falhas/job", job_id=job_id, erro=erro)
    leitor = LeitorSSE(sim.url)

    cliente.controle("ajustes", pausado=False)

    lidos = leitor.ate(lambda e: e.get("job_id") == job_id and e.get("level") == "ERROR")
    assert lidos[-1]["message"] == erro
    assert b"\\u0000" in leitor.linhas_brutas[-2]
    status = cliente.esperar_fim(job_id)
    assert (status["status"], status["error"]) == ("FAILED", erro)
    logs = cliente.get(f"/jobs/{job_id}/logs").json()["logs"]
    assert erro in [linha["message"] for linha in logs]
    leitor.fechar()


def test_marcar_job_inexistente_ou_terminado(cliente):
    job_id = cliente.criar_download()
    cliente.esperar_fim(job_id)

    def marcar(alvo):
        return requests.post(
            f"{cliente.url}/__simulador/falhas/job", json={"job_id": alvo}, timeout=5
        )

    assert marcar("nao-existe").status_code == 404
    assert marcar(job_id).status_code == 409


def test_proximos_jobs_falham(cliente):
    cliente.controle("falhas/proximos-jobs", quantidade=2)
    ids = [cliente.criar_download() for _ in range(3)]

    finais = [cliente.esperar_fim(job_id) for job_id in ids]

    assert [s["status"] for s in finais] == ["FAILED", "FAILED", "COMPLETED"]
    assert all(s["error"] for s in finais[:2])


def test_token_expirado_ate_reset(cliente):
    cliente.controle("token", expirado=True)

    assert cliente.get("/jobs").status_code == 401
    assert cliente.get("/jobs").json() == {"detail": "Token inválido ou expirado"}
    assert cliente.get("/health").status_code == 200

    cliente.controle("reset")

    assert cliente.get("/jobs").status_code == 200


@pytest.mark.parametrize(
    ("forma", "chaves"),
    [
        ("string", None),
        ("objeto", {"arquivo_fatura", "valor_fatura", "data_vencimento"}),
        ("objeto_parcial", {"arquivo_fatura"}),
    ],
)
def test_forcar_forma_do_resultado(cliente, forma, chaves):
    cliente.controle("ajustes", forma_resultado=forma)
    ids = [cliente.criar_download() for _ in range(3)]

    resultados = [cliente.esperar_fim(job_id)["result"] for job_id in ids]

    for resultado in resultados:
        if chaves is None:
            assert isinstance(resultado, str)
        else:
            assert set(resultado) == chaves


def test_ajustes_invalidos_dao_400(cliente):
    for corpo in ({"forma_resultado": "xml"}, {"taxa_falha": 2}, {"velocidade": 0}):
        resposta = requests.post(f"{cliente.url}/__simulador/ajustes", json=corpo, timeout=5)
        assert resposta.status_code == 400, corpo


def test_taxa_de_falha_ajustavel(cliente):
    cliente.controle("ajustes", taxa_falha=1.0)

    assert cliente.esperar_fim(cliente.criar_download())["status"] == "FAILED"


def test_envelhecer_alem_da_purga_some_com_o_job(cliente):
    job_id = cliente.criar_download()
    cliente.esperar_fim(job_id)

    cliente.controle("envelhecer", horas=23)
    assert cliente.get(f"/status/{job_id}").status_code == 200
    assert cliente.controle("purgar") == {"removidos": 0}

    cliente.controle("envelhecer", horas=2)

    for caminho in (f"/status/{job_id}", f"/jobs/{job_id}", f"/jobs/{job_id}/logs"):
        assert cliente.get(caminho).status_code == 404
    assert cliente.get("/jobs").json() == {"total_jobs": 0, "jobs": []}


def test_purga_leva_a_fatura_junto(cliente):
    cliente.controle("ajustes", forma_resultado="string")
    job_id = cliente.criar_download()
    fatura = cliente.esperar_fim(job_id)["result"].removeprefix(cliente.url)
    assert cliente.get(fatura).status_code == 200

    cliente.controle("envelhecer", horas=25)
    cliente.controle("purgar")

    assert cliente.get(fatura).status_code == 404


def test_jobs_rodando_purgados_param_e_liberam_as_vagas(iniciar_simulador):
    cliente = Cliente(iniciar_simulador(velocidade=1))
    rodando = [cliente.criar_download() for _ in range(5)]
    esperar(lambda: all(cliente.status(j)["status"] == "RUNNING" for j in rodando))
    cliente.controle("envelhecer", horas=25)
    cliente.controle("purgar")

    novo = cliente.criar_download()

    # Sem parar os purgados, as 5 vagas seguiriam ocupadas por vários segundos.
    esperar(lambda: cliente.status(novo)["status"] == "RUNNING", prazo=2)
    assert all(cliente.get(f"/status/{j}").status_code == 404 for j in rodando)


def test_purgar_agora_remove_os_velhos(iniciar_simulador):
    # Devagar, para nenhuma consulta periódica purgar antes do pedido explícito.
    cliente = Cliente(iniciar_simulador(purga_horas=1, velocidade=0.01))
    velho = cliente.criar_download()
    cliente.controle("envelhecer", horas=2)
    novo = cliente.criar_download()

    assert cliente.controle("purgar") == {"removidos": 1}

    assert cliente.get(f"/status/{velho}").status_code == 404
    assert cliente.get(f"/status/{novo}").status_code == 200


def test_pendente_purgado_nunca_executa(iniciar_simulador):
    cliente = Cliente(iniciar_simulador())
    cliente.controle("ajustes", pausado=True)
    job_id = cliente.criar_download()
    cliente.controle("envelhecer", horas=25)
    cliente.controle("ajustes", pausado=False)
    depois = cliente.criar_download()

    cliente.esperar_fim(depois)

    assert cliente.get(f"/status/{job_id}").status_code == 404
    assert cliente.get("/health").json()["jobs_active"] == 0


def test_estado_conta_chamadas_e_jobs_por_processo(cliente):
    cliente.criar_download(processo_id="proc-1")
    cliente.criar_download("VIVO")
    cliente.get("/jobs")

    estado = cliente.estado()

    assert estado["chamadas"]["POST /executar/OI"] == 1
    assert estado["chamadas"]["POST /executar/VIVO"] == 1
    assert estado["chamadas"]["GET /jobs"] == 1
    assert estado["jobs_criados"] == 2
    assert estado["jobs_por_processo"] == {"proc-1": 1}
    assert estado["jobs_por_operadora"] == {"OI": 1, "VIVO": 1}
    assert not any(chave.startswith("POST /__simulador") for chave in estado["chamadas"])


def test_reset_restaura_o_normal(cliente):
    cliente.controle("falhas/http", modo="erro_500", quantidade=5)
    cliente.controle("falhas/eventos", cortar_apos=1)
    cliente.controle("falhas/proximos-jobs", quantidade=3)
    cliente.controle("ajustes", forma_resultado="string", taxa_falha=1.0, pausado=True)
    cliente.get("/health")

    cliente.controle("reset")

    estado = cliente.estado()
    assert estado["falhas_http"] == []
    assert estado["cortar_eventos_apos"] is None
    assert estado["proximos_a_falhar"] == 0
    assert (estado["forma_resultado"], estado["taxa_falha"], estado["pausado"]) == (
        None,
        0.0,
        False,
    )
    assert estado["chamadas"] == {}
    assert cliente.esperar_fim(cliente.criar_download())["status"] == "COMPLETED"


def test_controle_desconhecido_da_404(cliente):
    resposta = requests.post(f"{cliente.url}/__simulador/nada", json={}, timeout=5)

    assert resposta.status_code == 404


def test_falha_http_com_taxa_atinge_so_uma_parte_das_chamadas(cliente):
    cliente.controle("falhas/http", modo="erro_500", prefixo="/health", quantidade=1000, taxa=0.25)
    codigos = [cliente.get("/health").status_code for _ in range(200)]
    assert 20 < codigos.count(500) < 80
    assert set(codigos) == {200, 500}


def test_falha_http_com_taxa_fora_do_intervalo_e_recusada(cliente):
    resposta = requests.post(
        f"{cliente.url}/__simulador/falhas/http", json={"modo": "erro_500", "taxa": 0}, timeout=5
    )
    assert resposta.status_code == 400
