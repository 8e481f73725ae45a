"""O quadro “API RPA” da página inicial: token, worker, stream e despacho parado."""

import datetime as dt
from dataclasses import dataclass

from django.db.models import Count
from django.utils import timezone

from execucoes.models import EstadoRPA, Execucao, StatusExecucao
from execucoes.token_rpa import SituacaoDoToken, situacao

WORKER_SUMIDO = dt.timedelta(seconds=60)


@dataclass(frozen=True)
class Painel:
    token: SituacaoDoToken
    token_recusado_em: dt.datetime | None
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
        worker_visto_em=estado.worker_visto_em,
        stream_conectado=estado.stream_conectado,
        pendentes=contagem.get(StatusExecucao.PENDENTE, 0),
        executando=contagem.get(StatusExecucao.EXECUTANDO, 0),
    )
