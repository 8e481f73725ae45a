"""Acompanhamento dos jobs em execução: `GET /status/{job_id}` decide o desfecho (RPA-API.md §3)."""

import datetime as dt
import logging

from django.conf import settings
from django.core.exceptions import SuspiciousOperation
from django.core.files.storage import storages
from django.db import transaction
from django.utils import timezone

from execucoes import desfechos
from execucoes.despacho import marcar_token
from execucoes.models import Execucao, StatusExecucao, TipoExecucao
from execucoes.rpa import ClienteRPA, ErroRPA, JobNaoEncontrado, RPAIndisponivel, TokenInvalido
from processos.fatura import FaturaInvalida

logger = logging.getLogger(__name__)


def consultar_em_execucao(limite: int = 20) -> int:
    """Consulta os jobs cuja vez chegou (pelo intervalo, ou já, quando avisados)."""
    agora = timezone.now()
    intervalo = dt.timedelta(seconds=settings.RPA_INTERVALO_CONSULTA_SEGUNDOS)
    with transaction.atomic():
        ids = list(
            Execucao.objects.select_for_update(skip_locked=True)
            .filter(status=StatusExecucao.EXECUTANDO, proxima_consulta_em__lte=agora)
            .order_by("proxima_consulta_em")
            .values_list("id", flat=True)[:limite]
        )
        Execucao.objects.filter(id__in=ids).update(proxima_consulta_em=agora + intervalo)
    for execucao_id in ids:
        consultar(execucao_id)
    return len(ids)


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
    cliente = ClienteRPA.para_operadora(execucao.processo.cliente.operadora)
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
        _verificar_prazo(execucao)
        return
    if not status.terminou:
        Execucao.objects.filter(pk=execucao_id).update(progresso=max(0, min(100, status.progresso)))
        _verificar_prazo(execucao)
        return
    desfechos.completar_logs(execucao_id, status.logs)
    if status.status == "FAILED":
        desfechos.falhar(execucao_id, status.erro or "O robô informou falha sem mensagem.")
    elif execucao.tipo == TipoExecucao.UPLOAD_SAT:
        desfechos.concluir_sat(execucao_id, resultado=status.resultado)
    else:
        _concluir_download(execucao, cliente, status.resultado)


def _verificar_prazo(execucao: Execucao) -> None:
    limite = dt.timedelta(minutes=settings.RPA_TIMEOUT_MINUTOS)
    if execucao.iniciada_em and timezone.now() - execucao.iniciada_em > limite:
        desfechos.falhar(
            execucao.pk,
            f"O job passou de {settings.RPA_TIMEOUT_MINUTOS} minutos sem terminar.",
            status=StatusExecucao.TIMEOUT,
        )


def _concluir_download(execucao: Execucao, cliente: ClienteRPA, resultado) -> None:
    origem = resultado.get("arquivo_fatura") if isinstance(resultado, dict) else resultado
    if not isinstance(origem, str) or not origem.strip():
        desfechos.falhar(execucao.pk, "O robô terminou sem informar o arquivo da fatura.")
        return
    try:
        pdf = _ler_fatura(cliente, origem.strip())
        desfechos.concluir_download(execucao.pk, resultado=resultado, pdf=pdf)
    except RPAIndisponivel as erro:
        logger.warning("Invoice of job %s not fetched yet: %s", execucao.job_id, erro)
    except (ErroRPA, FaturaInvalida, OSError, SuspiciousOperation) as erro:
        desfechos.falhar(execucao.pk, f"Fatura inválida: {erro}")


def _ler_fatura(cliente: ClienteRPA, origem: str) -> bytes:
    if origem.startswith(("http://", "https://")):
        return cliente.baixar_arquivo(origem)
    # Uma chave no armazenamento compartilhado onde os robôs gravam (RPA-API.md §1).
    armazenamento = storages["faturas_rpa"]
    if not armazenamento.exists(origem):
        raise FaturaInvalida(f"o arquivo “{origem}” não está no armazenamento de faturas")
    with armazenamento.open(origem, "rb") as arquivo:
        return arquivo.read(settings.TAMANHO_MAXIMO_FATURA + 1)
