"""Criação mensal para 10.000 clientes: tempo e consultas ao banco (primeira e segunda rodada)."""

import datetime as dt
import time

from django.db import connection
from django.test.utils import CaptureQueriesContext
from stdnum.br import cnpj

from bench.ambiente import tabela

QUANTIDADE = 10_000


def _povoar() -> None:
    from clientes.models import Cliente
    from operadoras.models import Operadora

    operadoras = [
        Operadora.objects.get_or_create(
            codigo=codigo, defaults={"nome": codigo, "possui_rpa": True}
        )[0]
        for codigo in ("VIVO", "OI", "EMBRATEL", "DIGITALNET")
    ]
    clientes = []
    for numero in range(QUANTIDADE):
        base = f"{numero + 10_000_000:08d}0001"
        clientes.append(
            Cliente(
                hash_unico=f"bench{numero}",
                razao_social=f"EMPRESA {numero} LTDA",
                nome_sat=f"EMPRESA {numero}",
                cnpj=base + cnpj.calc_check_digits(base),
                operadora=operadoras[numero % len(operadoras)],
                filtro=str(numero),
                servico="Internet",
                senha_portal="senha",
            )
        )
    Cliente.objects.bulk_create(clientes, batch_size=1000)


def rodar() -> None:
    from processos.criacao import criar_processos_mensais
    from processos.models import Processo, Transicao

    _povoar()
    linhas = [("rodada", "criados", "existentes", "segundos", "consultas")]
    for rodada in ("primeira", "segunda (idempotente)"):
        with CaptureQueriesContext(connection) as consultas:
            inicio = time.perf_counter()
            resultado = criar_processos_mensais(competencia=dt.date(2026, 3, 1))
            segundos = time.perf_counter() - inicio
        linhas.append(
            (rodada, resultado.criados, resultado.existentes, f"{segundos:.2f}", len(consultas))
        )
    tabela(
        f"Criação mensal — {QUANTIDADE} clientes ativos ({connection.vendor})",
        linhas,
    )
    assert Processo.objects.count() == QUANTIDADE == Transicao.objects.count()
