"""Personas e fábricas pequenas, comuns a todos os testes (STYLE.md)."""

import datetime as dt
import itertools
import os
import socket
import subprocess
import sys

import pytest
import requests
from stdnum.br import cnpj as stdnum_cnpj

from clientes.models import Cliente
from contas.models import Perfil, Usuario
from operadoras.models import Operadora
from processos.models import Processo

_sequencia = itertools.count(1)


def esperar(condicao, prazo: float = 15.0, intervalo: float = 0.05, mensagem: str = ""):
    """Repete `condicao` até ela dar algo verdadeiro (e o devolve) ou o prazo acabar."""
    import time

    limite = time.monotonic() + prazo
    while True:
        valor = condicao()
        if valor:
            return valor
        if time.monotonic() > limite:
            raise AssertionError(mensagem or f"condição não atendida em {prazo} s")
        time.sleep(intervalo)


def url_do_banco_de_teste() -> str:
    """A URL do banco de testes, para um processo filho (app, worker) usar o mesmo banco."""
    from django.db import connection

    dados = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{dados['NAME']}"
    return f"postgres://{dados['USER']}:{dados['PASSWORD']}@{dados['HOST']}:{dados['PORT']}/{dados['NAME']}"


def porta_livre() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def subir_servidor_web(porta: int, ambiente: dict, saida) -> subprocess.Popen:
    """O app web como em produção (gunicorn + worker uvicorn, `gunicorn.conf.py`), no banco de
    testes; devolve quando o login responde."""
    from django.conf import settings

    processo = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "-c", "gunicorn.conf.py", "brm.asgi:application"],
        cwd=settings.BASE_DIR,
        env={
            **os.environ,
            "DATABASE_URL": url_do_banco_de_teste(),
            "DEBUG": "true",
            "PORT": str(porta),
            "WEB_CONCURRENCY": "1",
            "MEDIA_ROOT": str(settings.MEDIA_ROOT),
            **ambiente,
        },
        stdout=saida,
        stderr=subprocess.STDOUT,
    )

    def no_ar():
        try:
            resposta = requests.get(
                f"http://127.0.0.1:{porta}/contas/login/", timeout=1, allow_redirects=False
            )
            return resposta.status_code < 500  # em produção, um redirect para HTTPS
        except requests.RequestException:
            return False

    try:
        esperar(no_ar, prazo=30, mensagem="o app web não subiu")
    except AssertionError:
        processo.kill()
        raise
    return processo


def gerar_cnpj(numero: int | None = None) -> str:
    base = f"{numero if numero is not None else next(_sequencia):08d}0001"
    return base + stdnum_cnpj.calc_check_digits(base)


def criar_usuario(perfil: str, username: str | None = None) -> Usuario:
    username = username or f"{perfil.lower()}{next(_sequencia)}"
    return Usuario.objects.create_user(
        username=username, password="senha-de-teste-1", perfil=perfil, nome=username.title()
    )


def criar_operadora(codigo: str = "VIVO", **campos) -> Operadora:
    campos.setdefault("possui_rpa", True)
    operadora, _ = Operadora.objects.get_or_create(
        codigo=codigo, defaults={"nome": codigo, **campos}
    )
    return operadora


def criar_cliente(operadora: Operadora | None = None, **campos) -> Cliente:
    numero = next(_sequencia)
    campos.setdefault("razao_social", f"EMPRESA {numero} LTDA")
    campos.setdefault("cnpj", gerar_cnpj(numero))
    campos.setdefault("filtro", str(1000 + numero))
    campos.setdefault("servico", "Internet")
    campos.setdefault("dados_sat", "Link Dedicado")
    campos.setdefault("unidade", "Campo Grande-MS")
    campos.setdefault("login_portal", f"financeiro{numero}@cliente.example")
    campos.setdefault("senha_portal", f"senha-secreta-{numero}")
    return Cliente.objects.create(operadora=operadora or criar_operadora(), **campos)


def criar_processo(cliente: Cliente | None = None, competencia=dt.date(2026, 3, 1), **campos):
    return Processo.objects.create(
        cliente=cliente or criar_cliente(), competencia=competencia, **campos
    )


