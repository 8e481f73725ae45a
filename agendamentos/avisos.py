"""O que dos agendamentos precisa de uma pessoa: o que as notificações vão avisar.

Só a detecção; quem avisa (e garante que cada aviso sai uma vez, pela chave) é o app de
notificações. A chave de cada aviso é a execução do agendamento (`execucao.pk`).
"""

import datetime as dt
from dataclasses import dataclass

from django.db.models import QuerySet
from django.utils import timezone

from agendamentos.models import Agendamento, ExecucaoAgendamento, Resultado, TipoAgendamento
from agendamentos.tipos import processos_esperando_download


def execucoes_que_falharam(desde: dt.datetime) -> QuerySet:
    """As execuções que terminaram em FALHA desde o instante dado (aos ADMINISTRADORes)."""
    return (
        ExecucaoAgendamento.objects.filter(resultado=Resultado.FALHA, terminado_em__gte=desde)
        .select_related("agendamento", "disparado_por")
        .order_by("terminado_em")
    )


@dataclass(frozen=True)
class DownloadsEmFalta:
    execucao: ExecucaoAgendamento  # a execução do download que rodou há `dias` dias ou mais
    processos: QuerySet  # os que ainda esperam a fatura

    @property
    def quantidade(self) -> int:
        return self.processos.count()


def downloads_em_falta(*, dias: int, agora: dt.datetime | None = None) -> list[DownloadsEmFalta]:
    """Para cada agendamento de download ativo, a sua última execução bem-sucedida que terminou
    há pelo menos `dias` dias, se processos que ela cobria ainda esperam a fatura (aos
    OPERADORes). Um agendamento diário dá uma execução nova por dia: um aviso por execução."""
    limite = (agora or timezone.now()) - dt.timedelta(days=dias)
    downloads = Agendamento.objects.filter(tipo=TipoAgendamento.BAIXAR_FATURAS, ativo=True)
    em_falta = []
    for agendamento in downloads.select_related("operadora"):
        execucao = (
            agendamento.execucoes.filter(resultado=Resultado.SUCESSO, terminado_em__lte=limite)
            .order_by("-terminado_em")
            .first()
        )
        if execucao is None:
            continue
        processos = processos_esperando_download(agendamento, execucao.competencia)
        if processos.exists():
            em_falta.append(DownloadsEmFalta(execucao, processos))
    return em_falta
