import random
import re
from datetime import date

import requests

from simulador.roteiros import roteiro_download
from simulador.tests.cliente_http import CORPO_SAT, Cliente, esperar

ISO_SEM_FUSO = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d$")


def test_health_responde_sem_token(sim):
    resposta = requests.get(f"{sim.url}/health", timeout=5)

    assert resposta.status_code == 200
    assert resposta.json() == {
        "status": "healthy",
        "message": "API está funcionando",
        "jobs_pending": 0,
        "jobs_active": 0,
    }


def test_executar_cria_job_pendente(cliente):
    resposta = cliente.post(
        "/executar/OI", json={"login": "a@b.com", "senha": "s", "filtro": "1", "cnpj": "1"}
    )

    assert resposta.status_code == 200
    corpo = resposta.json()
    assert set(corpo) == {"job_id", "status", "message", "status_url"}
    assert corpo["status"] == "PENDING"
    assert corpo["message"] == "Job criado para operadora OI"
    assert corpo["status_url"] == f"/status/{corpo['job_id']}"


def test_operadora_desconhecida_ou_com_caixa_errada_da_404(cliente):
    for codigo in ("XPTO", "oi"):
        resposta = cliente.post(
            f"/executar/{codigo}", json={"login": "a", "senha": "s", "filtro": "f", "cnpj": "c"}
        )
        assert resposta.status_code == 404
        assert resposta.json() == {"detail": f"Operadora '{codigo}' não encontrada"}


def test_operadoras_extras_sao_aceitas(iniciar_simulador, monkeypatch):
    monkeypatch.setenv("SIMULADOR_OPERADORAS", "TIM, CLARO")
    cliente = Cliente(iniciar_simulador(operadoras=["ALGAR"]))

    for codigo in ("TIM", "CLARO", "ALGAR", "VIVO", "EMBRATEL", "DIGITALNET"):
        assert cliente.criar_download(codigo)


def test_job_concluido_tem_status_completo(cliente):
    job_id = cliente.criar_download("VIVO")

    status = cliente.esperar_fim(job_id)

    assert set(status) == {
        "job_id",
        "operadora",
        "status",
        "progress",
        "result",
        "error",
        "created_at",
        "started_at",
        "completed_at",
        "logs",
    }
    assert status["status"] == "COMPLETED"
    assert status["operadora"] == "VIVO"
    assert status["progress"] == 100
    assert status["error"] is None
    for campo in ("created_at", "started_at", "completed_at"):
        assert ISO_SEM_FUSO.match(status[campo]), status[campo]
    assert status["created_at"] <= status["started_at"] <= status["completed_at"]
    assert all(set(linha) == {"timestamp", "message"} for linha in status["logs"])
    assert status["logs"][-1]["message"] == f"Job {job_id} concluído com status COMPLETED"


def test_jobs_id_e_alias_de_status(cliente):
    job_id = cliente.criar_download()
    cliente.esperar_fim(job_id)

    assert cliente.get(f"/jobs/{job_id}").json() == cliente.get(f"/status/{job_id}").json()


def test_listar_jobs_e_logs(cliente):
    ids = [cliente.criar_download(), cliente.criar_download("VIVO")]
    cliente.esperar_fim(ids[1])

    lista = cliente.get("/jobs").json()
    logs = cliente.get(f"/jobs/{ids[1]}/logs").json()

    assert lista["total_jobs"] == 2
    assert [job["job_id"] for job in lista["jobs"]] == ids
    assert set(lista["jobs"][0]) == {"job_id", "operadora", "status", "progress", "created_at"}
    assert logs == {"logs": cliente.status(ids[1])["logs"]}


def test_job_inexistente_da_404_em_todas_as_rotas(cliente):
    for caminho in ("/status/nao-existe", "/jobs/nao-existe", "/jobs/nao-existe/logs"):
        resposta = cliente.get(caminho)
        assert resposta.status_code == 404
        assert resposta.json() == {"detail": "Job 'nao-existe' não encontrado"}


def test_rota_desconhecida_e_metodo_errado(cliente):
    assert cliente.get("/nada").status_code == 404
    assert cliente.get("/nada").json() == {"detail": "Not Found"}
    assert cliente.get("/executar/OI").status_code == 405
    assert cliente.post("/health").status_code == 405


def test_roteiro_passa_pelos_marcos_de_progresso():
    roteiro = roteiro_download(
        random.Random(7),
        operadora="OI",
        login="a@b",
        filtro="1",
        falhar=False,
        erro=None,
        hoje=date(2024, 1, 10),
    )

    progressos = [passo.progresso for passo in roteiro.passos if passo.progresso is not None]

    assert progressos == sorted(progressos)
    assert progressos[0] == 30  # nada entre 0 (criado) e 30 (robô iniciado)
    assert {30, 90, 95} <= set(progressos)
    assert any(30 < valor < 90 for valor in progressos)
    assert 10 <= sum(passo.espera for passo in roteiro.passos) <= 20


