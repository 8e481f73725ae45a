"""Rodar os agendamentos: reivindicar o horário que venceu, rodar o tipo, registrar o resultado.

Dois passos, cada um numa transação:

1. `reivindicar_devidos`: cada agendamento ativo cujo `proxima_em` passou é travado (`FOR UPDATE
   SKIP LOCKED`: outro worker pula), ganha uma execução AUTOMATICO EM_ANDAMENTO para o horário
   mais recente que venceu — um worker parado por três horários roda uma vez, não três — e o
   `proxima_em` vai para o primeiro horário depois de agora. A chave única (agendamento, horário)
   garante o mesmo sem a trava.
2. `rodar`: quem trava a execução EM_ANDAMENTO roda o tipo e grava o resultado na mesma
   transação. Se o worker morre no meio, nada do efeito fica e a execução continua EM_ANDAMENTO,
   destravada: o próximo worker a roda. Um erro vira FALHA com a mensagem e não segura o
   próximo horário.
"""

import datetime as dt
import logging

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from agendamentos.cron import proximo_horario, ultimo_horario_ate
from agendamentos.models import Agendamento, Disparo, ExecucaoAgendamento, Resultado
from agendamentos.tipos import TIPOS, TipoIndisponivel
from notificacoes import eventos
from nucleo.erros import AcaoRecusada, SemPermissao
from nucleo.permissoes import Capacidade, pode
from processos.acoes import Pedido
from processos.models import Origem

logger = logging.getLogger(__name__)


def competencia_de(instante: dt.datetime) -> dt.date:
    return timezone.localtime(instante).date().replace(day=1)


def reivindicar_devidos(agora: dt.datetime | None = None) -> int:
    """Cria a execução de cada agendamento que venceu; devolve quantas criou."""
    agora = agora or timezone.now()
    devidos = Agendamento.objects.filter(ativo=True, proxima_em__lte=agora)
    return sum(_reivindicar(pk, agora) for pk in devidos.values_list("pk", flat=True))


def _reivindicar(agendamento_id, agora: dt.datetime) -> bool:
    with transaction.atomic():
        agendamento = (
            Agendamento.objects.select_for_update(skip_locked=True)
            .filter(pk=agendamento_id, ativo=True, proxima_em__lte=agora)
            .first()
        )
        if agendamento is None:
            return False  # outro worker o pegou agora, ou foi pausado
        # O horário perdido mais recente; o próprio `proxima_em` quando foi posto fora dos
        # horários da expressão (o demo o põe um minuto adiante).
        previsto = max(ultimo_horario_ate(agendamento.expressao, agora), agendamento.proxima_em)
        criada = _criar_automatica(agendamento, previsto, agora)
        agendamento.proxima_em = proximo_horario(agendamento.expressao, depois_de=agora)
        agendamento.save(update_fields=["proxima_em", "atualizado_em"])
    if criada:
        logger.info("Schedule %s claimed for %s", agendamento.pk, previsto.isoformat())
    return criada


def _criar_automatica(agendamento: Agendamento, previsto: dt.datetime, agora) -> bool:
    try:
        with transaction.atomic():
            ExecucaoAgendamento.objects.create(
                agendamento=agendamento,
                disparo=Disparo.AUTOMATICO,
                previsto_para=previsto,
                competencia=competencia_de(previsto),
                iniciado_em=agora,
            )
    except IntegrityError:
        return False  # este horário já rodou
    return True


def rodar_pendentes() -> int:
    """Roda cada execução EM_ANDAMENTO que ninguém está rodando; devolve quantas rodou."""
    pendentes = ExecucaoAgendamento.objects.filter(resultado=Resultado.EM_ANDAMENTO)
    ids = list(pendentes.order_by("iniciado_em").values_list("pk", flat=True))
    return sum(rodar(pk) is not None for pk in ids)


def rodar(execucao_id: int) -> ExecucaoAgendamento | None:
    """Roda a execução e grava o resultado; None se ela já terminou ou outro a está rodando."""
    with transaction.atomic():
        execucao = (
            ExecucaoAgendamento.objects.select_for_update(skip_locked=True, of=("self",))
            .select_related("agendamento__operadora", "disparado_por")
            .filter(pk=execucao_id, resultado=Resultado.EM_ANDAMENTO)
            .first()
        )
        if execucao is None:
            return None
        agendamento = execucao.agendamento
        fazer = TIPOS[agendamento.tipo]
        try:
            with transaction.atomic():
                feito = fazer(agendamento, execucao.competencia, _pedido(execucao))
        except Exception as erro:
            logger.exception("Schedule %s (%s) failed", agendamento.pk, agendamento.tipo)
            execucao.resultado = Resultado.FALHA
            execucao.erro = resumo_do_erro(erro)
            # Na mesma transação do resultado: o aviso entra na caixa de saída junto com ele.
            eventos.avisar_agendamento_falhou(
                nome=agendamento.nome,
                erro=execucao.erro,
                chave=str(execucao.pk),
                link=reverse("admin:agendamentos_agendamento_change", args=[agendamento.pk]),
            )
        else:
            execucao.resultado = Resultado.SUCESSO
            execucao.itens = feito.itens
            execucao.resumo = feito.resumo[:300]
        execucao.terminado_em = timezone.now()
        execucao.save(update_fields=["resultado", "erro", "itens", "resumo", "terminado_em"])
    return execucao


def _pedido(execucao: ExecucaoAgendamento) -> Pedido:
    if execucao.disparo == Disparo.MANUAL:
        return Pedido(usuario=execucao.disparado_por, origem=Origem.WEB)
    return Pedido(usuario=None, origem=Origem.WORKER)


def resumo_do_erro(erro: Exception) -> str:
    """O que a equipe lê no histórico: as recusas do domínio dizem o que houve em pt-BR; o resto
    (que pode trazer SQL, endereços, dados) fica só no log do worker."""
    if isinstance(erro, AcaoRecusada | TipoIndisponivel):
        return str(erro)
    if isinstance(erro, ValidationError):
        return " ".join(erro.messages)
    return f"Erro inesperado ({type(erro).__name__}); os detalhes estão no log do worker."


def executar_agora(agendamento: Agendamento, usuario) -> ExecucaoAgendamento:
    """O “Executar agora”: registra uma execução MANUAL, de quem pediu, e a roda já (se este
    pedido cair no meio, o worker a termina). Não muda o próximo horário."""
    if not pode(usuario, Capacidade.AGENDAR):
        raise SemPermissao("Seu perfil não permite executar agendamentos.")
    agora = timezone.now()
    execucao = ExecucaoAgendamento.objects.create(
        agendamento=agendamento,
        disparo=Disparo.MANUAL,
        disparado_por=usuario,
        competencia=competencia_de(agora),
        iniciado_em=agora,
    )
    return rodar(execucao.pk) or execucao


def pausar(agendamento: Agendamento) -> bool:
    """Falso se já estava pausado."""
    if not agendamento.ativo:
        return False
    agendamento.ativo = False
    agendamento.save()
    return True


def retomar(agendamento: Agendamento) -> bool:
    """Volta a rodar do próximo horário depois de agora (os perdidos na pausa não rodam)."""
    if agendamento.ativo:
        return False
    agendamento.ativo = True
    agendamento.save()
    return True
