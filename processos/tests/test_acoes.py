"""As ações do fluxo: o caminho feliz e cada recusa, com a mensagem e sem mudar nada."""

import datetime as dt
from decimal import Decimal

import pytest

from brm.fabricas import criar_cliente, criar_operadora, criar_processo
from execucoes.models import Execucao, StatusExecucao, TipoExecucao
from processos import acoes
from processos.acoes import AcaoRecusada, Pedido, SemPermissao
from processos.models import Origem, StatusProcesso, Transicao

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
VENCIMENTO = dt.date(2026, 4, 15)


def pedido(usuario) -> Pedido:
    return Pedido(usuario=usuario, origem=Origem.WEB, ip="10.0.0.1", user_agent="teste")


def processo_aguardando_aprovacao(operador, **campos):
    processo = criar_processo(**campos)
    acoes.upload_manual(
        processo, pedido(operador), conteudo=PDF, valor=Decimal("150.00"), vencimento=VENCIMENTO
    )
    processo.refresh_from_db()
    return processo


def estado(processo):
    processo.refresh_from_db()
    return (processo.status, processo.transicoes.count(), processo.execucoes.count())


# --- executar download --------------------------------------------------------------------------
def test_executar_download_registra_execucao_pendente_sem_a_senha(operador):
    processo = criar_processo()
    execucao = acoes.executar_download(processo, pedido(operador))
    assert (execucao.tipo, execucao.status) == (
        TipoExecucao.DOWNLOAD_FATURA,
        StatusExecucao.PENDENTE,
    )
    assert execucao.executado_por == operador and execucao.ip_origem == "10.0.0.1"
    assert execucao.parametros_entrada["senha"] == "••••••"
    assert processo.cliente.senha_portal not in str(execucao.parametros_entrada)
    assert execucao.parametros_entrada["operadora"] == "VIVO"


def test_download_recusado_com_execucao_em_andamento(operador):
    processo = criar_processo()
    acoes.executar_download(processo, pedido(operador))
    with pytest.raises(AcaoRecusada, match="Já há uma execução em andamento"):
        acoes.executar_download(processo, pedido(operador))
    assert processo.execucoes.count() == 1


def test_download_recusado_para_operadora_sem_robo(operador):
    processo = criar_processo(criar_cliente(criar_operadora("AZUTON", possui_rpa=False)))
    with pytest.raises(AcaoRecusada, match="não tem robô: envie a fatura pelo upload manual"):
        acoes.executar_download(processo, pedido(operador))
    assert processo.execucoes.count() == 0


def test_download_recusado_fora_de_aguardando_download(operador):
    processo = processo_aguardando_aprovacao(operador)
    antes = estado(processo)
    with pytest.raises(
        AcaoRecusada,
        match="Não é possível baixar a fatura: o processo está em “Aguardando aprovação”",
    ):
        acoes.executar_download(processo, pedido(operador))
    assert estado(processo) == antes


def test_download_recusado_para_cliente_inativo(operador):
    processo = criar_processo(criar_cliente(ativo=False))
    with pytest.raises(AcaoRecusada, match="cliente está inativo"):
        acoes.executar_download(processo, pedido(operador))


def test_usuario_inativo_nao_executa(inativo):
    with pytest.raises(SemPermissao, match="perfil não permite"):
        acoes.executar_download(criar_processo(), pedido(inativo))


# --- upload manual ------------------------------------------------------------------------------
def test_upload_manual_leva_a_aprovacao_com_uma_transicao(operador):
    processo = processo_aguardando_aprovacao(operador)
    assert processo.status == StatusProcesso.AGUARDANDO_APROVACAO
    assert processo.upload_manual and processo.fatura_sha256 and processo.valor == Decimal("150.00")
    assert processo.fatura.read() == PDF
    transicao = processo.transicoes.get()
    assert (transicao.de, transicao.para, transicao.usuario) == (
        StatusProcesso.AGUARDANDO_DOWNLOAD,
        StatusProcesso.AGUARDANDO_APROVACAO,
        operador,
    )
    execucao = processo.execucoes.get()
    assert (execucao.tipo, execucao.status) == (
        TipoExecucao.UPLOAD_MANUAL,
        StatusExecucao.CONCLUIDO,
    )


@pytest.mark.parametrize(
    ("conteudo", "valor", "vencimento", "mensagem"),
    [
        (b"GIF89a nao sou pdf", Decimal(1), VENCIMENTO, "não é um PDF"),
        (b"%PDF-1.4 cortado no meio", Decimal(1), VENCIMENTO, "incompleto"),
        (b"", Decimal(1), VENCIMENTO, "vazio"),
        (PDF, None, VENCIMENTO, "Informe o valor"),
        (PDF, Decimal(1), None, "Informe o vencimento"),
        (PDF, Decimal(-1), VENCIMENTO, "negativo"),
    ],
)
def test_upload_manual_recusado(operador, conteudo, valor, vencimento, mensagem):
    processo = criar_processo()
    with pytest.raises(AcaoRecusada, match=mensagem):
        acoes.upload_manual(
            processo, pedido(operador), conteudo=conteudo, valor=valor, vencimento=vencimento
        )
    assert estado(processo) == (StatusProcesso.AGUARDANDO_DOWNLOAD, 0, 0)
    assert not processo.fatura


def test_upload_manual_grande_demais(operador, settings):
    settings.TAMANHO_MAXIMO_FATURA = 100
    with pytest.raises(AcaoRecusada, match="passa de"):
        acoes.upload_manual(
            criar_processo(),
            pedido(operador),
            conteudo=PDF + b" " * 200,
            valor=Decimal(1),
            vencimento=VENCIMENTO,
        )


