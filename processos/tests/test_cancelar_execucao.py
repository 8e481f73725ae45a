"""Cancelar uma execução presa: quem pode, o motivo, o que muda e o que não muda, e depois."""

import inspect

import pytest
from django.contrib.auth.models import AnonymousUser
from django.utils import timezone

from brm.fabricas import criar_cliente, criar_processo
from execucoes import desfechos
from execucoes.models import Execucao, LogExecucao, NivelLog, StatusExecucao, TipoExecucao
from processos import acoes
from processos.acoes import AcaoRecusada, Pedido, SemPermissao
from processos.models import Origem, StatusProcesso

pytestmark = pytest.mark.django_db


def pedido(usuario) -> Pedido:
    return Pedido(usuario=usuario, origem=Origem.WEB, ip="10.0.0.1", user_agent="teste")


def executando(processo=None, tipo=TipoExecucao.DOWNLOAD_FATURA, job_id="job-preso-1"):
    """Uma execução que o robô começou e nunca terminou."""
    agora = timezone.now()
    return Execucao.objects.create(
        processo=processo or criar_processo(),
        tipo=tipo,
        status=StatusExecucao.EXECUTANDO,
        job_id=job_id,
        progresso=40,
        iniciada_em=agora,
        proxima_consulta_em=agora,
    )


def concluir_download_com_qualquer_fatura(execucao_id) -> bool:
    """O robô entregou a fatura do job. O que ele entregou nem é lido quando a execução não está
    mais ativa, então cada argumento do desfecho vai vazio (seja qual for a assinatura)."""
    parametros = inspect.signature(desfechos.concluir_download).parameters.values()
    vazios = {p.name: None for p in parametros if p.kind is p.KEYWORD_ONLY}
    return desfechos.concluir_download(execucao_id, **vazios)


def retrato(execucao) -> dict:
    execucao.refresh_from_db()
    return {
        "status": execucao.status,
        "erro": execucao.erro,
        "finalizada_em": execucao.finalizada_em,
        "cancelada_por": execucao.cancelada_por_id,
        "logs": execucao.logs.count(),
        "processo": execucao.processo.status,
        "transicoes": execucao.processo.transicoes.count(),
    }


@pytest.mark.parametrize("persona", ["administrador", "aprovador", "operador"])
def test_qualquer_perfil_da_equipe_cancela(persona, request):
    usuario = request.getfixturevalue(persona)
    execucao = executando()
    cancelada = acoes.cancelar_execucao(execucao, pedido(usuario), motivo="Robô travado")
    assert cancelada.status == StatusExecucao.CANCELADO
    assert cancelada.cancelada_por == usuario


@pytest.mark.parametrize("quem", ["inativo", "anonimo", "sistema"])
def test_quem_nao_e_da_equipe_ativa_nao_cancela_e_nada_muda(quem, request):
    usuario = {
        "inativo": lambda: request.getfixturevalue("inativo"),
        "anonimo": AnonymousUser,
        "sistema": lambda: None,
    }[quem]()
    execucao = executando()
    antes = retrato(execucao)
    with pytest.raises(SemPermissao, match="Seu perfil não permite esta ação"):
        acoes.cancelar_execucao(execucao, pedido(usuario), motivo="Robô travado")
    assert retrato(execucao) == antes


@pytest.mark.parametrize("motivo", ["", "   ", None])
def test_cancelar_exige_motivo(operador, motivo):
    execucao = executando()
    antes = retrato(execucao)
    with pytest.raises(AcaoRecusada, match="Informe o motivo do cancelamento"):
        acoes.cancelar_execucao(execucao, pedido(operador), motivo=motivo)
    assert retrato(execucao) == antes


@pytest.mark.parametrize(
    "status, rotulo",
    [
        (StatusExecucao.CONCLUIDO, "concluído"),
        (StatusExecucao.FALHOU, "falhou"),
        (StatusExecucao.TIMEOUT, "tempo esgotado"),
        (StatusExecucao.CANCELADO, "cancelado"),
    ],
)
def test_execucao_que_ja_terminou_nao_e_cancelada_e_nada_muda(operador, status, rotulo):
    execucao = executando()
    Execucao.objects.filter(pk=execucao.pk).update(status=status, finalizada_em=timezone.now())
    antes = retrato(execucao)
    with pytest.raises(AcaoRecusada, match=rf"A execução já terminou \({rotulo}\)\."):
        acoes.cancelar_execucao(execucao, pedido(operador), motivo="Robô travado")
    assert retrato(execucao) == antes


