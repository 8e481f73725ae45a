"""Despacho das execuções PENDENTES para a API RPA — um job do robô por execução.

Protocolo:
- a execução é reivindicada uma por vez, logo antes do seu POST (`SELECT … FOR UPDATE SKIP
  LOCKED`), com uma cerca (`envio_token`): um lote nunca segura execuções que ainda não alcançou;
- qual é a vez e se há vaga no robô (capacidade por operadora e global) é `execucoes.fila`, com a
  trava do despacho tomada na mesma transação da reivindicação;
- o POST sai fora da transação, com prazo total (`RPA_TEMPO_ENVIO_SEGUNDOS`); o job_id só é gravado
  se a cerca ainda for de quem enviou;
- conexão recusada (o pedido não saiu) → volta para a fila com espera crescente;
- resposta perdida (tempo esgotado, 5xx, resposta ilegível, worker morto) → "em voo". Passado
  `RPA_ENVIO_SEM_RESPOSTA_SEGUNDOS` (sempre maior que o prazo do POST, conferido na partida), a
  reconciliação procura o job em `GET /jobs` da mesma API (`execucoes.adocao`) e só o adota quando
  não há dúvida de que é dele; senão reenvia.
- token global recusado pela API (`execucoes.token_rpa`) → nada é enviado até ela voltar a aceitá-lo
  (o worker pergunta de tempos em tempos) ou o token ser trocado.
"""

import datetime as dt
import logging
import time
import uuid

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from execucoes import desfechos, fila
from execucoes.conexao import cliente_rpa, url_da_api
from execucoes.models import (
    Execucao,
    LogExecucao,
    NivelLog,
    StatusExecucao,
    TipoExecucao,
)
from execucoes.parametros import corpo_download, corpo_sat
from execucoes.prazos import espera_crescente
from execucoes.rpa import (
    DadosInvalidos,
    ErroRPA,
    OperadoraNaoEncontrada,
    RPAIndisponivel,
    TokenInvalido,
)
from execucoes.token_rpa import marcar_token, token_recusado

logger = logging.getLogger(__name__)

ESPERA_MAXIMA_ENVIO = 300  # segundos entre tentativas de envio com a API fora do ar


def despachar_pendentes(limite: int = 20) -> int:
    """Envia até `limite` execuções, uma reivindicada por vez, e pára se o lote demorar ou se
    não houver vaga no robô."""
    fila.enfileirar()
    if token_recusado():
        return 0
    prazo = time.monotonic() + settings.RPA_ENVIO_SEM_RESPOSTA_SEGUNDOS
    enviados = 0
    for _ in range(limite):
        reivindicada = _reivindicar_proxima()
        if reivindicada is None:
            break
        try:
            enviados += _enviar(*reivindicada)
        except TokenInvalido:
            break
        if time.monotonic() > prazo:
            break  # o resto fica na fila, sem reivindicação, para quem vier
    return enviados


def _reivindicar_proxima() -> tuple[Execucao, str] | None:
    agora = timezone.now()
    with transaction.atomic():
        fila.travar_o_despacho()
        execucao = (
            fila.proxima(agora)
            .select_for_update(skip_locked=True, of=("self",))
            .select_related("processo__cliente__operadora")
            .first()
        )
        if execucao is None:
            return None
        cerca = uuid.uuid4().hex
        execucao.url_rpa = url_da_api(execucao)
        Execucao.objects.filter(pk=execucao.pk).update(
            envio_iniciado_em=agora, envio_token=cerca, url_rpa=execucao.url_rpa
        )
    execucao.envio_iniciado_em, execucao.envio_token = agora, cerca
    return execucao, cerca


