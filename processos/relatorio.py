"""O relatório do mês (uma competência), para a gerência ler ou imprimir: processos por status e
operadora, o valor de cada operadora contra o mês anterior, quanto foi registrado no SAT antes do
vencimento, as falhas do robô e os erros mais comuns, e o tempo médio do download ao SAT.

Cada número é uma consulta agregada sobre os processos da competência (pelo índice de
competência) ou as execuções deles: o relatório custa o mesmo com 1 ou 60 meses de histórico.
"""

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Avg, Count, DurationField, ExpressionWrapper, F, Min, OuterRef, Q, Sum
from django.db.models.functions import Left

from execucoes.models import Execucao, StatusExecucao
from processos.competencia import mes_anterior
from processos.indicadores import Indicadores, indicadores
from processos.models import Processo, StatusProcesso, Transicao

ERROS_MAIS_COMUNS = 5
FALHAS_DO_ROBO = (StatusExecucao.FALHOU, StatusExecucao.TIMEOUT)


@dataclass(frozen=True)
class ValorDaOperadora:
    codigo: str
    valor: Decimal
    anterior: Decimal

    @property
    def variacao(self) -> float | None:
        """A mudança em % contra o mês anterior (None sem valor no mês anterior)."""
        if not self.anterior:
            return None
        return float((self.valor - self.anterior) / self.anterior * 100)


@dataclass(frozen=True)
class ErroComum:
    mensagem: str
    vezes: int


@dataclass(frozen=True)
class RelatorioMensal:
    competencia: dt.date
    numeros: Indicadores
    valores: list[ValorDaOperadora]
    sat_no_prazo: int
    com_vencimento: int
    execucoes_com_falha: int
    erros_mais_comuns: list[ErroComum]
    tempo_ate_o_sat: dt.timedelta | None

    @property
    def valor_total(self) -> ValorDaOperadora:
        return ValorDaOperadora(
            "Total",
            sum((v.valor for v in self.valores), Decimal(0)),
            sum((v.anterior for v in self.valores), Decimal(0)),
        )

    @property
    def percentual_sat_no_prazo(self) -> float | None:
        """Dos processos com vencimento, quantos foram registrados no SAT até o dia dele (%)."""
        return 100 * self.sat_no_prazo / self.com_vencimento if self.com_vencimento else None


def relatorio_mensal(competencia: dt.date) -> RelatorioMensal:
    do_mes = Processo.objects.filter(competencia=competencia).order_by()
    prazo = do_mes.filter(vencimento__isnull=False).aggregate(
        com_vencimento=Count("pk"),
        no_prazo=Count(
            "pk",
            filter=Q(
                status=StatusProcesso.UPLOAD_REALIZADO,
                enviado_sat_em__isnull=False,
                enviado_sat_em__date__lte=F("vencimento"),
            ),
        ),
    )
    falhas = Execucao.objects.filter(processo__competencia=competencia, status__in=FALHAS_DO_ROBO)
    return RelatorioMensal(
        competencia=competencia,
        numeros=indicadores(competencia, recentes=0),
        valores=_valores_por_operadora(competencia),
        sat_no_prazo=prazo["no_prazo"],
        com_vencimento=prazo["com_vencimento"],
        execucoes_com_falha=falhas.count(),
        erros_mais_comuns=[
            ErroComum(mensagem, vezes)
            for mensagem, vezes in falhas.order_by()
            .values_list(Left("erro", 200))
            .annotate(vezes=Count("pk"))
            .order_by("-vezes")[:ERROS_MAIS_COMUNS]
        ],
        tempo_ate_o_sat=_tempo_medio_ate_o_sat(do_mes),
    )


def _valores_por_operadora(competencia: dt.date) -> list[ValorDaOperadora]:
    anterior = mes_anterior(competencia)
    somas = (
        Processo.objects.filter(competencia__in=[competencia, anterior])
        .order_by()
        .values_list("cliente__operadora__codigo", "competencia")
        .annotate(total=Sum("valor"))
    )
    por_operadora: dict[str, dict[dt.date, Decimal]] = {}
    for codigo, mes, total in somas:
        por_operadora.setdefault(codigo, {})[mes] = total or Decimal(0)
    return [
        ValorDaOperadora(
            codigo, meses.get(competencia, Decimal(0)), meses.get(anterior, Decimal(0))
        )
        for codigo, meses in sorted(por_operadora.items())
        if competencia in meses
    ]


def _tempo_medio_ate_o_sat(do_mes) -> dt.timedelta | None:
    """Da primeira chegada da fatura (AGUARDANDO_APROVACAO) ao registro no SAT, em média."""
    chegada = (
        Transicao.objects.filter(processo=OuterRef("pk"), para=StatusProcesso.AGUARDANDO_APROVACAO)
        .order_by()
        .values("processo")
        .annotate(primeira=Min("criado_em"))
        .values("primeira")
    )
    return (
        do_mes.filter(enviado_sat_em__isnull=False)
        .annotate(chegada=chegada)
        .filter(chegada__isnull=False)
        .aggregate(
            media=Avg(
                ExpressionWrapper(F("enviado_sat_em") - F("chegada"), output_field=DurationField())
            )
        )["media"]
    )
