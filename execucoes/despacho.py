"""Despacho das execuções PENDENTES para a API RPA — cada uma enviada uma vez só.

Protocolo: a execução é reivindicada (`envio_iniciado_em`) numa transação curta com
`SELECT … FOR UPDATE SKIP LOCKED`, o POST sai fora da transação, e o job_id é gravado depois. Se o
POST certamente não chegou (conexão recusada), a execução volta para a fila com espera crescente.
Se pode ter chegado (tempo esgotado, 5xx, worker morto no meio), ela fica "em voo" e a
reconciliação procura o job na API (`GET /jobs`) antes de reenviar: nunca despachada duas vezes.
"""

import datetime as dt
import hashlib
import logging

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from contas.token import token_global
from execucoes import desfechos
from execucoes.models import (
    EstadoRPA,
    Execucao,
    LogExecucao,
    NivelLog,
    StatusExecucao,
    TipoExecucao,
)
from execucoes.parametros import corpo_download, corpo_sat
from execucoes.rpa import (
    ClienteRPA,
    DadosInvalidos,
    ErroRPA,
    OperadoraNaoEncontrada,
    RPAIndisponivel,
    TokenInvalido,
    ler_momento,
)

logger = logging.getLogger(__name__)

ESPERA_MAXIMA_ENVIO = 300  # segundos entre tentativas de envio com a API fora do ar
FOLGA_RELOGIO = dt.timedelta(minutes=2)


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def token_recusado() -> bool:
    """O token global atual já foi recusado pela API? Então não adianta despachar."""
    estado = EstadoRPA.atual()
    return bool(estado.token_recusado_digest) and estado.token_recusado_digest == _digest(
        token_global()
    )


def marcar_token(token: str, *, recusado: bool) -> None:
    if recusado:
        EstadoRPA.objects.update_or_create(
            id=1,
            defaults={"token_recusado_em": timezone.now(), "token_recusado_digest": _digest(token)},
        )
        logger.error("RPA API refused the global token; dispatch paused until it changes")
    else:
        EstadoRPA.objects.filter(id=1).exclude(token_recusado_digest="").update(
            token_recusado_em=None, token_recusado_digest=""
        )


def despachar_pendentes(limite: int = 20) -> int:
    if token_recusado():
        return 0
    agora = timezone.now()
    with transaction.atomic():
        ids = list(
            Execucao.objects.select_for_update(skip_locked=True)
            .filter(status=StatusExecucao.PENDENTE, envio_iniciado_em__isnull=True)
            .filter(Q(executar_apos__isnull=True) | Q(executar_apos__lte=agora))
            .order_by("criado_em")
            .values_list("id", flat=True)[:limite]
        )
        Execucao.objects.filter(id__in=ids).update(envio_iniciado_em=agora)
    enviados = 0
    for execucao_id in ids:
        try:
            enviados += _enviar(execucao_id)
        except TokenInvalido:
            # Devolve o resto da leva sem gastar tentativas.
            Execucao.objects.filter(id__in=ids, status=StatusExecucao.PENDENTE, job_id="").update(
                envio_iniciado_em=None
            )
            break
    return enviados


def _enviar(execucao_id) -> int:
    execucao = Execucao.objects.select_related("processo__cliente__operadora").get(pk=execucao_id)
    processo = execucao.processo
    cliente = ClienteRPA.para_operadora(processo.cliente.operadora)
    try:
        if execucao.tipo == TipoExecucao.DOWNLOAD_FATURA:
            job = cliente.executar_download(
                processo.cliente.operadora.codigo, **corpo_download(processo, com_senha=True)
            )
        else:
            job = cliente.executar_sat(**corpo_sat(processo))
    except TokenInvalido:
        marcar_token(cliente.token or "", recusado=True)
        Execucao.objects.filter(pk=execucao_id).update(envio_iniciado_em=None)
        raise
    except (DadosInvalidos, OperadoraNaoEncontrada) as erro:
        # Erro de cadastro: repetir não adianta; uma pessoa corrige e executa de novo.
        desfechos.falhar(execucao_id, str(erro), repetir=False)
        return 0
    except RPAIndisponivel as erro:
        if erro.nao_chegou:
            _adiar(execucao, str(erro))
        else:
            logger.warning(
                "Dispatch of %s may have reached the RPA API; will reconcile", execucao_id
            )
        return 0
    except ErroRPA:
        logger.warning("Unexpected RPA API answer dispatching %s; will reconcile", execucao_id)
        return 0
    marcar_token(cliente.token or "", recusado=False)
    _registrar_job(execucao_id, job.job_id)
    return 1


