"""O servidor web de produção (gunicorn + brm.servidor.Worker): parar não espera os streams abertos."""

import os
import re
import secrets
import signal
import subprocess
import sys

import pytest
import requests
from django.test import Client

from brm.fabricas import criar_processo, criar_usuario, porta_livre, subir_servidor_web
from execucoes.models import Execucao, LogExecucao, StatusExecucao, TipoExecucao

pytestmark = [pytest.mark.lento, pytest.mark.django_db(transaction=True)]


def test_sigterm_encerra_os_streams_abertos_e_o_servidor_sai_logo(tmp_path, settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.PBKDF2PasswordHasher"]
    processo = criar_processo()
    execucao = Execucao.objects.create(
        processo=processo,
        tipo=TipoExecucao.DOWNLOAD_FATURA,
        status=StatusExecucao.EXECUTANDO,
        job_id="job-aberto",
    )
    linha = LogExecucao.objects.create(execucao=execucao, mensagem="Baixando a fatura")
    navegador = Client()
    navegador.force_login(criar_usuario("OPERADOR"))
    sessao = navegador.cookies["sessionid"].value

    porta = porta_livre()
    with open(tmp_path / "web.log", "w") as saida:
        web = subir_servidor_web(porta, {}, saida)
        try:
            streams = [
                requests.get(
                    f"http://127.0.0.1:{porta}{caminho}",
                    cookies={"sessionid": sessao},
                    stream=True,
                    timeout=(2, 15),
                )
                for caminho in (
                    f"/processos/{processo.pk}/eventos",
                    "/api/v2/logs-tempo-real/stream/job-aberto",
                )
            ]
            pedacos = [stream.iter_content(chunk_size=None) for stream in streams]
            inicios = [next(pedaco) for pedaco in pedacos]
            assert all(b"retry:" in inicio for inicio in inicios)

            web.send_signal(signal.SIGTERM)
            # O stream termina (resposta completa), e não fica pendurado até o gunicorn matar o worker
            # ao fim do graceful_timeout (20 s).
            restos = [b"".join(pedaco) for pedaco in pedacos]
            web.wait(timeout=10)
        finally:
            if web.poll() is None:
                web.kill()
                web.wait()
    corpos = [(inicio + resto).decode() for inicio, resto in zip(inicios, restos, strict=True)]
    assert all(f"id: {linha.id}" in corpo for corpo in corpos), corpos
    registro = (tmp_path / "web.log").read_text()
    assert "Waiting for connections to close" not in registro
    assert web.returncode == 0, registro[-2000:]


def test_em_producao_estaticos_saem_comprimidos_com_cache_longo_sem_avisos(tmp_path):
    """DEBUG desligado, `collectstatic` feito: o que o navegador baixa vem do ServeStatic, sob ASGI."""
    from cryptography.fernet import Fernet
    from django.conf import settings

    producao = {
        "DEBUG": "false",
        "SECRET_KEY": secrets.token_urlsafe(50),
        "FIELD_ENCRYPTION_KEY": Fernet.generate_key().decode(),
        "ALLOWED_HOSTS": "127.0.0.1",
        "SECURE_SSL_REDIRECT": "true",  # o padrão de produção (os testes desligam)
        "STATIC_ROOT": str(tmp_path / "estaticos"),
    }
    coleta = subprocess.run(
        [sys.executable, "manage.py", "collectstatic", "--noinput"],
        cwd=settings.BASE_DIR,
        env={**os.environ, **producao},
        capture_output=True,
        text=True,
    )
    assert coleta.returncode == 0, coleta.stderr
    https = {"X-Forwarded-Proto": "https"}  # como atrás do proxy que termina o TLS
    porta = porta_livre()
    base = f"http://127.0.0.1:{porta}"
    with open(tmp_path / "web.log", "w") as saida:
        web = subir_servidor_web(porta, producao, saida)
        try:
            assert requests.get(f"{base}/contas/login/", allow_redirects=False).status_code == 301
            login = requests.get(f"{base}/contas/login/", headers=https)
            assert login.status_code == 200
            assert "max-age=31536000" in login.headers["Strict-Transport-Security"]
            css = re.search(r'href="(/static/brm/admin\.[0-9a-f]{12}\.css)"', login.text)
            assert css, "o CSS deveria vir com o hash no nome (manifesto)"
            estatico = requests.get(
                base + css.group(1), headers={**https, "Accept-Encoding": "gzip"}
            )
            assert estatico.status_code == 200
            assert estatico.headers["Content-Encoding"] == "gzip"
            assert "immutable" in estatico.headers["Cache-Control"]
            assert ".selo" in estatico.text
        finally:
            web.terminate()
            web.wait(timeout=15)
    registro = (tmp_path / "web.log").read_text()
    assert "Warning" not in registro and "[ERROR]" not in registro, registro[-2000:]
