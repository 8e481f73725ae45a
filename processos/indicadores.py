"""Os números do painel: processos do mês por status e por operadora, o que espera
aprovação, as falhas que esperam alguém, a taxa de sucesso do robô e a atividade recente.

Os números leem só a competência mostrada (os processos do mês, com o que eles guardam das suas
execuções — `Processo.registrar_execucao`), e a atividade e a lista de meses leem poucas linhas de
um índice: o painel custa o mesmo com 1 ou 60 meses de histórico.
"""

import datetime as dt
from dataclasses import dataclass

from django.db import connection, models
from django.db.models import Count, Q, QuerySet, Sum

from processos.models import COR_DO_STATUS, Processo, StatusProcesso, Transicao


def com_falha(processos: QuerySet) -> QuerySet:
    """Processos cuja última execução falhou (ou estourou o tempo): esperam alguém decidir.

    Com uma nova tentativa automática já na fila, a última execução é ela: o processo não entra."""
    return processos.filter(ultima_execucao_falhou=True)


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


def taxa(concluidas: int, com_falha: int) -> float | None:
    """Das execuções do robô que terminaram, quantas deram certo (%); None sem nenhuma."""
    terminadas = concluidas + com_falha
    return 100 * concluidas / terminadas if terminadas else None


@dataclass(frozen=True)
class Operadora:
    id: object
    codigo: str
    total: int
    fatias: list[Fatia]
    execucoes_concluidas: int = 0
    execucoes_com_falha: int = 0

    @property
    def taxa_de_sucesso(self) -> float | None:
        return taxa(self.execucoes_concluidas, self.execucoes_com_falha)


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
        return taxa(self.execucoes_concluidas, self.execucoes_com_falha)


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
        .annotate(
            total=Count("id"),
            com_falha=Count("id", filter=Q(ultima_execucao_falhou=True)),
            execucoes_concluidas=Sum("execucoes_concluidas"),
            execucoes_com_falha=Sum("execucoes_com_falha"),
        )
    )
    operadoras: dict[tuple, dict[str, int]] = {}
    do_robo: dict[tuple, list[int]] = {}  # por operadora: [concluídas, com falha]
    contagem: dict[str, int] = {}
    falhas = concluidas = com_falha_do_robo = 0
    for operadora_id, codigo, status, total, falhou, ok, nao_ok in por_operadora_e_status:
        operadoras.setdefault((codigo, operadora_id), {})[status] = total
        soma = do_robo.setdefault((codigo, operadora_id), [0, 0])
        soma[0] += ok
        soma[1] += nao_ok
        contagem[status] = contagem.get(status, 0) + total
        falhas += falhou
        concluidas += ok
        com_falha_do_robo += nao_ok
    total = sum(contagem.values())
    return Indicadores(
        competencia=competencia,
        total=total,
        por_status=_fatias(contagem, total),
        por_operadora=[
            Operadora(
                operadora_id,
                codigo,
                sum(por.values()),
                _fatias(por, sum(por.values())),
                *do_robo[(codigo, operadora_id)],
            )
            for (codigo, operadora_id), por in sorted(operadoras.items())
        ],
        com_falha=falhas,
        execucoes_concluidas=concluidas,
        execucoes_com_falha=com_falha_do_robo,
        # A de todo o sistema, como antes: as `recentes` mais novas pelo índice de criado_em.
        # Restrita ao mês, o banco as procuraria andando para trás por todas as transições
        # depois dele (0,7 s num mês de um ano atrás).
        atividade_recente=list(
            Transicao.objects.select_related("processo__cliente", "usuario").order_by("-criado_em")[
                :recentes
            ]
        ),
    )


# As competências que têm processos, da mais recente para trás: cada passo pergunta ao índice de
# competência pela maior antes da anterior, em vez de percorrer todos os processos (DISTINCT).
_COMPETENCIAS_RECENTES = """
    WITH RECURSIVE meses(competencia) AS (
        SELECT MAX(competencia) FROM processos_processo
        UNION ALL
        SELECT (
            SELECT MAX(p.competencia) FROM processos_processo p WHERE p.competencia < m.competencia
        )
        FROM meses m WHERE m.competencia IS NOT NULL
    )
    SELECT competencia FROM meses WHERE competencia IS NOT NULL LIMIT %s
"""


def competencias_recentes(limite: int = 24) -> list[dt.date]:
    with connection.cursor() as cursor:
        cursor.execute(_COMPETENCIAS_RECENTES, [limite])
        return [models.DateField().to_python(mes) for (mes,) in cursor.fetchall()]
