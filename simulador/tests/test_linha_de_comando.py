import os
import signal
import socket
import subprocess
import sys
from pathlib import Path

import requests

from simulador.tests.cliente_http import esperar

RAIZ = Path(__file__).resolve().parents[2]


def _porta_livre() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _health(url: str) -> dict | None:
    try:
        return requests.get(f"{url}/health", timeout=1).json()
    except requests.ConnectionError:
        return None


def test_python_m_simulador_responde_health_e_para_com_sigterm():
    porta = _porta_livre()
    processo = subprocess.Popen(
        [sys.executable, "-m", "simulador", "--port", str(porta), "--velocidade", "50"],
        cwd=RAIZ,
        env={**os.environ, "SIMULADOR_OPERADORAS": "TIM"},
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    try:
        saude = esperar(lambda: _health(f"http://127.0.0.1:{porta}"), prazo=10)
        assert saude["status"] == "healthy"
        estado = requests.get(f"http://127.0.0.1:{porta}/__simulador/estado", timeout=2).json()
        assert "TIM" in estado["operadoras"]
    finally:
        processo.send_signal(signal.SIGTERM)
        saida, _ = processo.communicate(timeout=10)
    assert processo.returncode == 0, saida.decode()
    assert f"http://127.0.0.1:{porta}" in saida.decode()


def test_argumento_invalido_explica_o_erro():
    resultado = subprocess.run(
        [sys.executable, "-m", "simulador", "--taxa-falha", "2"],
        cwd=RAIZ,
        capture_output=True,
        text=True,
        timeout=10,
    )

    assert resultado.returncode == 2
    assert "deve estar entre 0 e 1" in resultado.stderr


def test_porta_ocupada_falha_com_mensagem(tmp_path):
    with socket.socket() as ocupado:
        ocupado.bind(("127.0.0.1", 0))
        ocupado.listen()
        porta = ocupado.getsockname()[1]
        resultado = subprocess.run(
            [sys.executable, "-m", "simulador", "--port", str(porta)],
            cwd=RAIZ,
            capture_output=True,
            text=True,
            timeout=10,
        )

    assert resultado.returncode == 1
    assert "Não foi possível abrir" in resultado.stderr