@pytest.fixture(autouse=True)
def _ajustes_de_teste(settings):
    """Os testes não rodam collectstatic (sem manifesto) e não precisam de hash de senha lento."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    from django.core.cache import cache

    cache.clear()  # limites de tentativas (login da API, callback) contam no cache


@pytest.fixture
def administrador(db) -> Usuario:
    return criar_usuario(Perfil.ADMINISTRADOR, "ana.admin")


@pytest.fixture
def aprovador(db) -> Usuario:
    return criar_usuario(Perfil.APROVADOR, "paulo.aprovador")


@pytest.fixture
def operador(db) -> Usuario:
    return criar_usuario(Perfil.OPERADOR, "olga.operadora")


@pytest.fixture
def inativo(db) -> Usuario:
    """Alguém de fora: já foi da equipe, hoje está desativado."""
    usuario = criar_usuario(Perfil.OPERADOR, "ex.funcionario")
    usuario.is_active = False
    usuario.save()
    return usuario


@pytest.fixture
def navegador_de(client):
    """`navegador_de(usuario)`: o cliente de testes do Django logado como essa pessoa."""

    def logar(usuario: Usuario):
        client.force_login(usuario)
        return client

    return logar


def jwt_de_teste(dias: int = 365, segredo: str = "segredo-qualquer-com-32-bytes-ou-mais!") -> str:
    """Um JWT com `exp` daqui a `dias` (negativo: já expirou)."""
    import jwt
    from django.utils import timezone

    exp = timezone.now() + dt.timedelta(days=dias)
    return jwt.encode({"sub": "brm", "exp": int(exp.timestamp())}, segredo, algorithm="HS256")


@pytest.fixture(autouse=True)
def _esperas_curtas_nas_repeticoes(monkeypatch):
    """As repetições de GET continuam acontecendo; só esperam menos nos testes."""
    monkeypatch.setattr("execucoes.rpa.ESPERAS_GET", (0.01, 0.02, 0.03))


@pytest.fixture(scope="session")
def _simulador_da_sessao():
    from simulador.servidor import iniciar

    sim = iniciar(velocidade=50.0, taxa_falha=0.0, semente=7, chave_renovacao="brm-dev-refresh")
    yield sim
    sim.parar()


@pytest.fixture
def simulador(_simulador_da_sessao, settings):
    """O simulador da API RPA por HTTP real, numa porta livre, zerado a cada teste."""
    settings.API_EXTERNA_URL = _simulador_da_sessao.url
    settings.BRM_TOKEN_PASSWORD = "brm-dev-refresh"
    resposta = requests.post(f"{_simulador_da_sessao.url}/__simulador/reset", json={}, timeout=5)
    assert resposta.status_code == 200
    return _simulador_da_sessao


@pytest.fixture
def api_fora_do_ar(settings):
    """Uma porta onde ninguém escuta."""
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        porta = sock.getsockname()[1]
    settings.API_EXTERNA_URL = f"http://127.0.0.1:{porta}"
    return settings.API_EXTERNA_URL


@pytest.fixture
def simulador_exclusivo(settings, request):
    """Um simulador só deste teste (sem jobs de outros testes), rápido e sem falhas sorteadas."""
    from simulador.servidor import iniciar

    sim = iniciar(velocidade=20.0, taxa_falha=0.0, semente=11, chave_renovacao="brm-dev-refresh")
    settings.API_EXTERNA_URL = sim.url
    settings.API_EXTERNA_TOKEN = sim.novo_token()
    settings.RPA_INTERVALO_CONSULTA_SEGUNDOS = 0.5
    settings.RPA_ESPERA_BASE_SEGUNDOS = 0.2
    settings.RPA_ENVIO_SEM_RESPOSTA_SEGUNDOS = 1.0
    settings.RPA_TEMPO_ENVIO_SEGUNDOS = 0.5
    yield sim
    try:
        _conferir_garantias(request, sim)
    finally:
        sim.parar()


def _conferir_garantias(request, sim) -> None:
    """As propriedades de “exatamente uma vez” valem depois de todo teste com o simulador."""
    if not request.node.get_closest_marker("django_db"):
        return  # sem banco, não há o que conferir
    from execucoes.tests.propriedades import conferir

    problemas = conferir(sim)
    assert not problemas, "Garantias violadas:\n- " + "\n- ".join(problemas)


@pytest.fixture
def worker(simulador_exclusivo):
    """O worker de verdade, numa thread, falando HTTP com o simulador."""
    import threading

    from execucoes.models import EstadoRPA
    from execucoes.worker import Worker

    trabalhador = Worker(intervalo=0.05, desligados={"criacao_mensal"})
    thread = threading.Thread(target=trabalhador.rodar, daemon=True)
    thread.start()
    # O simulador não repete as linhas a quem conecta depois: um job criado antes de o worker
    # ouvir o stream teria as primeiras linhas completadas só no fim (pelo /status).
    esperar(
        lambda: EstadoRPA.objects.filter(stream_conectado=True).exists(),
        prazo=15,
        mensagem="o worker não conectou ao stream de eventos",
    )
    yield trabalhador
    trabalhador.parar.set()
    thread.join(timeout=15)
    assert not thread.is_alive(), "o worker não parou"


@pytest.fixture(scope="session", autouse=True)
def _fechar_o_pool_no_fim(django_db_setup, django_db_blocker):
    """Com o pool, conexões devolvidas seguem abertas: fecha o pool antes de apagar o banco."""
    yield
    from django.db import connections

    with django_db_blocker.unblock():
        for conexao in connections.all():
            if getattr(conexao, "pool", None) is not None:
                conexao.close()  # devolve a desta thread ao pool
                conexao.close_pool()
