"""As fixtures comuns a todos os testes: personas, navegador logado, simulador e worker.

As fábricas que elas usam (e que os testes importam) ficam em `brm.fabricas`.
"""

import pytest
import requests

from brm.fabricas import criar_usuario, esperar, porta_livre
from contas.models import Perfil, Usuario


@pytest.fixture(autouse=True)
def _ajustes_de_teste(settings):
    """Os testes não rodam collectstatic (sem manifesto) e não precisam de hash de senha lento."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    # Cache de memória dentro do processo de testes (rápido, sem consultas a mais nas contagens);
    # os processos de verdade que os testes sobem usam o padrão, a tabela do banco.
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    from django.core.cache import cache

    cache.clear()  # limites de tentativas (login da API, callback) contam no cache


@pytest.fixture
def cache_compartilhado_limpo(transactional_db):
    """Para testes com servidores de verdade: a tabela do cache (CACHE_URL padrão) vazia no começo
    e no fim. O banco de testes vive a sessão inteira, e as senhas erradas de um teste
    bloqueariam o login de 127.0.0.1 no seguinte."""
    from django.core.cache.backends.db import DatabaseCache

    def limpar():
        DatabaseCache("cache_brm", {}).clear()

    limpar()
    yield
    limpar()


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
    settings.API_EXTERNA_URL = f"http://127.0.0.1:{porta_livre()}"
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

    trabalhador = Worker(intervalo=0.05, desligados={"agendamentos"})
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
