"""Acompanhamento dos jobs em execução: `GET /status/{job_id}` decide o desfecho
(docs/api-rpa.md §1).

Nada deixa uma execução presa: cada consulta roda isolada (um erro inesperado numa execução conta
contra ela, e depois de `MAXIMO_ERROS_INTERNOS` ela falha com a explicação, enquanto as outras
seguem); um `/status` pendurado só ocupa uma das threads de consulta; e o prazo de um job é
vencido por um dever próprio, que não depende de a consulta dar certo.
"""

import contextvars
import datetime as dt
import logging

from django.conf import settings
from django.core.exceptions import SuspiciousOperation
from django.db import close_old_connections, connection, transaction
from django.db.models import F
from django.utils import timezone

from execucoes import desfechos
from execucoes.conexao import cliente_rpa
from execucoes.faturas import Conferencia, FaturaDeOutroCliente, conferir_cliente, ler_pdf
from execucoes.models import Execucao, StatusExecucao, TipoExecucao
from execucoes.rpa import (
    ClienteRPA,
    ErroRPA,
    JobNaoEncontrado,
    ResultadoInvalido,
    RPAIndisponivel,
    StatusDoJob,
    TokenInvalido,
)
from execucoes.token_rpa import marcar_token
from processos.fatura import FaturaInvalida

logger = logging.getLogger(__name__)

MAXIMO_ERROS_INTERNOS = 3


def reivindicar_consultas(limite: int = 20, excluir: set | None = None) -> list:
    """Os jobs cuja vez de consulta chegou (pelo intervalo, ou já, quando avisados)."""
    agora = timezone.now()
    intervalo = dt.timedelta(seconds=settings.RPA_INTERVALO_CONSULTA_SEGUNDOS)
    with transaction.atomic():
        ids = list(
            Execucao.objects.select_for_update(skip_locked=True)
            .filter(status=StatusExecucao.EXECUTANDO, proxima_consulta_em__lte=agora)
            .exclude(id__in=excluir or ())
            .order_by("proxima_consulta_em")
            .values_list("id", flat=True)[:limite]
        )
        Execucao.objects.filter(id__in=ids).update(proxima_consulta_em=agora + intervalo)
    return ids


def consultar_em_thread(execucao_id) -> None:
    """`consultar_isolado` numa thread de consulta do worker (conexão própria com o banco)."""
    close_old_connections()
    try:
        # A thread é reusada: cada consulta começa sem os ids de log da anterior.
        contextvars.Context().run(consultar_isolado, execucao_id)
    finally:
        connection.close()


def consultar_isolado(execucao_id) -> None:
    """`consultar`, com um erro inesperado contido nesta execução."""
    try:
        consultar(execucao_id)
    except Exception as erro:
        logger.exception("Unexpected error handling execution %s", execucao_id)
        _erro_interno(execucao_id, erro)


def _erro_interno(execucao_id, erro: Exception) -> None:
    try:
        Execucao.objects.filter(pk=execucao_id).update(falhas_internas=F("falhas_internas") + 1)
        erros = Execucao.objects.filter(pk=execucao_id).values_list("falhas_internas", flat=True)
        if (erros.first() or 0) >= MAXIMO_ERROS_INTERNOS:
            desfechos.falhar(
                execucao_id,
                f"Erro interno ao tratar o resultado do robô ({type(erro).__name__}), "
                f"{MAXIMO_ERROS_INTERNOS} vezes seguidas: a execução foi encerrada para não "
                "ficar presa. Execute de novo; se repetir, avise o suporte.",
            )
    except Exception:
        logger.exception("Could not record the error of execution %s", execucao_id)


def avisar(job_id: str = "", processo_id=None) -> int:
    """Um aviso (linha final do log, callback) faz o worker olhar o job agora."""
    execucoes = Execucao.objects.filter(status=StatusExecucao.EXECUTANDO)
    if job_id:
        execucoes = execucoes.filter(job_id=job_id)
    if processo_id:
        execucoes = execucoes.filter(processo_id=processo_id)
    return execucoes.update(proxima_consulta_em=timezone.now())


def consultar(execucao_id) -> None:
    execucao = Execucao.objects.select_related("processo__cliente__operadora").get(pk=execucao_id)
    if execucao.status != StatusExecucao.EXECUTANDO:
        return
    cliente = cliente_rpa(execucao=execucao)
    try:
        status = cliente.status(execucao.job_id)
    except JobNaoEncontrado:
        desfechos.falhar(
            execucao_id,
            "O job não existe mais na API RPA (expurgado ou perdido).",
            status=StatusExecucao.TIMEOUT,
        )
        return
    except TokenInvalido:
        marcar_token(cliente.token or "", recusado=True)
        return
    except ErroRPA as erro:
        logger.warning("Status of job %s unavailable: %s", execucao.job_id, erro)
        return
    if not status.terminou:
        Execucao.objects.filter(pk=execucao_id, status=StatusExecucao.EXECUTANDO).update(
            progresso=status.progresso
        )
        return
    desfechos.completar_logs(execucao_id, status.logs, status.erro)
    if status.status == "FAILED":
        desfechos.falhar(execucao_id, status.erro or "O robô informou falha sem mensagem.")
    elif execucao.tipo == TipoExecucao.UPLOAD_SAT:
        desfechos.concluir_sat(execucao_id, resultado=status.resultado)
    else:
        _concluir_download(execucao, cliente, status)


def vencer_prazos() -> int:
    """Jobs que passaram de RPA_TIMEOUT_MINUTOS terminam em TIMEOUT, aconteça o que acontecer
    com a consulta deles."""
    limite = timezone.now() - dt.timedelta(minutes=settings.RPA_TIMEOUT_MINUTOS)
    vencidas = Execucao.objects.filter(
        status=StatusExecucao.EXECUTANDO, iniciada_em__lt=limite
    ).values_list("id", flat=True)
    encerradas = 0
    for execucao_id in list(vencidas[:100]):
        try:
            encerradas += desfechos.falhar(
                execucao_id,
                f"O job passou de {settings.RPA_TIMEOUT_MINUTOS} minutos sem terminar.",
                status=StatusExecucao.TIMEOUT,
            )
        except Exception:
            logger.exception("Could not time out execution %s", execucao_id)
    return encerradas


def _concluir_download(execucao: Execucao, cliente: ClienteRPA, status: StatusDoJob) -> None:
    try:
        fatura = status.fatura()
        pdf = ler_pdf(cliente, fatura.origem)
        conferencia = conferir_cliente(execucao.processo.cliente, pdf)
    except RPAIndisponivel as erro:
        logger.warning("Invoice of job %s not fetched yet: %s", execucao.job_id, erro)
        return
    except ResultadoInvalido as erro:
        desfechos.falhar(execucao.pk, str(erro))
        return
    except FaturaDeOutroCliente as erro:
        conferencia = Conferencia(False, f"Fatura recusada: {erro}.")
        desfechos.falhar(
            execucao.pk, conferencia.mensagem, resultado={"conferencia": conferencia.como_json()}
        )
        return
    except (ErroRPA, FaturaInvalida, OSError, SuspiciousOperation) as erro:
        desfechos.falhar(execucao.pk, f"Fatura inválida: {erro}")
        return
    try:
        desfechos.concluir_download(execucao.pk, fatura=fatura, pdf=pdf, conferencia=conferencia)
    except FaturaInvalida as erro:
        desfechos.falhar(execucao.pk, f"Fatura inválida: {erro}")
