"""Configuração da operação: o cache dos limites é o mesmo para todas as réplicas (o banco por
padrão, o Redis quando CACHE_URL pede); valores malformados falham na partida com o nome."""

from brm.tests.test_configuracao import rodar_python

MOSTRAR_CACHE = (
    "from django.conf import settings as s; c = s.CACHES['default']; "
    "print(c['BACKEND'], c.get('LOCATION'))"
)


def test_sem_cache_url_os_contadores_ficam_numa_tabela_do_banco():
    saida = rodar_python(MOSTRAR_CACHE)
    assert saida.stdout.split() == ["django.core.cache.backends.db.DatabaseCache", "cache_brm"]


def test_cache_url_do_redis_usa_o_redis():
    saida = rodar_python(MOSTRAR_CACHE, CACHE_URL="redis://127.0.0.1:6379/1")
    assert saida.stdout.split() == [
        "django.core.cache.backends.redis.RedisCache",
        "redis://127.0.0.1:6379/1",
    ], saida.stderr


def test_cache_url_malformada_falha_na_partida_dizendo_o_nome():
    saida = rodar_python(MOSTRAR_CACHE, CACHE_URL="memoria-compartilhada://x")
    assert saida.returncode != 0
    assert "CACHE_URL" in saida.stderr


def test_prazo_da_sonda_da_api_rpa_fora_da_faixa_falha_na_partida_dizendo_o_nome():
    saida = rodar_python(MOSTRAR_CACHE, SAUDE_PRAZO_RPA_SEGUNDOS="60")
    assert saida.returncode != 0
    assert "SAUDE_PRAZO_RPA_SEGUNDOS" in saida.stderr
