"""Vários processos gunicorn (WEB_CONCURRENCY=2): /metrics soma os pedidos de todos, seja qual for
o processo que responde à coleta (prometheus-client em modo multiprocesso)."""

import re
from concurrent.futures import ThreadPoolExecutor

import pytest
import requests

from brm.fabricas import porta_livre, subir_servidor_web


def sondar(base: str) -> int:
    return requests.get(f"{base}/healthz", timeout=10, headers={"Connection": "close"}).status_code


pytestmark = [pytest.mark.lento, pytest.mark.django_db(transaction=True)]


def test_os_pedidos_de_dois_processos_web_somam_em_qualquer_coleta(tmp_path):
    porta = porta_livre()
    ambiente = {"WEB_CONCURRENCY": "2", "PROMETHEUS_MULTIPROC_DIR": str(tmp_path / "metricas")}
    with open(tmp_path / "web.log", "w") as saida:
        web = subir_servidor_web(porta, ambiente, saida)
        try:
            base = f"http://127.0.0.1:{porta}"
            # Pedidos juntos, cada um numa conexão: os dois processos aceitam alguns.
            with ThreadPoolExecutor(max_workers=16) as grupo:
                status = list(grupo.map(lambda _: sondar(base), range(200)))
            assert status == [200] * 200
            coletas = [requests.get(f"{base}/metrics", timeout=10).text for _ in range(4)]
        finally:
            web.terminate()
            web.wait(timeout=20)
    padrao = re.compile(
        r'^brm_http_pedidos_total\{metodo="GET",rota="healthz",status="200"\} (\S+)$', re.M
    )
    assert [float(padrao.search(texto).group(1)) for texto in coletas] == [200.0] * 4
    pids = {nome.split("_")[-1] for nome in (p.name for p in (tmp_path / "metricas").iterdir())}
    assert len(pids) >= 2, "só um processo web respondeu"
    assert all("brm_execucoes_ativas" in texto for texto in coletas)
