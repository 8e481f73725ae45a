"""O seguidor do stream grava as linhas na ordem do robô, uma vez só, sem pesar com jobs alheios."""

import pytest

from brm.fabricas import criar_processo
from execucoes import linhas
from execucoes.models import Execucao, LogExecucao, NivelLog, StatusExecucao, TipoExecucao
from execucoes.rpa import Evento, LinhaDeLog
from execucoes.seguidor import SeguidorDeEventos

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _consulta_sem_intervalo(monkeypatch):
    monkeypatch.setattr("execucoes.seguidor.INTERVALO_CONSULTA", 0)


def linha(numero: int, job_id: str = "j1", nivel: str = "INFO", mensagem: str = "") -> Evento:
    return Evento(
        tipo="log",
        dados={
            "type": "log",
            "level": nivel,
            "message": mensagem or f"passo {numero}",
            "job_id": job_id,
            "timestamp": f"2026-03-01T10:00:0{numero}.250Z",
        },
    )


def execucao_do_job(job_id: str = "j1") -> Execucao:
    return Execucao.objects.create(
        processo=criar_processo(),
        tipo=TipoExecucao.DOWNLOAD_FATURA,
        status=StatusExecucao.EXECUTANDO,
        job_id=job_id,
    )


def mensagens(execucao=None) -> list[str]:
    consulta = LogExecucao.objects.order_by("id")
    if execucao is not None:
        consulta = consulta.filter(execucao=execucao)
    return list(consulta.values_list("mensagem", flat=True))


def test_linhas_antes_do_job_id_esperam_e_entram_em_ordem():
    execucao = Execucao.objects.create(
        processo=criar_processo(), tipo=TipoExecucao.DOWNLOAD_FATURA, status=StatusExecucao.PENDENTE
    )
    seguidor = SeguidorDeEventos()
    for numero in (1, 2):
        seguidor.receber(linha(numero))
        seguidor._esvaziar_buffer()
    assert LogExecucao.objects.count() == 0  # o despacho ainda não gravou o job_id

    Execucao.objects.filter(pk=execucao.pk).update(job_id="j1", status=StatusExecucao.EXECUTANDO)
    seguidor.receber(linha(3))  # há linhas anteriores esperando: vai atrás delas
    seguidor._esvaziar_buffer()
    assert mensagens() == ["passo 1", "passo 2", "passo 3"]


def test_linha_de_job_conhecido_vai_ao_banco_na_hora():
    execucao = execucao_do_job()
    seguidor = SeguidorDeEventos()
    seguidor.receber(linha(1))
    seguidor._esvaziar_buffer()
    seguidor.receber(linha(2))  # já conhecido: gravada sem esperar outro evento
    assert mensagens(execucao) == ["passo 1", "passo 2"]


def test_linha_que_o_status_ja_gravou_nao_entra_de_novo_e_fica_com_o_nivel_do_robo():
    execucao = execucao_do_job()
    erro = "Falha no login do portal"
    # O /status completou o log antes de o stream entregar (o contrato não traz o nível).
    linhas.gravar_do_status(
        execucao.pk,
        [
            LinhaDeLog(momento=linha(1).momento.replace(microsecond=0), mensagem="passo 1"),
            LinhaDeLog(momento=linha(2).momento.replace(microsecond=0), mensagem=erro),
            LinhaDeLog(
                momento=linha(3).momento.replace(microsecond=0),
                mensagem="Job j1 concluído com status FAILED",
            ),
        ],
        erro_do_job=erro,
    )
    assert dict(LogExecucao.objects.values_list("mensagem", "nivel")) == {
        "passo 1": NivelLog.INFO,
        erro: NivelLog.ERROR,
        "Job j1 concluído com status FAILED": NivelLog.WARN,
    }
    seguidor = SeguidorDeEventos()
    for evento in (
        linha(1, nivel="DEBUG"),
        linha(2, nivel="ERROR", mensagem=erro),
        linha(3, nivel="WARN", mensagem="Job j1 concluído com status FAILED"),
    ):
        seguidor.receber(evento)
        seguidor._esvaziar_buffer()
    assert LogExecucao.objects.count() == 3
    assert LogExecucao.objects.get(mensagem="passo 1").nivel == NivelLog.DEBUG


def test_linhas_que_faltaram_no_stream_entram_na_ordem_do_robo():
    execucao = execucao_do_job()
    seguidor = SeguidorDeEventos()
    for numero in (1, 3):  # o stream perdeu a linha 2
        seguidor.receber(linha(numero))
        seguidor._esvaziar_buffer()
    segundo = [linha(n).momento.replace(microsecond=0) for n in (1, 2, 3)]
    linhas.gravar_do_status(
        execucao.pk,
        [
            LinhaDeLog(momento=s, mensagem=f"passo {n}")
            for n, s in zip((1, 2, 3), segundo, strict=True)
        ],
    )
    na_ordem_do_robo = LogExecucao.objects.filter(execucao=execucao).order_by("momento", "id")
    assert [linha.mensagem for linha in na_ordem_do_robo] == ["passo 1", "passo 2", "passo 3"]
    assert LogExecucao.objects.count() == 3


def test_mesma_mensagem_no_mesmo_segundo_conta_como_linhas_distintas():
    execucao = execucao_do_job()
    seguidor = SeguidorDeEventos()
    for _ in range(2):
        seguidor.receber(linha(1, mensagem="Aguardando"))
        seguidor._esvaziar_buffer()
    momento = linha(1).momento.replace(microsecond=0)
    linhas.gravar_do_status(execucao.pk, [LinhaDeLog(momento=momento, mensagem="Aguardando")] * 2)
    assert mensagens(execucao) == ["Aguardando", "Aguardando"]


def test_jobs_de_outros_sistemas_nao_consultam_o_banco_a_cada_linha(
    django_assert_max_num_queries, monkeypatch
):
    seguidor = SeguidorDeEventos()
    monkeypatch.setattr(seguidor, "_espera_no_buffer", 0)
    with django_assert_max_num_queries(6):
        for rodada in range(100):
            for job in range(5):
                seguidor.receber(linha(rodada % 9, job_id=f"alheio-{job}"))
                seguidor._esvaziar_buffer()
    assert LogExecucao.objects.count() == 0