def test_cancelar_duas_vezes_recusa_a_segunda(operador, aprovador):
    execucao = executando()
    acoes.cancelar_execucao(execucao, pedido(operador), motivo="Robô travado")
    with pytest.raises(AcaoRecusada, match="já terminou"):
        acoes.cancelar_execucao(execucao, pedido(aprovador), motivo="De novo")
    execucao.refresh_from_db()
    assert execucao.cancelada_por == operador
    assert execucao.logs.count() == 1


def test_cancelar_registra_quem_por_que_e_uma_linha_de_aviso_no_log(operador):
    execucao = executando()
    Execucao.objects.filter(pk=execucao.pk).update(envio_iniciado_em=timezone.now())
    acoes.cancelar_execucao(execucao, pedido(operador), motivo="  Robô travado no portal  ")
    execucao.refresh_from_db()
    nome = str(operador)
    assert execucao.status == StatusExecucao.CANCELADO
    assert execucao.finalizada_em is not None
    assert execucao.envio_iniciado_em is None
    assert execucao.proxima_consulta_em is None
    assert execucao.cancelada_por == operador
    assert execucao.erro == f"Cancelada por {nome}: Robô travado no portal"
    assert execucao.job_id == "job-preso-1"  # o job continua desta execução
    linha = LogExecucao.objects.get(execucao=execucao)
    assert linha.nivel == NivelLog.WARN
    assert linha.mensagem == f"Execução cancelada por {nome}: Robô travado no portal"
    assert linha.chave == "brm:cancelada"


def test_cancelar_nao_muda_o_status_do_processo(operador):
    processo = criar_processo(status=StatusProcesso.AGUARDANDO_ENVIO_SAT)
    execucao = executando(processo, tipo=TipoExecucao.UPLOAD_SAT)
    acoes.cancelar_execucao(execucao, pedido(operador), motivo="SAT fora do ar")
    processo.refresh_from_db()
    assert processo.status == StatusProcesso.AGUARDANDO_ENVIO_SAT
    assert processo.transicoes.count() == 0


def test_execucao_pendente_tambem_e_cancelada(operador):
    processo = criar_processo()
    pendente = acoes.executar_download(processo, pedido(operador))
    acoes.cancelar_execucao(pendente, pedido(operador), motivo="Pedido por engano")
    pendente.refresh_from_db()
    assert pendente.status == StatusExecucao.CANCELADO


def test_depois_de_cancelar_o_processo_roda_de_novo(operador):
    processo = criar_processo()
    presa = executando(processo)
    with pytest.raises(AcaoRecusada, match="Já há uma execução em andamento"):
        acoes.executar_novamente(processo, pedido(operador))

    acoes.cancelar_execucao(presa, pedido(operador), motivo="Robô travado")
    nova = acoes.executar_novamente(processo, pedido(operador))
    assert nova.status == StatusExecucao.PENDENTE and nova.tipo == TipoExecucao.DOWNLOAD_FATURA

    acoes.cancelar_execucao(nova, pedido(operador), motivo="Outra vez")
    download = acoes.executar_download(processo, pedido(operador))
    assert download.status == StatusExecucao.PENDENTE


def test_o_desfecho_do_job_cancelado_e_ignorado_pelo_worker(operador):
    execucao = executando()
    acoes.cancelar_execucao(execucao, pedido(operador), motivo="Robô travado")
    antes = retrato(execucao)

    assert concluir_download_com_qualquer_fatura(execucao.pk) is False
    assert desfechos.falhar(execucao.pk, "Portal fora do ar") is False

    assert retrato(execucao) == antes
    execucao.processo.refresh_from_db()
    assert not execucao.processo.fatura
    assert Execucao.objects.filter(processo=execucao.processo).count() == 1  # nenhuma repetição


def test_o_desfecho_do_envio_ao_sat_cancelado_e_ignorado(operador):
    processo = criar_processo(status=StatusProcesso.AGUARDANDO_ENVIO_SAT)
    execucao = executando(processo, tipo=TipoExecucao.UPLOAD_SAT)
    acoes.cancelar_execucao(execucao, pedido(operador), motivo="SAT fora do ar")
    assert desfechos.concluir_sat(execucao.pk, resultado={"ok": True}) is False
    processo.refresh_from_db()
    assert processo.status == StatusProcesso.AGUARDANDO_ENVIO_SAT
    assert processo.enviado_sat_em is None


def test_cancelar_a_execucao_ativa_do_processo(operador):
    processo = criar_processo(criar_cliente())
    with pytest.raises(AcaoRecusada, match="Não há execução em andamento neste processo"):
        acoes.cancelar_execucao_ativa(processo, pedido(operador), motivo="Robô travado")
    execucao = executando(processo)
    acoes.cancelar_execucao_ativa(processo, pedido(operador), motivo="Robô travado")
    execucao.refresh_from_db()
    assert execucao.status == StatusExecucao.CANCELADO
