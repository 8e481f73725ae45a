"""Adoção: de quem é um job que a API criou mas cuja resposta se perdeu? (`GET /jobs`,
docs/api-rpa.md §1)

`GET /jobs` não diz para que processo nem para que cliente um job foi criado. "O job desconhecido
criado depois do envio" só é certo quando há um candidato e nenhum outro envio da mesma fila em voo
que também caberia nele. Havendo mais de um, cada candidato é identificado pelo que a API mostra
dele (as linhas do log e, concluído, o PDF) e só é adotado pela execução cujo cliente ele
menciona.
Enquanto algum candidato ainda não se deixa identificar, a execução espera; quando todos se
decidiram e nenhum é dela, ela é enviada de novo (um job repetido custa um download; uma fatura
anexada ao cliente errado pode ser aprovada e registrada no SAT).

A conferência do PDF no fim do download (`execucoes.faturas`) continua valendo para todo job
adotado: é a última guarda.
"""

import datetime as dt
import logging
from collections import OrderedDict
from dataclasses import dataclass

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from execucoes import despacho
from execucoes.conexao import cliente_rpa, url_da_api
from execucoes.faturas import ler_pdf
from execucoes.models import Execucao, StatusExecucao, TipoExecucao
from execucoes.rpa import ClienteRPA, ErroRPA, ResumoDoJob
from processos.fatura import FaturaInvalida, texto_do_pdf

logger = logging.getLogger(__name__)

FOLGA_RELOGIO = dt.timedelta(minutes=2)  # relógio do robô contra o nosso


@dataclass(frozen=True)
class Evidencia:
    """O que a API mostra de um job: o texto (log e, se concluído, o PDF) e se ele terminou."""

    texto: str
    terminou: bool
    falhou: bool = False


_evidencias_finais: "OrderedDict[tuple[str, str], Evidencia]" = OrderedDict()


class Evidencias:
    """Evidências de uma reconciliação (um GET /status por candidato); as de jobs terminados
    não mudam mais e ficam guardadas entre as voltas."""

    def __init__(self, cliente: ClienteRPA) -> None:
        self.cliente = cliente
        self._desta_volta: dict[str, Evidencia] = {}

    def de(self, job_id: str) -> Evidencia:
        chave = (self.cliente.base_url, job_id)
        if chave in _evidencias_finais:
            return _evidencias_finais[chave]
        if job_id not in self._desta_volta:
            self._desta_volta[job_id] = evidencia = self._ler(job_id)
            if evidencia.terminou:
                _evidencias_finais[chave] = evidencia
                while len(_evidencias_finais) > 2000:
                    _evidencias_finais.popitem(last=False)
        return self._desta_volta[job_id]

    def _ler(self, job_id: str) -> Evidencia:
        try:
            status = self.cliente.status(job_id)
        except ErroRPA:
            return Evidencia("", terminou=False)
        texto = "\n".join(linha.mensagem for linha in status.logs)
        if status.status == "COMPLETED":
            texto += "\n" + self._texto_da_fatura(status)
        return Evidencia(texto, terminou=status.terminou, falhou=status.status == "FAILED")

    def _texto_da_fatura(self, status) -> str:
        try:
            return texto_do_pdf(ler_pdf(self.cliente, status.fatura().origem))
        except (ErroRPA, FaturaInvalida, OSError):
            return ""  # SAT (o resultado não é um arquivo) ou fatura ilegível: só o log conta


def reconciliar_envios(limite: int = 50) -> int:
    """Envios sem resposta (ou de worker morto): adota o job certo, espera, ou reenvia."""
    limiar = timezone.now() - dt.timedelta(seconds=settings.RPA_ENVIO_SEM_RESPOSTA_SEGUNDOS)
    presas = list(
        Execucao.objects.select_related("processo__cliente__operadora")
        .filter(status=StatusExecucao.PENDENTE, envio_iniciado_em__lt=limiar, job_id="")
        .order_by("envio_iniciado_em")[:limite]
    )
    por_api: dict[str, list[Execucao]] = {}
    for execucao in presas:
        por_api.setdefault(execucao.url_rpa or url_da_api(execucao), []).append(execucao)
    for url, execucoes in por_api.items():
        reconciliar(url, execucoes)
    return len(presas)


