"""Adoção de jobs cuja resposta se perdeu: só o job certo, nunca o de outro cliente (simulador real)."""

import datetime as dt

import pytest
import requests
from django.conf import settings
from django.utils import timezone

from brm.fabricas import criar_cliente, criar_operadora, criar_processo, esperar
from execucoes import adocao, despacho
from execucoes.models import Execucao, StatusExecucao, TipoExecucao
from execucoes.parametros import corpo_download
from execucoes.rpa import ClienteRPA

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def api(simulador_exclusivo):
    return ClienteRPA(base_url=simulador_exclusivo.url, token=simulador_exclusivo.novo_token())


def em_voo(processo, *, envio_ha: float = 5.0) -> Execucao:
    """Uma execução cujo POST saiu e cuja resposta se perdeu (o job pode ou não existir)."""
    execucao = Execucao.objects.create(processo=processo, tipo=TipoExecucao.DOWNLOAD_FATURA)
    Execucao.objects.filter(pk=execucao.pk).update(
        envio_iniciado_em=timezone.now() - dt.timedelta(seconds=envio_ha),
        envio_token=f"cerca-{execucao.pk.hex[:8]}",
        url_rpa=settings.API_EXTERNA_URL,
    )
    return Execucao.objects.get(pk=execucao.pk)


def criar_job_perdido(api, processo) -> str:
    """O robô criou o job, mas a resposta não chegou a ninguém."""
    return api.executar_download(
        processo.cliente.operadora.codigo, **corpo_download(processo, com_senha=True)
    ).job_id


def dono_real(sim, job_id: str) -> str:
    return sim.contexto.motor._jobs[job_id].processo_id


def resolvidas(execucoes) -> bool:
    adocao.reconciliar_envios()
    atuais = Execucao.objects.filter(pk__in=[e.pk for e in execucoes])
    return all(e.job_id or e.envio_iniciado_em is None for e in atuais)


def test_um_candidato_e_nenhum_outro_envio_em_voo_e_adotado(api, simulador_exclusivo):
    processo = criar_processo()
    execucao = em_voo(processo)
    job = criar_job_perdido(api, processo)
    esperar(lambda: resolvidas([execucao]))
    execucao.refresh_from_db()
    assert (execucao.job_id, execucao.status) == (job, StatusExecucao.EXECUTANDO)


def test_varios_envios_em_voo_cada_um_fica_com_o_seu_e_o_sem_job_e_reenviado(
    api, simulador_exclusivo
):
    vivo = criar_operadora("VIVO")
    processos = [criar_processo(criar_cliente(vivo)) for _ in range(4)]
    execucoes = [em_voo(processo) for processo in processos]
    # O 3º envio nunca criou job; os outros criaram e perderam a resposta.
    jobs = {
        processo.pk: criar_job_perdido(api, processo)
        for indice, processo in enumerate(processos)
        if indice != 2
    }
    esperar(lambda: resolvidas(execucoes), prazo=30)
    for processo, execucao in zip(processos, execucoes, strict=True):
        execucao.refresh_from_db()
        if processo.pk in jobs:
            assert execucao.job_id == jobs[processo.pk]
            assert dono_real(simulador_exclusivo, execucao.job_id) == str(processo.pk)
        else:
            # Nenhum job é dele: volta para a fila, sem pegar o de outro cliente.
            assert (execucao.job_id, execucao.envio_iniciado_em) == ("", None)


def test_job_de_outro_sistema_terminado_sem_falar_do_cliente_nao_e_adotado(
    api, simulador_exclusivo
):
    processo = criar_processo()
    execucao = em_voo(processo)
    alheio = api.executar_download(
        processo.cliente.operadora.codigo,
        login="outro@sistema.example",
        senha="x",
        filtro="99999999",
        cnpj="11.222.333/0001-81",
    ).job_id
    esperar(lambda: api.status(alheio).terminou, prazo=20)
    esperar(lambda: resolvidas([execucao]))
    execucao.refresh_from_db()
    assert (execucao.job_id, execucao.envio_iniciado_em) == ("", None)


def test_reconciliacao_nao_age_antes_do_prazo_do_envio(api, simulador_exclusivo, settings):
    settings.RPA_ENVIO_SEM_RESPOSTA_SEGUNDOS = 60
    settings.RPA_TEMPO_ENVIO_SEGUNDOS = 18
    processo = criar_processo()
    execucao = em_voo(processo, envio_ha=30)
    adocao.reconciliar_envios()
    execucao.refresh_from_db()
    assert execucao.envio_iniciado_em is not None and execucao.job_id == ""