def test_progresso_observado_so_cresce_de_0_a_100(iniciar_simulador):
    cliente = Cliente(iniciar_simulador(velocidade=10.0))
    cliente.controle("ajustes", pausado=True)
    job_id = cliente.criar_download()
    assert cliente.status(job_id)["progress"] == 0
    assert cliente.status(job_id)["status"] == "PENDING"
    cliente.controle("ajustes", pausado=False)

    vistos = []
    while not vistos or vistos[-1][0] not in ("COMPLETED", "FAILED"):
        status = cliente.status(job_id)
        vistos.append((status["status"], status["progress"]))

    progressos = [progresso for _, progresso in vistos]
    assert progressos == sorted(progressos)
    assert vistos[-1] == ("COMPLETED", 100)
    assert any(30 < valor < 90 for valor in progressos)


def test_no_maximo_cinco_em_execucao_e_fila_fifo(iniciar_simulador):
    cliente = Cliente(iniciar_simulador(velocidade=1.0))
    cliente.controle("ajustes", pausado=True)
    ids = [cliente.criar_download() for _ in range(7)]
    cliente.controle("ajustes", pausado=False)

    def situacoes():
        return [cliente.status(job_id)["status"] for job_id in ids]

    esperar(lambda: situacoes() == ["RUNNING"] * 5 + ["PENDING"] * 2)
    saude = requests.get(f"{cliente.url}/health", timeout=5).json()
    assert (saude["jobs_active"], saude["jobs_pending"]) == (5, 2)

    cliente.controle("falhas/job", job_id=ids[0])
    esperar(lambda: situacoes()[5] == "RUNNING")
    assert situacoes() == ["FAILED"] + ["RUNNING"] * 5 + ["PENDING"]


def test_linha_final_warn_de_falha(cliente):
    cliente.controle("falhas/proximos-jobs", quantidade=1)
    job_id = cliente.criar_download()

    status = cliente.esperar_fim(job_id)

    assert status["status"] == "FAILED"
    assert status["result"] is None
    assert status["completed_at"]
    assert status["logs"][-2]["message"] == status["error"]
    assert status["logs"][-1]["message"] == f"Job {job_id} concluído com status FAILED"


def test_falhas_sorteadas_sao_realistas_e_reprodutiveis_pela_semente(iniciar_simulador):
    def rodada() -> list[tuple]:
        cliente = Cliente(iniciar_simulador(taxa_falha=0.5, semente=42))
        ids = [cliente.criar_download() for _ in range(10)]
        finais = [cliente.esperar_fim(job_id) for job_id in ids]
        return [(s["status"], s["error"], type(s["result"]).__name__) for s in finais]

    primeira = rodada()

    assert primeira == rodada()
    assert {"COMPLETED", "FAILED"} == {status for status, _, _ in primeira}
    erros = [erro for status, erro, _ in primeira if status == "FAILED"]
    padroes = ("Falha no login", "Erro de navegação", "Tempo esgotado", "Erro no arquivo")
    assert all(erro.startswith(padroes) for erro in erros), erros


def test_resultado_de_download_mistura_texto_e_objeto(iniciar_simulador):
    cliente = Cliente(iniciar_simulador(semente=3))
    ids = [cliente.criar_download() for _ in range(10)]
    resultados = [cliente.esperar_fim(job_id)["result"] for job_id in ids]

    assert {type(resultado) for resultado in resultados} == {str, dict}
    for job_id, resultado in zip(ids, resultados, strict=True):
        url = resultado if isinstance(resultado, str) else resultado["arquivo_fatura"]
        assert url == f"{cliente.url}/arquivos/faturas/oi_{job_id}.pdf"
        if isinstance(resultado, dict):
            assert re.fullmatch(r"\d+\.\d\d", resultado["valor_fatura"])
            assert date.fromisoformat(resultado["data_vencimento"])


def test_job_sat_conclui_com_protocolo(cliente):
    resposta = cliente.post("/executar/sat", json=CORPO_SAT)

    assert resposta.status_code == 200
    assert resposta.json()["message"] == "Job criado para operadora SAT"
    status = cliente.esperar_fim(resposta.json()["job_id"])
    assert status["status"] == "COMPLETED"
    assert status["operadora"] == "SAT"
    assert re.fullmatch(r"Protocolo SAT \d{6}", status["result"])