def _enviar(execucao: Execucao, cerca: str) -> int:
    processo = execucao.processo
    cliente = cliente_rpa(execucao=execucao)
    try:
        if execucao.tipo == TipoExecucao.DOWNLOAD_FATURA:
            job = cliente.executar_download(
                processo.cliente.operadora.codigo, **corpo_download(processo, com_senha=True)
            )
        else:
            job = cliente.executar_sat(**corpo_sat(processo))
    except TokenInvalido:
        marcar_token(cliente.token or "", recusado=True)
        _soltar(execucao.pk, cerca)
        raise
    except (DadosInvalidos, OperadoraNaoEncontrada) as erro:
        # Erro de cadastro: repetir não adianta; uma pessoa corrige e executa de novo.
        desfechos.falhar(execucao.pk, str(erro), repetir=False)
        return 0
    except RPAIndisponivel as erro:
        if erro.nao_chegou:
            _adiar(execucao, cerca, str(erro))
        else:
            logger.warning(
                "Dispatch of %s may have reached the RPA API; will reconcile", execucao.pk
            )
        return 0
    except ErroRPA:
        logger.warning("Unexpected RPA API answer dispatching %s; will reconcile", execucao.pk)
        return 0
    marcar_token(cliente.token or "", recusado=False)
    return 1 if registrar_job(execucao.pk, job.job_id, cerca=cerca) else 0


def _soltar(execucao_id, cerca: str) -> None:
    """Devolve à fila, sem gastar tentativa, se a reivindicação ainda é de quem a fez."""
    Execucao.objects.filter(
        pk=execucao_id, status=StatusExecucao.PENDENTE, envio_token=cerca
    ).update(envio_iniciado_em=None, envio_token="")


def _adiar(execucao: Execucao, cerca: str, motivo: str) -> None:
    tentativas = execucao.tentativas_envio + 1
    espera = espera_crescente(tentativas, base=2, maximo=ESPERA_MAXIMA_ENVIO)
    Execucao.objects.filter(
        pk=execucao.pk, status=StatusExecucao.PENDENTE, envio_token=cerca
    ).update(
        envio_iniciado_em=None,
        envio_token="",
        tentativas_envio=tentativas,
        executar_apos=timezone.now() + dt.timedelta(seconds=espera),
        erro=f"Aguardando a API RPA: {motivo}",
    )


def registrar_job(execucao_id, job_id: str, *, cerca: str, como: str = "criado") -> bool:
    """Grava o job na execução se a cerca ainda é de quem o obteve. Verdadeiro se gravou.

    Se a execução foi cancelada no meio do envio, o job fica registrado nela assim mesmo: todo
    job do robô pertence a uma execução, e um job com dono nunca é adotado por outra.
    """
    agora = timezone.now()
    try:
        with transaction.atomic():
            atualizadas = Execucao.objects.filter(
                pk=execucao_id, status=StatusExecucao.PENDENTE, envio_token=cerca, job_id=""
            ).update(
                status=StatusExecucao.EXECUTANDO,
                job_id=job_id,
                iniciada_em=agora,
                envio_iniciado_em=None,
                envio_token="",
                proxima_consulta_em=agora,
                erro="",
            )
            if atualizadas:
                LogExecucao.objects.create(
                    execucao_id=execucao_id,
                    chave=f"brm:job:{job_id}",
                    nivel=NivelLog.INFO,
                    mensagem=f"Job {job_id} {como} na API RPA",
                    momento=agora,
                )
                return True
            guardado = Execucao.objects.filter(
                pk=execucao_id, status=StatusExecucao.CANCELADO, job_id=""
            ).update(job_id=job_id)
    except IntegrityError:
        logger.error("RPA job %s already belongs to another execution", job_id)
        return False
    if not guardado:
        logger.warning(
            "RPA job %s was created for execution %s after its claim was lost; left unowned",
            job_id,
            execucao_id,
        )
    return False


def reenviar(execucao: Execucao) -> bool:
    """Devolve à fila uma execução cujo envio não criou job (ou cujo job não se identifica)."""
    return bool(
        Execucao.objects.filter(
            pk=execucao.pk,
            status=StatusExecucao.PENDENTE,
            envio_token=execucao.envio_token,
            job_id="",
        ).update(envio_iniciado_em=None, envio_token="")
    )
