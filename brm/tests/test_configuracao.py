"""Configuração pelo ambiente: fallback para SQLite, banner, deploy seguro."""

import os
import subprocess
import sys

import pytest
from django.conf import settings
from django.urls import reverse

RAIZ = settings.BASE_DIR
FERNET = "_h_-gDSLW9ZepOmihETjFadVJ5ypwCfPWP3gMoESG5g="


def rodar_python(codigo: str, **ambiente: str) -> subprocess.CompletedProcess:
    env = {
        "PATH": os.environ["PATH"],
        "DJANGO_SETTINGS_MODULE": "brm.settings",
        "SECRET_KEY": "x" * 60,
        "FIELD_ENCRYPTION_KEY": FERNET,
        **ambiente,
    }
    return subprocess.run(
        [sys.executable, "-c", codigo],
        cwd=RAIZ,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )


MOSTRAR_BANCO = (
    "from django.conf import settings as s; "
    "print(s.DATABASES['default']['ENGINE'], s.BANCO_FALLBACK_ATIVO)"
)
POSTGRES_FORA = "postgres://postgres@127.0.0.1:1/nada"


def test_sem_configuracao_usa_sqlite_no_projeto():
    saida = rodar_python(MOSTRAR_BANCO)
    assert saida.stdout.split() == ["django.db.backends.sqlite3", "False"], saida.stderr


def test_postgres_fora_sem_fallback_continua_no_postgres():
    saida = rodar_python(MOSTRAR_BANCO, DATABASE_URL=POSTGRES_FORA)
    assert saida.stdout.split() == ["django.db.backends.postgresql", "False"], saida.stderr


def test_postgres_fora_com_fallback_usa_sqlite_e_avisa_no_log():
    saida = rodar_python(MOSTRAR_BANCO, DATABASE_URL=POSTGRES_FORA, DB_FALLBACK_SQLITE="true")
    assert saida.stdout.split() == ["django.db.backends.sqlite3", "True"], saida.stderr
    assert "running on SQLite" in saida.stderr


def test_variaveis_do_sistema_antigo_montam_a_url_do_postgres():
    codigo = "from django.conf import settings as s; d = s.DATABASES['default']; print(d['ENGINE'], d['HOST'], d['PORT'], d['NAME'], d['USER'])"
    saida = rodar_python(
        codigo,
        DB_ENGINE="postgresql",
        DB_HOST="banco.interno",
        DB_PORT="5433",
        DB_NAME="brm",
        DB_USERNAME="brm",
        DB_PASS="x",
    )
    assert saida.stdout.split() == [
        "django.db.backends.postgresql",
        "banco.interno",
        "5433",
        "brm",
        "brm",
    ]


def test_sem_secret_key_em_producao_falha_dizendo_o_nome():
    saida = subprocess.run(
        [sys.executable, "-c", MOSTRAR_BANCO],
        cwd=RAIZ,
        env={
            "PATH": os.environ["PATH"],
            "DJANGO_SETTINGS_MODULE": "brm.settings",
            "DEBUG": "false",
        },
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert saida.returncode != 0
    assert "SECRET_KEY" in saida.stderr


def test_check_deploy_sem_avisos_num_ambiente_de_producao():
    saida = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=RAIZ,
        env={
            "PATH": os.environ["PATH"],
            "DEBUG": "false",
            "SECRET_KEY": "k3y-" + "aZ9#x" * 12,
            "FIELD_ENCRYPTION_KEY": FERNET,
            "ALLOWED_HOSTS": "brm.example.com",
        },
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert saida.returncode == 0, saida.stderr + saida.stdout
    assert "no issues" in saida.stdout


@pytest.mark.django_db
def test_banner_do_fallback_aparece_em_toda_pagina_do_admin(settings, administrador, navegador_de):
    navegador = navegador_de(administrador)
    url = reverse("admin:processos_processo_changelist")
    assert "aviso-fallback" not in navegador.get(url).content.decode()
    settings.BANCO_FALLBACK_ATIVO = True
    for pagina in (url, reverse("admin:index"), reverse("admin:clientes_cliente_add")):
        assert "rodando em SQLite" in navegador.get(pagina).content.decode()


@pytest.mark.parametrize("valor", ["0", "-3", "muitos"])
def test_limite_global_de_jobs_invalido_falha_na_partida_dizendo_o_nome(valor):
    saida = rodar_python(MOSTRAR_BANCO, RPA_JOBS_SIMULTANEOS=valor)
    assert saida.returncode != 0
    assert "RPA_JOBS_SIMULTANEOS" in saida.stderr


def test_limite_global_de_jobs_vem_do_ambiente():
    codigo = "from django.conf import settings as s; print(s.RPA_JOBS_SIMULTANEOS)"
    assert rodar_python(codigo).stdout.split() == ["20"]
    assert rodar_python(codigo, RPA_JOBS_SIMULTANEOS="7").stdout.split() == ["7"]
