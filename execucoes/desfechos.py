"""O que acontece quando um job termina; aplicar duas vezes muda uma vez só."""

import datetime as dt
import logging

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from execucoes import linhas, saneamento
from execucoes.faturas import Conferencia
from execucoes.models import Execucao, StatusExecucao, TipoExecucao
from execucoes.prazos import espera_crescente
from execucoes.rpa import FaturaDoRobo, LinhaDeLog
from processos.fatura import guardar_fatura
from processos.leitura_da_fatura import completar_pelo_pdf
from processos.models import ETAPA_DO_TIPO, Origem, Processo

logger = logging.getLogger(__name__)


def _travar(execucao_id) -> Execucao | None:
    """A execução (e o processo) travados, se ela ainda está em andamento."""
    execucao = (
        Execucao.objects.select_for_update(of=("self",))
        .select_related("processo__cliente__operadora")
        .filter(pk=execucao_id, status__in=(StatusExecucao.PENDENTE, StatusExecucao.EXECUTANDO))
        .first()
    )
    if execucao is not None:
        execucao.processo = (
            type(execucao.processo)
            .objects.select_for_update(of=("self",))
            .select_related("cliente__operadora")
            .get(pk=execucao.processo_id)
        )
    return execucao


def _encerrar(execucao: Execucao, status: str, **campos) -> None:
    execucao.status = status
    execucao.finalizada_em = timezone.now()
    execucao.envio_iniciado_em = None
    execucao.proxima_consulta_em = None
    for nome, valor in campos.items():
        setattr(execucao, nome, valor)
    execucao.save()
    Processo.registrar_execucao(execucao)


def concluir_download(
    execucao_id, *, fatura: FaturaDoRobo, pdf: bytes, conferencia: Conferencia
) -> bool:
    """Guarda a fatura (já conferida) e leva o processo à aprovação. Falso se a execução já
    tinha terminado."""
    with transaction.atomic():
        execucao = _travar(execucao_id)
        if execucao is None:
            return False
        processo, etapa = execucao.processo, ETAPA_DO_TIPO[TipoExecucao.DOWNLOAD_FATURA]
        resultado = {**fatura.como_json(), "conferencia": conferencia.como_json()}
        _encerrar(execucao, StatusExecucao.CONCLUIDO, progresso=100, resultado=resultado, erro="")
        if processo.status != etapa.aguardando:
            logger.warning(
                "Download finished for process %s in status %s; kept", processo.pk, processo.status
            )
            return True
        guardar_fatura(processo, pdf)
        processo.valor = fatura.valor if fatura.valor is not None else processo.valor
        processo.vencimento = fatura.vencimento or processo.vencimento
        # O que o robô não informou vem do texto do PDF, lido uma vez aqui e marcado para conferir.
        processo.valor_lido_do_pdf = processo.vencimento_lido_do_pdf = False
        completar_pelo_pdf(processo, pdf)
        processo.mudar_status(
            etapa.concluida_leva_a,
            origem=Origem.WORKER,
            motivo=f"Fatura baixada pelo robô (job {execucao.job_id})",
            campos=[
                "fatura",
                "fatura_sha256",
                "valor",
                "vencimento",
                "valor_lido_do_pdf",
                "vencimento_lido_do_pdf",
            ],
        )
    return True


def concluir_sat(execucao_id, *, resultado) -> bool:
    with transaction.atomic():
        execucao = _travar(execucao_id)
        if execucao is None:
            return False
        processo, etapa = execucao.processo, ETAPA_DO_TIPO[TipoExecucao.UPLOAD_SAT]
        _encerrar(
            execucao,
            StatusExecucao.CONCLUIDO,
            progresso=100,
            resultado=saneamento.json_limpo(resultado),
            erro="",
        )
        if processo.status != etapa.aguardando:
            return True
        processo.enviado_sat_em = timezone.now()
        processo.mudar_status(
            etapa.concluida_leva_a,
            origem=Origem.WORKER,
            motivo=f"Registrada no SAT (job {execucao.job_id})",
            campos=["enviado_sat_em"],
        )
    return True


def falhar(
    execucao_id,
    erro: str,
    *,
    status=StatusExecucao.FALHOU,
    repetir: bool = True,
    resultado: dict | None = None,
) -> bool:
    """Encerra a execução com o erro e agenda a próxima tentativa, até RPA_MAX_TENTATIVAS."""
    with transaction.atomic():
        execucao = _travar(execucao_id)
        if execucao is None:
            return False
        _encerrar(
            execucao,
            status,
            erro=saneamento.texto(erro, saneamento.TAMANHO_ERRO),
            resultado=resultado if resultado is not None else execucao.resultado,
        )
        if repetir and _cabe_nova_tentativa(execucao):
            espera = espera_crescente(
                execucao.numero_tentativa, base=settings.RPA_ESPERA_BASE_SEGUNDOS
            )
            nova = Execucao.objects.create(
                processo=execucao.processo,
                tipo=execucao.tipo,
                numero_tentativa=execucao.numero_tentativa + 1,
                parametros_entrada=execucao.parametros_entrada,
                executar_apos=timezone.now() + dt.timedelta(seconds=espera),
            )
            Processo.registrar_execucao(nova)
    return True


def _cabe_nova_tentativa(execucao: Execucao) -> bool:
    etapa = ETAPA_DO_TIPO.get(execucao.tipo)
    return (
        execucao.numero_tentativa < settings.RPA_MAX_TENTATIVAS
        and etapa is not None
        and execucao.processo.status == etapa.aguardando
    )


def completar_logs(execucao_id, linhas_do_job: list[LinhaDeLog], erro_do_job: str = "") -> int:
    """Grava as linhas do /status que o stream não entregou (`execucoes.linhas`)."""
    return linhas.gravar_do_status(execucao_id, linhas_do_job, erro_do_job=erro_do_job)
