"""A fila do despacho: em que ordem as execuções PENDENTES vão ao robô, e quantas de cada vez.

Ordem: a competência mais antiga, depois o vencimento previsto mais cedo (desconhecido por
último), depois a que chegou primeiro; uma nova tentativa só depois do seu `executar_apos`.
Capacidade: cada operadora roda no máximo `Operadora.jobs_simultaneos` jobs do seu robô, e todos
juntos — downloads e envios ao SAT — no máximo `RPA_JOBS_SIMULTANEOS`. Ocupa uma vaga a execução
com o job rodando ou sendo enviado (`EM_VOO`), até o worker registrar o fim.

Barata com milhares na fila:
- o lugar na fila fica gravado na execução (`enfileirar`, um UPDATE para todas as que chegaram):
  a próxima de cada operadora é a primeira linha do seu trecho do índice `execucao_fila_idx`, sem
  juntar tabelas nem ordenar a fila inteira;
- quem reivindica conta as vagas e marca a escolhida com a trava do despacho tomada
  (`travar_o_despacho`): dois workers que vissem 9 de 10 vagas ocupadas não levam as duas juntos.
"""

import datetime as dt

from django.conf import settings
from django.db import connection
from django.db.models import (
    Case,
    Count,
    DateField,
    F,
    Func,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    When,
)
from django.db.models.functions import Coalesce, ExtractMonth, ExtractYear

from execucoes.models import EM_VOO, NA_FILA, STATUS_ATIVOS, Execucao, TipoExecucao
from operadoras.models import Operadora
from processos.models import Processo

ORDEM_DA_FILA = ("competencia", F("vencimento_previsto").asc(nulls_last=True), "criado_em")
# Chave da trava consultiva do PostgreSQL (“BRMD”): só o despacho a usa.
TRAVA_DO_DESPACHO = 0x42524D44


class SomarMeses(Func):
    """`data` + `meses` meses (no fim do mês, o último dia dele, no PostgreSQL)."""

    output_field = DateField()
    arity = 2

    def as_postgresql(self, compiler, connection, **extra):
        return self.as_sql(
            compiler, connection, template="(%(expressions)s * interval '1 month')::date", **extra
        )

    def as_sqlite(self, compiler, connection, **extra):
        return self.as_sql(
            compiler,
            connection,
            template="date(%(expressions)s || ' months')",
            arg_joiner=", '+' || ",
            **extra,
        )

    def as_sql(self, compiler, connection, **extra):
        extra.setdefault("arg_joiner", " + ")
        return super().as_sql(compiler, connection, **extra)


def _numero_do_mes(campo):
    return ExtractYear(campo) * 12 + ExtractMonth(campo)


def _vencimento_previsto_do_download():
    """O vencimento do processo anterior mais recente do mesmo cliente que tem um, trazido para
    a competência deste (o dia 10 de fevereiro de janeiro vira o dia 10 de abril em março)."""
    meses_depois = OuterRef("mes") - _numero_do_mes("competencia")
    anterior = (
        Processo.objects.filter(
            cliente=OuterRef("cliente_id"),
            competencia__lt=OuterRef("competencia"),
            vencimento__isnull=False,
        )
        .order_by("-competencia")
        .annotate(previsto=SomarMeses("vencimento", meses_depois))
        .values("previsto")[:1]
    )
    return (
        Processo.objects.filter(pk=OuterRef("processo_id"))
        .annotate(mes=_numero_do_mes("competencia"))
        .annotate(previsto=Subquery(anterior))
        .values("previsto")[:1]
    )


def enfileirar() -> int:
    """Grava o lugar na fila das execuções ativas que ainda não o têm — venham de onde vierem
    (ações, novas tentativas, cargas em lote) —, num UPDATE só. Devolve quantas enfileirou."""
    processo = Processo.objects.filter(pk=OuterRef("processo_id"))
    return Execucao.objects.filter(competencia__isnull=True, status__in=STATUS_ATIVOS).update(
        competencia=Subquery(processo.values("competencia")[:1]),
        operadora=Case(
            When(
                tipo=TipoExecucao.DOWNLOAD_FATURA,
                then=Subquery(processo.values("cliente__operadora_id")[:1]),
            ),
            default=None,
        ),
        vencimento_previsto=Case(
            When(
                tipo=TipoExecucao.DOWNLOAD_FATURA,
                then=Subquery(_vencimento_previsto_do_download()),
            ),
            default=Subquery(processo.values("vencimento")[:1]),
        ),
    )


def travar_o_despacho() -> None:
    """Uma reivindicação por vez, até o fim da transação. Chame dentro de `transaction.atomic`.

    No PostgreSQL, uma trava consultiva da transação; no SQLite, a transação (IMMEDIATE, nas
    settings) já é a única que escreve."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [TRAVA_DO_DESPACHO])


def _primeira_da_vez(agora: dt.datetime, **filtro) -> QuerySet:
    return (
        Execucao.objects.filter(NA_FILA, competencia__isnull=False, **filtro)
        .filter(Q(executar_apos__isnull=True) | Q(executar_apos__lte=agora))
        .order_by(*ORDEM_DA_FILA)
        .values("pk")[:1]
    )


def ocupadas_por_operadora() -> Subquery:
    """Quantas vagas do robô da operadora (`OuterRef("pk")`) estão ocupadas."""
    return Coalesce(
        Subquery(
            Execucao.objects.filter(EM_VOO, operadora=OuterRef("pk"))
            .order_by()
            .values("operadora")
            .annotate(n=Count("pk"))
            .values("n")
        ),
        0,
    )


def proxima(agora: dt.datetime) -> QuerySet:
    """As candidatas da vez, na ordem da fila (a primeira é a que vai; as outras, se alguém
    travou aquela): a primeira da fila de cada operadora com vaga e a primeira dos envios ao SAT,
    se há vaga no limite global. Cada uma é uma busca de uma linha num índice; a lista final é
    buscada pela chave primária (um `OR` de subconsultas faria o banco varrer a tabela)."""
    if Execucao.objects.filter(EM_VOO).count() >= settings.RPA_JOBS_SIMULTANEOS:
        return Execucao.objects.none()
    das_operadoras = (
        Operadora.objects.annotate(ocupadas=ocupadas_por_operadora())
        .filter(ocupadas__lt=F("jobs_simultaneos"))
        .annotate(primeira=Subquery(_primeira_da_vez(agora, operadora=OuterRef("pk"))))
        .filter(primeira__isnull=False)
        .values_list("primeira", flat=True)
    )
    do_sat = _primeira_da_vez(agora, operadora__isnull=True, tipo=TipoExecucao.UPLOAD_SAT)
    candidatas = [*das_operadoras, *(linha["pk"] for linha in do_sat)]
    return Execucao.objects.filter(pk__in=candidatas).order_by(*ORDEM_DA_FILA)