# --- aprovar ------------------------------------------------------------------------------------
def test_aprovar_registra_aprovador_e_observacao(operador, aprovador):
    processo = processo_aguardando_aprovacao(operador)
    acoes.aprovar(processo, pedido(aprovador), observacao="Conferida com o contrato")
    processo.refresh_from_db()
    assert processo.status == StatusProcesso.AGUARDANDO_ENVIO_SAT
    assert processo.aprovado_por == aprovador and processo.aprovado_em
    assert processo.transicoes.order_by("criado_em").last().motivo == "Conferida com o contrato"


def test_operador_nao_aprova(operador):
    processo = processo_aguardando_aprovacao(operador)
    antes = estado(processo)
    with pytest.raises(SemPermissao, match="Só aprovadores e administradores aprovam"):
        acoes.aprovar(processo, pedido(operador))
    assert estado(processo) == antes


def test_aprovar_sem_vencimento_e_recusado(operador, aprovador):
    processo = processo_aguardando_aprovacao(operador)
    processo.vencimento = None
    processo.save()
    with pytest.raises(AcaoRecusada, match="Informe o vencimento"):
        acoes.aprovar(processo, pedido(aprovador))
    acoes.aprovar(processo, pedido(aprovador), vencimento=VENCIMENTO)
    processo.refresh_from_db()
    assert processo.vencimento == VENCIMENTO


def test_quatro_olhos_impede_quem_subiu_de_aprovar(settings, aprovador, administrador):
    settings.QUATRO_OLHOS = True
    processo = processo_aguardando_aprovacao(aprovador)
    with pytest.raises(AcaoRecusada, match="Quatro olhos"):
        acoes.aprovar(processo, pedido(aprovador))
    acoes.aprovar(processo, pedido(administrador))
    assert estado(processo)[0] == StatusProcesso.AGUARDANDO_ENVIO_SAT


def test_sem_quatro_olhos_quem_subiu_pode_aprovar(settings, aprovador):
    settings.QUATRO_OLHOS = False
    processo = processo_aguardando_aprovacao(aprovador)
    acoes.aprovar(processo, pedido(aprovador))
    assert estado(processo)[0] == StatusProcesso.AGUARDANDO_ENVIO_SAT


def test_aprovar_duas_vezes_recusa_a_segunda(operador, aprovador):
    processo = processo_aguardando_aprovacao(operador)
    acoes.aprovar(processo, pedido(aprovador))
    with pytest.raises(
        AcaoRecusada, match="Não é possível aprovar: o processo está em “Aguardando envio ao SAT”"
    ):
        acoes.aprovar(processo, pedido(aprovador))
    assert Transicao.objects.filter(para=StatusProcesso.AGUARDANDO_ENVIO_SAT).count() == 1


# --- rejeitar -----------------------------------------------------------------------------------
def test_rejeitar_volta_para_download_e_limpa_a_aprovacao(operador, aprovador):
    processo = processo_aguardando_aprovacao(operador)
    acoes.rejeitar(processo, pedido(aprovador), motivo="Fatura de outro mês")
    processo.refresh_from_db()
    assert processo.status == StatusProcesso.AGUARDANDO_DOWNLOAD
    assert not processo.fatura and processo.valor is None and processo.aprovado_por is None
    ultima = processo.transicoes.order_by("criado_em").last()
    assert (ultima.para, ultima.motivo, ultima.usuario) == (
        StatusProcesso.AGUARDANDO_DOWNLOAD,
        "Fatura de outro mês",
        aprovador,
    )


@pytest.mark.parametrize("motivo", ["", "   "])
def test_rejeitar_exige_motivo(operador, aprovador, motivo):
    processo = processo_aguardando_aprovacao(operador)
    antes = estado(processo)
    with pytest.raises(AcaoRecusada, match="Informe o motivo"):
        acoes.rejeitar(processo, pedido(aprovador), motivo=motivo)
    assert estado(processo) == antes


def test_operador_nao_rejeita(operador):
    processo = processo_aguardando_aprovacao(operador)
    with pytest.raises(SemPermissao):
        acoes.rejeitar(processo, pedido(operador), motivo="x")


# --- enviar ao SAT e executar novamente ---------------------------------------------------------
def test_enviar_ao_sat_depois_de_aprovar(operador, aprovador):
    processo = processo_aguardando_aprovacao(operador)
    with pytest.raises(AcaoRecusada, match="Não é possível enviar ao SAT"):
        acoes.enviar_ao_sat(processo, pedido(operador))
    acoes.aprovar(processo, pedido(aprovador))
    execucao = acoes.enviar_ao_sat(processo, pedido(operador))
    assert execucao.tipo == TipoExecucao.UPLOAD_SAT
    assert execucao.parametros_entrada["data_vencimento"] == "15/04/2026"
    assert execucao.parametros_entrada["nome_arquivo"].endswith(".pdf")


def test_executar_novamente_escolhe_o_tipo_pelo_status(operador, aprovador):
    processo = criar_processo()
    assert acoes.executar_novamente(processo, pedido(operador)).tipo == TipoExecucao.DOWNLOAD_FATURA
    with pytest.raises(AcaoRecusada, match="Já há uma execução em andamento"):
        acoes.executar_novamente(processo, pedido(operador))
    Execucao.objects.update(status=StatusExecucao.FALHOU)
    assert acoes.executar_novamente(processo, pedido(operador)).numero_tentativa == 1

    outro = processo_aguardando_aprovacao(operador)
    with pytest.raises(AcaoRecusada, match="Não há o que executar de novo"):
        acoes.executar_novamente(outro, pedido(operador))
    acoes.aprovar(outro, pedido(aprovador))
    assert acoes.executar_novamente(outro, pedido(operador)).tipo == TipoExecucao.UPLOAD_SAT