def reconciliar(url: str, presas: list[Execucao]) -> None:
    cliente = cliente_rpa(url=url)
    try:
        jobs = cliente.jobs()
    except ErroRPA as erro:
        logger.warning("Cannot reconcile dispatches on %s now: %s", url, erro)
        # Sem a lista, nada se adota; passado o prazo de um job, manda de novo em vez de
        # deixar a execução presa "em voo" para sempre.
        for execucao in presas:
            if not _dentro_do_prazo(execucao):
                despacho.reenviar(execucao)
        return
    com_dono = set(
        Execucao.objects.filter(job_id__in=[job.job_id for job in jobs]).values_list(
            "job_id", flat=True
        )
    )
    orfaos = sorted(
        (job for job in jobs if job.job_id not in com_dono),
        key=lambda job: job.criado_em or timezone.now(),
    )
    em_voo = list(
        Execucao.objects.select_related("processo__cliente__operadora").filter(
            status=StatusExecucao.PENDENTE,
            envio_iniciado_em__isnull=False,
            job_id="",
            url_rpa=url,
        )
    )
    evidencias = Evidencias(cliente)
    adotados: set[str] = set()
    for execucao in presas:
        livres = [job for job in orfaos if job.job_id not in adotados]
        job = _decidir(execucao, livres, em_voo, evidencias)
        if job is _ESPERAR:
            continue
        if job is None:
            if despacho.reenviar(execucao):
                logger.info("No RPA job attributable to execution %s; sending again", execucao.pk)
            continue
        if _adotar(execucao, job):
            adotados.add(job.job_id)


_ESPERAR = object()


def _decidir(execucao: Execucao, orfaos: list[ResumoDoJob], em_voo, evidencias: Evidencias):
    """O job desta execução, None (reenviar) ou _ESPERAR."""
    candidatos = [job for job in orfaos if _cabe(execucao, job)]
    if not candidatos:
        return None
    rivais = [
        outra
        for outra in em_voo
        if outra.pk != execucao.pk and any(_cabe(outra, job) for job in candidatos)
    ]
    cliente = execucao.processo.cliente
    if len(candidatos) == 1 and not rivais:
        # Sem ambiguidade; a conferência do PDF é a última guarda. Só não adota um job que
        # terminou com uma fatura que não é deste cliente. Um que falhou cedo (antes de citar o
        # cliente no log) é adotado: a falha dele leva a uma nova tentativa, sem job repetido.
        unico = candidatos[0]
        evidencia = evidencias.de(unico.job_id)
        if evidencia.falhou or not evidencia.terminou or cliente.mencao_em(evidencia.texto):
            return unico
        return None
    donos = [job for job in candidatos if cliente.mencao_em(evidencias.de(job.job_id).texto)]
    outros_clientes = {
        outra.processo.cliente_id: outra.processo.cliente
        for outra in rivais
        if outra.processo.cliente_id != cliente.pk
    }.values()
    donos = [
        job
        for job in donos
        if not any(outro.mencao_em(evidencias.de(job.job_id).texto) for outro in outros_clientes)
    ]
    mesmo_cliente_em_voo = any(outra.processo.cliente_id == cliente.pk for outra in rivais)
    if len(donos) == 1 or (donos and not mesmo_cliente_em_voo):
        return donos[0]
    if _ainda_pode_ser(execucao, candidatos, rivais, evidencias):
        return _ESPERAR
    return None


def _ainda_pode_ser(execucao: Execucao, candidatos, rivais, evidencias: Evidencias) -> bool:
    """Algum candidato ainda não se identificou (nem terminou), dentro do prazo de um job?"""
    if not _dentro_do_prazo(execucao):
        return False
    clientes = [execucao.processo.cliente, *(outra.processo.cliente for outra in rivais)]
    for job in candidatos:
        evidencia = evidencias.de(job.job_id)
        identificado = any(cliente.mencao_em(evidencia.texto) for cliente in clientes)
        if not evidencia.terminou and not identificado:
            return True
    return False


def _dentro_do_prazo(execucao: Execucao) -> bool:
    prazo = dt.timedelta(minutes=settings.RPA_TIMEOUT_MINUTOS)
    return timezone.now() - execucao.envio_iniciado_em <= prazo


def _cabe(execucao: Execucao, job: ResumoDoJob) -> bool:
    """Mesma fila (operadora, ou SAT) e criado na janela do envio."""
    codigo = execucao.processo.cliente.operadora.codigo.upper()
    esperados = {codigo} if execucao.tipo == TipoExecucao.DOWNLOAD_FATURA else {"SAT", codigo}
    if job.operadora.upper() not in esperados:
        return False
    if job.criado_em is None:
        return True
    inicio = execucao.envio_iniciado_em - FOLGA_RELOGIO
    fim = (
        execucao.envio_iniciado_em
        + dt.timedelta(seconds=settings.RPA_TEMPO_ENVIO_SEGUNDOS)
        + FOLGA_RELOGIO
    )
    return inicio <= job.criado_em <= fim


def _adotar(execucao: Execucao, job: ResumoDoJob) -> bool:
    with transaction.atomic():
        ainda_em_voo = (
            Execucao.objects.select_for_update()
            .filter(
                pk=execucao.pk,
                status=StatusExecucao.PENDENTE,
                envio_token=execucao.envio_token,
                job_id="",
            )
            .exists()
        )
        if not ainda_em_voo:
            return False  # outro worker resolveu primeiro
        adotado = despacho.registrar_job(
            execucao.pk, job.job_id, cerca=execucao.envio_token, como="adotado"
        )
    if adotado:
        logger.info("Adopted RPA job %s for execution %s", job.job_id, execucao.pk)
    return adotado
