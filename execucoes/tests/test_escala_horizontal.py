"""Escala horizontal (issue 14): dois servidores web e dois workers de verdade no mesmo PostgreSQL
levam faturas do download ao SAT, cada pedido da equipe indo a um servidor diferente; depois,
valem as garantias de sempre (um job por execução, log sem repetição, fatura do próprio cliente,
nada preso)."""

import pytest
import requests
from django.db import connection

from brm.fabricas import (
    SENHA,
    criar_cliente,
    criar_operadora,
    criar_processo,
    criar_usuario,
    porta_livre,
    subir_servidor_web,
)
from execucoes.tests.garantias import Bancada, controle, esperar_processos, verificar_propriedades
from processos.models import Processo, StatusProcesso

pytestmark = [pytest.mark.lento, pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def bancada(transactional_db, tmp_path):
    if connection.vendor != "postgresql":
        pytest.skip("réplicas de verdade disputando as execuções: só no PostgreSQL")
    bancada = Bancada(tmp_path)
    yield bancada
    bancada.encerrar()


@pytest.fixture
def dois_servidores(bancada, tmp_path, cache_compartilhado_limpo):
    sim = bancada.simulador()
    servidores, saidas = [], []
    try:
        for numero in range(2):
            saidas.append(open(tmp_path / f"web{numero}.log", "w"))  # noqa: SIM115
            porta = porta_livre()
            ambiente = {"API_EXTERNA_URL": sim.url, "API_EXTERNA_TOKEN": sim.novo_token()}
            servidores.append((porta, subir_servidor_web(porta, ambiente, saidas[-1])))
        yield sim, [f"http://127.0.0.1:{porta}" for porta, _ in servidores]
    finally:
        for _, servidor in servidores:
            servidor.terminate()
            servidor.wait(timeout=20)
        for saida in saidas:
            saida.close()


def entrar(base: str, usuario) -> requests.Session:
    sessao = requests.Session()
    resposta = sessao.post(
        f"{base}/api/token/", json={"username": usuario.username, "password": SENHA}, timeout=10
    )
    assert resposta.status_code == 200, resposta.text
    sessao.headers["Authorization"] = f"Bearer {resposta.json()['access']}"
    return sessao


def test_dois_web_e_dois_workers_levam_as_faturas_do_download_ao_sat(
    bancada, dois_servidores, settings
):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.PBKDF2PasswordHasher"]
    sim, bases = dois_servidores
    controle(sim, "ajustes", forma_resultado="objeto")  # valor e vencimento no resultado
    bancada.iniciar_workers(sim, quantidade=2)
    vivo = criar_operadora("VIVO")
    processos = [criar_processo(cliente=criar_cliente(vivo)) for _ in range(6)]
    # Cada pessoa entra num servidor e age pelo outro: o token vale nos dois (nada na memória).
    operador = entrar(bases[0], criar_usuario("OPERADOR"))
    aprovador = entrar(bases[1], criar_usuario("APROVADOR"))

    for numero, processo in enumerate(processos):
        base = bases[numero % 2]
        resposta = operador.post(f"{base}/api/processos/{processo.pk}/executar-download/")
        assert resposta.status_code == 202, resposta.text
    esperar_processos(processos, StatusProcesso.AGUARDANDO_APROVACAO, prazo=60)

    for numero, processo in enumerate(processos):
        base = bases[(numero + 1) % 2]
        resposta = aprovador.post(f"{base}/api/processos/{processo.pk}/aprovar/", json={})
        assert resposta.status_code == 200, resposta.text
        resposta = operador.post(f"{base}/api/processos/{processo.pk}/enviar-ao-sat/")
        assert resposta.status_code == 202, resposta.text
    esperar_processos(processos, StatusProcesso.UPLOAD_REALIZADO, prazo=60)

    assert all(p.fatura_sha256 for p in Processo.objects.filter(pk__in=[p.pk for p in processos]))
    verificar_propriedades(bancada)
