"""A fila de aprovação: as faturas esperando aprovação, uma de cada vez, o vencimento mais
próximo primeiro (sem vencimento no fim, e então a mais antiga).

O que é de cada pessoa — as que ela pulou e quantas já decidiu — fica na sessão dela: pular não
muda nada no processo, e as puladas voltam depois das outras. Aprovar e rejeitar são os serviços de
`processos.acoes` (pelo registro de ações), como em qualquer outra tela.
"""

from dataclasses import dataclass

from django.db.models import F, QuerySet

from processos.models import Processo, StatusProcesso

PULADOS = "fila_de_aprovacao_pulados"  # ids (texto), na ordem em que foram pulados
DECIDIDOS = "fila_de_aprovacao_decididos"  # quantas esta pessoa aprovou ou rejeitou aqui

ORDEM = (F("vencimento").asc(nulls_last=True), "competencia", "criado_em", "pk")


def aguardando() -> QuerySet:
    return Processo.objects.filter(status=StatusProcesso.AGUARDANDO_APROVACAO)


@dataclass(frozen=True)
class Vez:
    """A fatura da vez e onde ela está: “12 de 40”."""

    processo: Processo
    numero: int
    total: int


def da_vez(sessao) -> Vez | None:
    """A próxima fatura para esta pessoa, ou None quando não há mais nenhuma. Três consultas no
    máximo, com 10 ou 10 mil faturas na fila."""
    pulados = sessao.get(PULADOS, [])
    com_cliente = aguardando().select_related("cliente__operadora")
    processo = com_cliente.exclude(pk__in=pulados).order_by(*ORDEM).first()
    if processo is None:
        processo = _primeira_pulada(com_cliente, pulados)
    if processo is None:
        return None
    # A vez é a da próxima decisão: pular não avança o número, e a pulada, quando volta no fim,
    # é a última (“40 de 40”).
    decididos = sessao.get(DECIDIDOS, 0)
    total = decididos + aguardando().count()
    return Vez(processo=processo, numero=min(decididos + 1, total), total=total)


def _primeira_pulada(com_cliente: QuerySet, pulados: list[str]) -> Processo | None:
    """A pulada há mais tempo que ainda espera (outra pessoa pode ter decidido as outras)."""
    if not pulados:
        return None
    esperando = {str(p.pk): p for p in com_cliente.filter(pk__in=pulados)}
    return next((esperando[pk] for pk in pulados if pk in esperando), None)


def pular(sessao, processo: Processo) -> None:
    """Vai para o fim das puladas (pular de novo uma pulada a manda para o fim outra vez)."""
    pk = str(processo.pk)
    sessao[PULADOS] = [*(p for p in sessao.get(PULADOS, []) if p != pk), pk]


def decidido(sessao, processo: Processo) -> None:
    sessao[PULADOS] = [p for p in sessao.get(PULADOS, []) if p != str(processo.pk)]
    sessao[DECIDIDOS] = sessao.get(DECIDIDOS, 0) + 1


def recomecar(sessao) -> None:
    """A fila acabou: a próxima volta começa do zero (“1 de N”, sem puladas)."""
    sessao.pop(PULADOS, None)
    sessao.pop(DECIDIDOS, None)
