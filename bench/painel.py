"""Painel (página inicial do admin) com 10.000 processos no mês: tempo e consultas por página."""

import datetime as dt
import random
import statistics
import time

from django.conf import settings
from django.db import connection
from django.test import Client, override_settings
from django.test.utils import CaptureQueriesContext

from bench.ambiente import tabela
from bench.criacao_mensal import QUANTIDADE, _povoar

COMPETENCIA = dt.date(2026, 5, 1)
RODADAS = 20


def _mes_movimentado() -> None:
    from clientes.models import Cliente
    from execucoes.models import Execucao, StatusExecucao, TipoExecucao
    from processos.criacao import criar_processos_mensais
    from processos.models import Processo, StatusProcesso

    if Cliente.objects.count() < QUANTIDADE:
        _povoar()
    criar_processos_mensais(competencia=COMPETENCIA)
    sorteio = random.Random(5)
    ids = list(Processo.objects.filter(competencia=COMPETENCIA).values_list("pk", flat=True))
    por_status: dict[str, list] = {}
    for pk in ids:
        status = sorteio.choices(StatusProcesso.values, weights=[4, 2, 1, 3])[0]
        por_status.setdefault(status, []).append(pk)
    for status, pks in por_status.items():
        Processo.objects.filter(pk__in=pks).update(status=status)
    execucoes = [
        Execucao(
            processo_id=pk,
            tipo=TipoExecucao.DOWNLOAD_FATURA,
            status=sorteio.choices(
                [StatusExecucao.CONCLUIDO, StatusExecucao.FALHOU, StatusExecucao.TIMEOUT],
                weights=[8, 2, 1],
            )[0],
        )
        for pk in ids
    ]
    Execucao.objects.bulk_create(execucoes, batch_size=1000)
    Processo.recalcular_resumo_das_execucoes()  # gravadas em lote, sem passar pelos desfechos


def rodar() -> None:
    # Sem collectstatic aqui: os estáticos sem manifesto (mede o painel, não os arquivos).
    estaticos = {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}
    with override_settings(STORAGES={**settings.STORAGES, "staticfiles": estaticos}):
        _medir()


def _medir() -> None:
    from contas.models import Perfil, Usuario

    _mes_movimentado()
    usuario, _ = Usuario.objects.get_or_create(
        username="bench-painel", defaults={"perfil": Perfil.OPERADOR}
    )
    navegador = Client(HTTP_HOST="localhost")
    navegador.force_login(usuario)
    url = f"/admin/?competencia={COMPETENCIA:%m/%Y}"
    navegador.get(url, secure=True)  # aquece caches e a sessão
    tempos = []
    for _ in range(RODADAS):
        with CaptureQueriesContext(connection) as consultas:
            inicio = time.perf_counter()
            resposta = navegador.get(url, secure=True)
            tempos.append((time.perf_counter() - inicio) * 1000)
        assert resposta.status_code == 200, resposta.status_code
    tempos.sort()
    tabela(
        f"Painel — {QUANTIDADE} processos no mês, {RODADAS} aberturas ({connection.vendor}); "
        "meta: p95 < 500 ms, consultas fixas",
        [
            ("p50 (ms)", "p95 (ms)", "consultas por página"),
            (
                f"{statistics.median(tempos):.0f}",
                f"{tempos[int(len(tempos) * 0.95) - 1]:.0f}",
                len(consultas),
            ),
        ],
    )
