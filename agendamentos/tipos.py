"""O que cada tipo de agendamento faz: uma função por tipo, registrada em `TIPOS`.

Cada uma recebe o agendamento, a competência (o mês do horário previsto) e o pedido (quem e de
onde: o worker, ou a pessoa do “Executar agora”), usa os serviços dos apps donos do assunto e diz
o que fez. Todas podem rodar de novo sem duplicar nada: criar é idempotente e só se pede robô a
processo sem execução em andamento.
"""

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass

from django.db.models import QuerySet
from django.utils import timezone

from agendamentos.models import Agendamento, TipoAgendamento
from execucoes.models import STATUS_ATIVOS, Execucao, TipoExecucao
from notificacoes import eventos
from processos.acoes import Pedido, iniciar_robo_em_lote
from processos.criacao import criar_processos_mensais
from processos.models import Processo, StatusProcesso, Transicao


class TipoIndisponivel(Exception):
    """O tipo existe na tela mas ainda não faz nada (a execução falha com esta mensagem)."""


@dataclass(frozen=True)
class Feito:
    itens: int  # processos criados, execuções do robô pedidas, e-mails
    resumo: str


def criar_processos(agendamento: Agendamento, competencia: dt.date, pedido: Pedido) -> Feito:
    resultado = criar_processos_mensais(
        competencia=competencia,
        operadora=agendamento.operadora,
        usuario=pedido.usuario,
        origem=pedido.origem,
    )
    return Feito(resultado.criados, resultado.mensagem())


def processos_esperando_download(agendamento: Agendamento, competencia: dt.date) -> QuerySet:
    """Os processos que o download deste agendamento cobre e que ainda esperam a fatura: da
    competência, de cliente ativo de operadora ativa com robô (a do agendamento, se há)."""
    processos = Processo.objects.filter(
        competencia=competencia,
        status=StatusProcesso.AGUARDANDO_DOWNLOAD,
        cliente__ativo=True,
        cliente__operadora__ativo=True,
        cliente__operadora__possui_rpa=True,
    )
    if agendamento.operadora_id:
        processos = processos.filter(cliente__operadora_id=agendamento.operadora_id)
    return processos


def processos_para_baixar(
    agendamento: Agendamento, competencia: dt.date, agora: dt.datetime
) -> QuerySet:
    """Os que o agendamento manda baixar: sem execução em andamento e, salvo
    `incluir_rejeitados`, sem fatura rejeitada neste mês (esses ficam para uma pessoa)."""
    # Subconsultas sem correlação, lidas uma vez cada: correlacionada, a das rejeições
    # percorria, para cada processo, as transições do mês inteiro (10 mil processos: 60 s).
    processos = processos_esperando_download(agendamento, competencia).exclude(
        pk__in=Execucao.objects.filter(status__in=STATUS_ATIVOS).values("processo_id")
    )
    if agendamento.incluir_rejeitados:
        return processos
    inicio_do_mes = timezone.localtime(agora).replace(day=1, hour=0, minute=0, second=0)
    rejeitados = Transicao.rejeicoes().filter(criado_em__gte=inicio_do_mes.replace(microsecond=0))
    return processos.exclude(pk__in=rejeitados.values("processo_id"))


def baixar_faturas(agendamento: Agendamento, competencia: dt.date, pedido: Pedido) -> Feito:
    processos = processos_para_baixar(agendamento, competencia, timezone.now())
    resultado = iniciar_robo_em_lote(processos, pedido, tipo=TipoExecucao.DOWNLOAD_FATURA)
    return Feito(
        resultado.iniciadas,
        f"Competência {competencia:%m/%Y}: {resultado.iniciadas} download(s) pedido(s) ao robô.",
    )


def enviar_ao_sat(agendamento: Agendamento, competencia: dt.date, pedido: Pedido) -> Feito:
    """As faturas aprovadas, de qualquer competência, que ainda não foram ao SAT."""
    aprovados = Processo.objects.filter(status=StatusProcesso.AGUARDANDO_ENVIO_SAT).exclude(
        pk__in=Execucao.objects.filter(status__in=STATUS_ATIVOS).values("processo_id")
    )
    resultado = iniciar_robo_em_lote(aprovados, pedido, tipo=TipoExecucao.UPLOAD_SAT)
    return Feito(resultado.iniciadas, f"{resultado.iniciadas} fatura(s) enviada(s) ao SAT.")


def enviar_resumo_mensal(agendamento: Agendamento, competencia: dt.date, pedido: Pedido) -> Feito:
    """O resumo da competência a quem o assina (uma vez por competência: rodar de novo não
    manda outra vez)."""
    novas = eventos.enviar_resumo_mensal(competencia)
    return Feito(novas, f"{novas} notificação(ões) do resumo do mês na fila de envio.")


TIPOS: dict[str, Callable[[Agendamento, dt.date, Pedido], Feito]] = {
    TipoAgendamento.CRIAR_PROCESSOS: criar_processos,
    TipoAgendamento.BAIXAR_FATURAS: baixar_faturas,
    TipoAgendamento.ENVIAR_AO_SAT: enviar_ao_sat,
    TipoAgendamento.RESUMO_MENSAL: enviar_resumo_mensal,
}
