"""O simulador conta os jobs simultâneos (da criação ao fim) por operadora: agora e o pico."""

from simulador.tests.cliente_http import CORPO_SAT, Cliente, esperar


def simultaneos(cliente: Cliente) -> tuple[dict, int, dict, int]:
    estado = cliente.estado()
    return (
        estado["jobs_simultaneos"],
        estado["jobs_simultaneos_total"],
        estado["pico_jobs_simultaneos"],
        estado["pico_jobs_simultaneos_total"],
    )


def test_job_na_fila_do_robo_ja_conta_e_deixa_de_contar_quando_termina(cliente):
    cliente.controle("ajustes", pausado=True)
    jobs = [cliente.criar_download(op) for op in ("OI", "OI", "OI", "VIVO")]
    assert simultaneos(cliente) == ({"OI": 3, "VIVO": 1}, 4, {"OI": 3, "VIVO": 1}, 4)

    cliente.controle("ajustes", pausado=False)
    for job_id in jobs:
        cliente.esperar_fim(job_id)
    esperar(lambda: simultaneos(cliente)[1] == 0)
    assert simultaneos(cliente) == ({}, 0, {"OI": 3, "VIVO": 1}, 4)


def test_pico_guarda_o_maior_numero_de_jobs_juntos_nao_o_total(cliente):
    for _ in range(3):
        cliente.esperar_fim(cliente.criar_download("EMBRATEL"))
    esperar(lambda: simultaneos(cliente)[1] == 0)
    assert cliente.estado()["jobs_por_operadora"] == {"EMBRATEL": 3}
    assert simultaneos(cliente)[2:] == ({"EMBRATEL": 1}, 1)


def test_envio_ao_sat_conta_como_sat(cliente):
    cliente.controle("ajustes", pausado=True)
    resposta = cliente.post("/executar/sat", json=CORPO_SAT)
    assert resposta.status_code == 200, resposta.text
    assert simultaneos(cliente)[0] == {"SAT": 1}


def test_reset_recomeca_os_picos_do_que_esta_em_curso(cliente):
    cliente.controle("ajustes", pausado=True)
    cliente.criar_download("OI")
    cliente.criar_download("OI")
    cliente.criar_download("VIVO")
    cliente.controle("reset")
    cliente.controle("ajustes", pausado=True)
    assert simultaneos(cliente) == ({"OI": 2, "VIVO": 1}, 3, {"OI": 2, "VIVO": 1}, 3)


def test_job_purgado_deixa_de_contar(iniciar_simulador):
    cliente = Cliente(iniciar_simulador())
    cliente.controle("ajustes", pausado=True)
    cliente.criar_download("OI")
    cliente.controle("envelhecer", horas=25)
    cliente.controle("purgar")
    assert simultaneos(cliente)[:2] == ({}, 0)
