import re

import requests

from simulador.tests.cliente_http import Cliente, LeitorSSE, esperar

CAMPOS_LOG = {"type", "level", "message", "operadora", "job_id", "timestamp", "service", "logger"}
ISO_UTC = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$")


def _eh_fim(job_id: str):
    return lambda evento: evento.get("message") == f"Job {job_id} concluído com status COMPLETED"


def test_primeiro_evento_e_a_conexao(sim):
    leitor = LeitorSSE(sim.url)

    evento = leitor.proximo()

    assert leitor.resposta.headers["Content-Type"].startswith("text/event-stream")
    assert set(evento) == {"type", "message", "timestamp"}
    assert evento["type"] == "connection"
    assert evento["message"] == "Conectado ao sistema de logs RPA em tempo real"
    assert ISO_UTC.match(evento["timestamp"])
    leitor.fechar()


def test_logs_do_job_chegam_com_todos_os_campos_e_a_linha_final(sim, cliente):
    leitor = LeitorSSE(sim.url)
    leitor.proximo()
    job_id = cliente.criar_download("EMBRATEL")

    lidos = leitor.ate(_eh_fim(job_id))

    logs = [item for item in lidos if isinstance(item, dict) and item["type"] == "log"]
    assert all(set(log) == CAMPOS_LOG for log in logs)
    do_job = [log for log in logs if log["job_id"] == job_id]
    assert do_job[0]["message"] == "Job criado para operadora EMBRATEL"
    assert {log["level"] for log in do_job} <= {"DEBUG", "INFO", "WARN", "ERROR"}
    assert do_job[-1]["level"] == "WARN"
    assert all(log["service"] == "rpa-api" and log["operadora"] == "EMBRATEL" for log in do_job)
    assert all(ISO_UTC.match(log["timestamp"]) for log in do_job)
    mensagens_status = [linha["message"] for linha in cliente.status(job_id)["logs"]]
    assert [log["message"] for log in do_job] == mensagens_status
    leitor.fechar()


def test_fluxo_so_tem_linhas_data_e_comentarios(sim, cliente):
    leitor = LeitorSSE(sim.url)
    job_id = cliente.criar_download()
    leitor.ate(_eh_fim(job_id))

    for linha in leitor.linhas_brutas:
        assert linha == b"\n" or linha.startswith((b"data: {", b": ")), linha
    assert not any(linha.startswith(b"id:") for linha in leitor.linhas_brutas)
    leitor.fechar()


def test_system_status_e_keep_alive_periodicos(sim, cliente):
    leitor = LeitorSSE(sim.url)

    lidos = leitor.ate(lambda evento: evento["type"] == "system_status")
    while leitor.proximo() != ": keep-alive":
        pass

    status = lidos[-1]
    assert set(status) == {"type", "jobs_pending", "jobs_active", "jobs_done", "timestamp"}
    assert ISO_UTC.match(status["timestamp"])
    leitor.fechar()


def test_todo_cliente_recebe_todo_evento(sim, cliente):
    leitores = [LeitorSSE(sim.url), LeitorSSE(sim.url)]
    esperar(lambda: cliente.estado()["conexoes_eventos"] == 2)
    job_id = cliente.criar_download()

    vistos = [leitor.ate(_eh_fim(job_id)) for leitor in leitores]

    def mensagens(lidos):
        return [e["message"] for e in lidos if isinstance(e, dict) and e.get("job_id") == job_id]

    assert mensagens(vistos[0]) == mensagens(vistos[1])
    for leitor in leitores:
        leitor.fechar()


def test_cliente_que_desconecta_e_liberado(sim, cliente):
    resposta = requests.get(f"{sim.url}/events/logs", stream=True, timeout=5)
    esperar(lambda: cliente.estado()["conexoes_eventos"] == 1)

    resposta.close()

    esperar(lambda: cliente.estado()["conexoes_eventos"] == 0)


def test_parar_o_simulador_encerra_os_fluxos(iniciar_simulador):
    sim = iniciar_simulador(velocidade=0.01)
    leitor = LeitorSSE(sim.url, timeout=10)
    leitor.proximo()

    sim.parar()

    assert leitor.proximo() is None


def test_velocidade_baixa_ainda_assim_entrega_eventos(iniciar_simulador):
    cliente = Cliente(iniciar_simulador(velocidade=1.0))
    leitor = LeitorSSE(cliente.url)
    leitor.proximo()
    job_id = cliente.criar_download()

    lidos = leitor.ate(lambda evento: evento.get("job_id") == job_id)

    assert lidos[-1]["message"] == "Job criado para operadora OI"
    leitor.fechar()