def _adiar(execucao: Execucao, motivo: str) -> None:
    tentativas = execucao.tentativas_envio + 1
    espera = min(ESPERA_MAXIMA_ENVIO, 2**tentativas)
    Execucao.objects.filter(pk=execucao.pk, status=StatusExecucao.PENDENTE).update(
        envio_iniciado_em=None,
        tentativas_envio=tentativas,
        executar_apos=timezone.now() + dt.timedelta(seconds=espera),
        erro=f"Aguardando a API RPA: {motivo}",
    )


def _registrar_job(execucao_id, job_id: str) -> None:
    agora = timezone.now()
    with transaction.atomic():
        atualizadas = Execucao.objects.filter(
            pk=execucao_id, status=StatusExecucao.PENDENTE
        ).update(
            status=StatusExecucao.EXECUTANDO,
            job_id=job_id,
            iniciada_em=agora,
            envio_iniciado_em=None,
            proxima_consulta_em=agora,
            erro="",
        )
        if atualizadas:
            LogExecucao.objects.create(
                execucao_id=execucao_id,
                nivel=NivelLog.INFO,
                mensagem=f"Job {job_id} criado na API RPA",
                momento=agora,
            )


def reconciliar_envios(limite: int = 20) -> int:
    """Envios sem resposta (ou de worker morto): adota o job se a API o criou, senão reenvia."""
    limiar = timezone.now() - dt.timedelta(seconds=settings.RPA_ENVIO_SEM_RESPOSTA_SEGUNDOS)
    presas = list(
        Execucao.objects.select_related("processo__cliente__operadora")
        .filter(status=StatusExecucao.PENDENTE, envio_iniciado_em__lt=limiar)
        .order_by("envio_iniciado_em")[:limite]
    )
    if not presas:
        return 0
    try:
        jobs = ClienteRPA.para_operadora().jobs()
    except ErroRPA as erro:
        logger.warning("Cannot reconcile dispatches now: %s", erro)
        return 0
    conhecidos = set(
        Execucao.objects.filter(job_id__in=[str(job.get("job_id")) for job in jobs]).values_list(
            "job_id", flat=True
        )
    )
    orfaos = sorted(
        (job for job in jobs if str(job.get("job_id")) not in conhecidos),
        key=lambda job: str(job.get("created_at") or ""),
    )
    for execucao in presas:
        job = _par(execucao, orfaos)
        if job is not None:
            orfaos.remove(job)
        _resolver_envio(execucao, job)
    return len(presas)


def _resolver_envio(execucao: Execucao, job: dict | None) -> None:
    with transaction.atomic():
        ainda_presa = (
            Execucao.objects.select_for_update()
            .filter(
                pk=execucao.pk,
                status=StatusExecucao.PENDENTE,
                envio_iniciado_em=execucao.envio_iniciado_em,
            )
            .exists()
        )
        if not ainda_presa:
            return  # outro worker resolveu primeiro
        if job is None or Execucao.objects.filter(job_id=str(job["job_id"])).exists():
            Execucao.objects.filter(pk=execucao.pk).update(envio_iniciado_em=None)
            return
        logger.info("Adopted RPA job %s for execution %s", job["job_id"], execucao.pk)
        _registrar_job(execucao.pk, str(job["job_id"]))


def _par(execucao: Execucao, orfaos: list[dict]) -> dict | None:
    codigo = execucao.processo.cliente.operadora.codigo
    esperado = {codigo} if execucao.tipo == TipoExecucao.DOWNLOAD_FATURA else {"SAT", "sat", codigo}
    for job in orfaos:
        criado = ler_momento(job.get("created_at"))
        if job.get("operadora") in esperado and (
            criado is None or criado >= execucao.envio_iniciado_em - FOLGA_RELOGIO
        ):
            return job
    return None
