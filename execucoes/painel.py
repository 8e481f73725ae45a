"""O quadro “API RPA” da página inicial (token, worker, stream e despacho parado) e as
execuções do robô por dia."""

import datetime as dt
from dataclasses import dataclass

from django.db.models import Count, Q
from django.db.models.functions import TruncDate
from django.utils import timezone

from execucoes.models import EstadoRPA, Execucao, StatusExecucao, TipoExecucao
from execucoes.token_rpa import SituacaoDoToken, situacao, token_recusado

WORKER_SUMIDO = dt.timedelta(seconds=60)


@dataclass(frozen=True)
class Painel:
    token: SituacaoDoToken
    token_recusado_em: dt.datetime | None
    # O mesmo que faz o despacho parar (`despacho.despachar_pendentes`): o token de agora foi
    # recusado. Uma recusa de um token já trocado não conta.
    token_recusado: bool
    worker_visto_em: dt.datetime | None
    stream_conectado: bool
    pendentes: int
    executando: int

    @property
    def worker_ativo(self) -> bool:
        return (
            self.worker_visto_em is not None
            and timezone.now() - self.worker_visto_em < WORKER_SUMIDO
        )


def painel() -> Painel:
    estado = EstadoRPA.atual()
    contagem = dict(
        Execucao.objects.filter(status__in=(StatusExecucao.PENDENTE, StatusExecucao.EXECUTANDO))
        .order_by()
        .values_list("status")
        .annotate(total=Count("id"))
    )
    return Painel(
        token=situacao(),
        token_recusado_em=estado.token_recusado_em,
        token_recusado=token_recusado(),
        worker_visto_em=estado.worker_visto_em,
        stream_conectado=estado.stream_conectado,
        pendentes=contagem.get(StatusExecucao.PENDENTE, 0),
        executando=contagem.get(StatusExecucao.EXECUTANDO, 0),
    )


@dataclass(frozen=True)
class Dia:
    data: dt.date
    concluidas: int
    com_falha: int
    total: int
    maior: int  # o total do dia mais movimentado: a altura das barras é relativa a ele

    @property
    def altura(self) -> float:
        return 100 * self.total / self.maior if self.maior else 0.0

    @property
    def parte_com_falha(self) -> float:
        return 100 * self.com_falha / self.total if self.total else 0.0


def execucoes_por_dia(dias: int = 30, hoje: dt.date | None = None) -> list[Dia]:
    """As execuções do robô (download e SAT) criadas em cada um dos últimos `dias` dias (hora
    local), e quantas terminaram bem ou com falha. Uma consulta, pelo índice de `criado_em`."""
    hoje = hoje or timezone.localdate()
    primeiro = hoje - dt.timedelta(days=dias - 1)
    inicio = timezone.make_aware(dt.datetime.combine(primeiro, dt.time.min))
    contagem = {
        linha["dia"]: linha
        for linha in Execucao.objects.filter(criado_em__gte=inicio)
        .exclude(tipo=TipoExecucao.UPLOAD_MANUAL)
        .annotate(dia=TruncDate("criado_em"))
        .order_by()
        .values("dia")
        .annotate(
            total=Count("id"),
            concluidas=Count("id", filter=Q(status=StatusExecucao.CONCLUIDO)),
            com_falha=Count(
                "id", filter=Q(status__in=(StatusExecucao.FALHOU, StatusExecucao.TIMEOUT))
            ),
        )
    }
    maior = max((linha["total"] for linha in contagem.values()), default=0)
    vazio = {"total": 0, "concluidas": 0, "com_falha": 0}
    return [
        Dia(
            data=data,
            concluidas=contagem.get(data, vazio)["concluidas"],
            com_falha=contagem.get(data, vazio)["com_falha"],
            total=contagem.get(data, vazio)["total"],
            maior=maior,
        )
        for data in (primeiro + dt.timedelta(days=n) for n in range(dias))
    ]
