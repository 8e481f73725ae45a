"""Os números do painel: processos do mês por status e por operadora, o que espera
aprovação, as falhas que esperam alguém, a taxa de sucesso do robô e a atividade recente.

Cada número é uma consulta agregada no banco: o painel custa o mesmo com 40 ou 40.000 processos.
"""

import datetime as dt
from dataclasses import dataclass

from django.db.models import Count, OuterRef, QuerySet, Subquery

from execucoes.models import Execucao, StatusExecucao
from processos.models import COR_DO_STATUS, ETAPAS_DO_ROBO, Processo, StatusProcesso, Transicao

STATUS_DE_FALHA = (StatusExecucao.FALHOU, StatusExecucao.TIMEOUT)
TIPOS_DO_ROBO = tuple(etapa.tipo for etapa in ETAPAS_DO_ROBO)


def com_falha(processos: QuerySet) -> QuerySet:
    """Processos cuja última execução falhou (ou estourou o tempo): esperam alguém decidir.

    Com uma nova tentativa automática já na fila, a última execução é ela: o processo não entra."""
    ultima = Execucao.objects.filter(processo=OuterRef("pk")).order_by("-criado_em")
    return processos.annotate(status_da_ultima=Subquery(ultima.values("status")[:1])).filter(
        status_da_ultima__in=STATUS_DE_FALHA
    )


@dataclass(frozen=True)
class Fatia:
    status: str
    rotulo: str
    total: int
    de: int

    @property
    def cor(self) -> str:
        return COR_DO_STATUS.get(self.status, "cinza")

    @property
    def percentual(self) -> float:
        return 100 * self.total / self.de if self.de else 0.0


@dataclass(frozen=True)
class Operadora:
    id: object
    codigo: str
    total: int
    fatias: list[Fatia]


@dataclass(frozen=True)
class Indicadores:
    competencia: dt.date
    total: int
    por_status: list[Fatia]
    por_operadora: list[Operadora]
    com_falha: int
    execucoes_concluidas: int
    execucoes_com_falha: int
    atividade_recente: list[Transicao]

    def _total_de(self, status: str) -> int:
        return next(f.total for f in self.por_status if f.status == status)

    @property
    def aguardando_aprovacao(self) -> int:
        return self._total_de(StatusProcesso.AGUARDANDO_APROVACAO)

    @property
    def concluidos(self) -> int:
        return self._total_de(StatusProcesso.UPLOAD_REALIZADO)

    @property
    def percentual_concluido(self) -> float:
        return 100 * self.concluidos / self.total if self.total else 0.0

    @property
    def taxa_de_sucesso(self) -> float | None:
        """Das execuções do robô que terminaram nesta competência, quantas deram certo (%)."""
        terminadas = self.execucoes_concluidas + self.execucoes_com_falha
        return 100 * self.execucoes_concluidas / terminadas if terminadas else None


def _fatias(contagem: dict[str, int], total: int) -> list[Fatia]:
    return [
        Fatia(status, rotulo, contagem.get(status, 0), total)
        for status, rotulo in StatusProcesso.choices
    ]


def indicadores(competencia: dt.date, recentes: int = 10) -> Indicadores:
    processos = Processo.objects.filter(competencia=competencia)
    por_operadora_e_status = (
        processos.order_by()
        .values_list("cliente__operadora_id", "cliente__operadora__codigo", "status")
        .annotate(total=Count("id"))
    )
    operadoras: dict[tuple, dict[str, int]] = {}
    contagem: dict[str, int] = {}
    for operadora_id, codigo, status, total in por_operadora_e_status:
        operadoras.setdefault((codigo, operadora_id), {})[status] = total
        contagem[status] = contagem.get(status, 0) + total
    total = sum(contagem.values())

    execucoes = dict(
        Execucao.objects.filter(
            processo__competencia=competencia,
            tipo__in=TIPOS_DO_ROBO,
            status__in=(StatusExecucao.CONCLUIDO, *STATUS_DE_FALHA),
        )
        .order_by()
        .values_list("status")
        .annotate(total=Count("id"))
    )
    return Indicadores(
        competencia=competencia,
        total=total,
        por_status=_fatias(contagem, total),
        por_operadora=[
            Operadora(operadora_id, codigo, sum(por.values()), _fatias(por, sum(por.values())))
            for (codigo, operadora_id), por in sorted(operadoras.items())
        ],
        com_falha=com_falha(processos).count(),
        execucoes_concluidas=execucoes.get(StatusExecucao.CONCLUIDO, 0),
        execucoes_com_falha=sum(execucoes.get(status, 0) for status in STATUS_DE_FALHA),
        atividade_recente=list(
            Transicao.objects.select_related("processo__cliente", "usuario").order_by("-criado_em")[
                :recentes
            ]
        ),
    )


def competencias_recentes(limite: int = 24) -> list[dt.date]:
    return list(
        Processo.objects.order_by("-competencia")
        .values_list("competencia", flat=True)
        .distinct()[:limite]
    )