def test_prazo_do_envio_termina_antes_do_limiar_da_reconciliacao(settings):
    from execucoes.rpa import tempos_do_envio

    settings.RPA_TEMPO_ENVIO_SEGUNDOS = 18
    settings.RPA_ENVIO_SEM_RESPOSTA_SEGUNDOS = 15
    assert tempos_do_envio().total == 14.5
    settings.RPA_ENVIO_SEM_RESPOSTA_SEGUNDOS = 30
    assert tempos_do_envio().total == 18


def test_partida_recusa_limiar_curto_demais_para_qualquer_envio(settings):
    from django.core.exceptions import ImproperlyConfigured

    from execucoes.worker import Worker

    settings.RPA_ENVIO_SEM_RESPOSTA_SEGUNDOS = 0.5
    with pytest.raises(ImproperlyConfigured, match="RPA_ENVIO_SEM_RESPOSTA_SEGUNDOS"):
        Worker()


def test_job_gravado_so_por_quem_tem_a_cerca():
    processo = criar_processo()
    execucao = em_voo(processo)
    assert not despacho.registrar_job(execucao.pk, "job-de-outra-cerca", cerca="outra")
    assert despacho.registrar_job(execucao.pk, "job-certo", cerca=execucao.envio_token)
    execucao.refresh_from_db()
    assert execucao.job_id == "job-certo"


def test_job_de_execucao_cancelada_no_meio_do_envio_fica_com_ela():
    processo = criar_processo()
    execucao = em_voo(processo)
    Execucao.objects.filter(pk=execucao.pk).update(status=StatusExecucao.CANCELADO)
    assert not despacho.registrar_job(execucao.pk, "job-tardio", cerca=execucao.envio_token)
    execucao.refresh_from_db()
    assert (execucao.status, execucao.job_id) == (StatusExecucao.CANCELADO, "job-tardio")


def test_sem_a_lista_de_jobs_o_envio_volta_para_a_fila_depois_do_prazo(settings):
    settings.API_EXTERNA_URL = "http://127.0.0.1:9"  # ninguém escuta
    settings.RPA_TIMEOUT_MINUTOS = 1
    recente, antiga = criar_processo(), criar_processo()
    recente = em_voo(recente, envio_ha=5)
    antiga = em_voo(antiga, envio_ha=120)
    adocao.reconciliar_envios()
    recente.refresh_from_db()
    antiga.refresh_from_db()
    assert recente.envio_iniciado_em is not None  # ainda pode ser adotada quando a API voltar
    assert (antiga.envio_iniciado_em, antiga.job_id) == (None, "")  # não fica presa em voo


def test_job_unico_que_falhou_cedo_e_adotado_sem_repetir_o_envio(api, simulador_exclusivo):
    def controle(nome, **dados):
        url = f"{simulador_exclusivo.url}/__simulador/{nome}"
        assert requests.post(url, json=dados, timeout=5).status_code == 200

    processo = criar_processo()
    execucao = em_voo(processo)
    controle("ajustes", pausado=True)  # o job falha no primeiro passo, antes de citar o cliente
    job = criar_job_perdido(api, processo)
    controle("falhas/job", job_id=job, erro="Falha no login do portal")
    controle("ajustes", pausado=False)
    esperar(lambda: api.status(job).terminou, prazo=20)
    assert not processo.cliente.mencao_em(
        "\n".join(linha.mensagem for linha in api.status(job).logs)
    )
    esperar(lambda: resolvidas([execucao]))
    execucao.refresh_from_db()
    assert execucao.job_id == job  # o desfecho (falha) segue o fluxo normal, sem job a mais


def test_espera_crescente_dobra_a_cada_tentativa_ate_o_maximo():
    from execucoes.prazos import espera_crescente

    assert [espera_crescente(n, base=60) for n in (1, 2, 3)] == [60, 120, 240]
    assert [espera_crescente(n, base=2, maximo=300) for n in (1, 8, 9, 20)] == [2, 256, 300, 300]
    assert espera_crescente(5000, base=2, maximo=300) == 300  # dias com a API fora: sem estouro
