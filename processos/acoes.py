"""As ações do fluxo, uma função cada, usadas pelo admin, API, worker e comandos.

Cada uma roda numa transação com a linha do processo travada, confere o perfil de quem pede e o
estado atual pela sua guarda (`recusa_de_…`, a mesma que a página usa para mostrar os botões), e
recusa o que não cabe com uma mensagem em pt-BR, sem mudar nada. Iniciar um robô só registra uma
execução PENDENTE; o HTTP é com o worker. O que cada botão diz e pergunta: `registro_de_acoes`.
"""

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from django.conf import settings
from django.db import IntegrityError, models, transaction
from django.utils import timezone

from execucoes.models import (
    STATUS_ATIVOS,
    Execucao,
    LogExecucao,
    NivelLog,
    StatusExecucao,
    TipoExecucao,
)
from execucoes.parametros import parametros_mascarados
from nucleo.erros import AcaoRecusada, SemPermissao
from nucleo.permissoes import Capacidade, pode
from processos.andamento import andamento_da
from processos.fatura import FaturaInvalida, guardar_fatura
from processos.leitura_da_fatura import completar_pelo_pdf
from processos.models import ETAPA_DO_STATUS, Processo, StatusProcesso

# Os valores da fatura e as marcas de “lido do PDF”, gravados sempre juntos.
CAMPOS_DOS_VALORES = ("valor", "vencimento", "valor_lido_do_pdf", "vencimento_lido_do_pdf")


@dataclass(frozen=True)
class Pedido:
    """Quem pede e de onde (vai para a Transicao e para a Execucao)."""

    usuario: object
    origem: str
    ip: str | None = None
    user_agent: str = ""

    @classmethod
    def do_request(cls, request, origem: str) -> "Pedido":
        return cls(
            usuario=request.user,
            origem=origem,
            ip=request.META.get("REMOTE_ADDR"),
            user_agent=request.META.get("HTTP_USER_AGENT", ""),
        )


def _travar(processo) -> Processo:
    processo_id = getattr(processo, "pk", processo)
    return (
        Processo.objects.select_for_update(of=("self",))
        .select_related("cliente__operadora")
        .get(pk=processo_id)
    )


def _exigir(condicao: bool, mensagem: str) -> None:
    if not condicao:
        raise AcaoRecusada(mensagem)


def _recusar_se(recusa: AcaoRecusada | None) -> None:
    if recusa is not None:
        raise recusa


# --- as guardas ---------------------------------------------------------------------------------
# Quem pode e em que estado, sem efeito nenhum: devolvem a recusa (sem levantá-la) ou None. O
# serviço levanta a recusa dentro da transação, com o processo travado; a página só pergunta se há
# uma. `ativa` é a execução em andamento, ou None: `execucao_ativa`, uma consulta só, por mais
# execuções que o processo tenha.


def _quem_opera(usuario) -> SemPermissao | None:
    """O sistema (usuario None: worker, comandos) também opera."""
    if usuario is None or pode(usuario, Capacidade.OPERAR):
        return None
    return SemPermissao("Seu perfil não permite esta ação.")


def _pessoa_que_opera(usuario) -> SemPermissao | None:
    """Cancelar é decisão de uma pessoa (o nome e o motivo vão para o log), nunca do sistema."""
    if pode(usuario, Capacidade.OPERAR):
        return None
    return SemPermissao("Seu perfil não permite esta ação.")


def _quem_aprova(usuario, verbo: str) -> SemPermissao | None:
    if pode(usuario, Capacidade.APROVAR):
        return None
    return SemPermissao(f"Só aprovadores e administradores {verbo} faturas.")


def exigir_aprovador(usuario, verbo: str) -> None:
    """Aprovar e rejeitar são do APROVADOR e do ADMINISTRADOR (a API confere antes do corpo)."""
    _recusar_se(_quem_aprova(usuario, verbo))


def _fora_do_status(processo: Processo, status: str, acao: str) -> AcaoRecusada | None:
    if processo.status == status:
        return None
    return AcaoRecusada(
        f"Não é possível {acao}: o processo está em “{processo.get_status_display()}”."
    )


def _em_andamento(ativa: Execucao | None) -> AcaoRecusada | None:
    if ativa is None:
        return None
    return AcaoRecusada(
        f"Já há uma execução em andamento neste processo ({ativa.get_tipo_display()}, "
        f"{ativa.get_status_display().lower()})."
    )


def _nada_em_andamento(ativa: Execucao | None) -> AcaoRecusada | None:
    return None if ativa else AcaoRecusada("Não há execução em andamento neste processo.")


def _robo_indisponivel(processo: Processo) -> AcaoRecusada | None:
    operadora = processo.cliente.operadora
    if not operadora.ativo:
        return AcaoRecusada(f"A operadora {operadora} está inativa.")
    if not processo.cliente.ativo:
        return AcaoRecusada("O cliente está inativo.")
    if not operadora.possui_rpa:
        return AcaoRecusada(
            f"A operadora {operadora} não tem robô: envie a fatura pelo upload manual."
        )
    return None


def _sem_fatura(processo: Processo, para: str) -> AcaoRecusada | None:
    return None if processo.fatura else AcaoRecusada(f"O processo não tem fatura para {para}.")


def _sem_fatura_para_o_sat(processo: Processo) -> AcaoRecusada | None:
    return _sem_fatura(processo, "enviar ao SAT")


# O que cada robô precisa além do status (a etapa vem de `processos.models.ETAPAS_DO_ROBO`).
_PRONTO_PARA_O_ROBO = {
    TipoExecucao.DOWNLOAD_FATURA: _robo_indisponivel,
    TipoExecucao.UPLOAD_SAT: _sem_fatura_para_o_sat,
}


def recusa_de_executar_download(
    processo: Processo, usuario, ativa: Execucao | None
) -> AcaoRecusada | None:
    return (
        _quem_opera(usuario)
        or _fora_do_status(processo, StatusProcesso.AGUARDANDO_DOWNLOAD, "baixar a fatura")
        or _robo_indisponivel(processo)
        or _em_andamento(ativa)
    )


def recusa_de_enviar_ao_sat(
    processo: Processo, usuario, ativa: Execucao | None
) -> AcaoRecusada | None:
    return (
        _quem_opera(usuario)
        or _fora_do_status(processo, StatusProcesso.AGUARDANDO_ENVIO_SAT, "enviar ao SAT")
        or _sem_fatura_para_o_sat(processo)
        or _em_andamento(ativa)
    )


def _nada_para_executar_de_novo(processo: Processo) -> AcaoRecusada | None:
    etapa = ETAPA_DO_STATUS.get(processo.status)
    if etapa is None:
        return AcaoRecusada(
            f"Não há o que executar de novo: o processo está em “{processo.get_status_display()}”."
        )
    return _PRONTO_PARA_O_ROBO[etapa.tipo](processo)


def recusa_de_executar_novamente(
    processo: Processo, usuario, ativa: Execucao | None
) -> AcaoRecusada | None:
    return _quem_opera(usuario) or _em_andamento(ativa) or _nada_para_executar_de_novo(processo)


def recusa_de_upload_manual(
    processo: Processo, usuario, ativa: Execucao | None
) -> AcaoRecusada | None:
    return (
        _quem_opera(usuario)
        or _fora_do_status(processo, StatusProcesso.AGUARDANDO_DOWNLOAD, "enviar a fatura à mão")
        or _em_andamento(ativa)
    )


def recusa_de_aprovar(processo: Processo, usuario, ativa: Execucao | None) -> AcaoRecusada | None:
    """Com o robô rodando no processo ninguém aprova nem rejeita (o fluxo nunca chega lá)."""
    return (
        _quem_aprova(usuario, "aprovam")
        or _fora_do_status(processo, StatusProcesso.AGUARDANDO_APROVACAO, "aprovar")
        or _sem_fatura(processo, "aprovar")
        or _em_andamento(ativa)
    )


def recusa_de_rejeitar(processo: Processo, usuario, ativa: Execucao | None) -> AcaoRecusada | None:
    return (
        _quem_aprova(usuario, "rejeitam")
        or _fora_do_status(processo, StatusProcesso.AGUARDANDO_APROVACAO, "rejeitar")
        or _em_andamento(ativa)
    )


def _sem_espera(ativa: Execucao | None) -> AcaoRecusada | None:
    andamento = andamento_da(ativa)
    if andamento is not None and andamento.esperando_nova_tentativa:
        return None
    return AcaoRecusada("Nenhuma execução deste processo está esperando uma nova tentativa.")


def recusa_de_tentar_agora(
    processo: Processo, usuario, ativa: Execucao | None
) -> AcaoRecusada | None:
    return _quem_opera(usuario) or _sem_espera(ativa)


def recusa_de_cancelar_execucao(
    processo: Processo, usuario, ativa: Execucao | None
) -> AcaoRecusada | None:
    return _pessoa_que_opera(usuario) or _nada_em_andamento(ativa)


# --- os serviços --------------------------------------------------------------------------------


def execucao_ativa(processo) -> Execucao | None:
    """A execução em andamento (o banco garante no máximo uma por processo)."""
    return Execucao.objects.filter(processo=processo, status__in=STATUS_ATIVOS).first()


def _nova_execucao(processo: Processo, tipo: str, pedido: Pedido, **campos) -> Execucao:
    try:
        with transaction.atomic():
            execucao = Execucao.objects.create(
                processo=processo,
                tipo=tipo,
                parametros_entrada=parametros_mascarados(tipo, processo),
                executado_por=pedido.usuario,
                ip_origem=pedido.ip,
                user_agent=pedido.user_agent[:500],
                **campos,
            )
    except IntegrityError:
        # Outra pessoa iniciou uma execução no mesmo instante: o banco garantiu que só uma vale.
        raise AcaoRecusada("Já há uma execução em andamento neste processo.") from None
    Processo.registrar_execucao(execucao)
    return execucao


def _travar_e_conferir(processo, pedido: Pedido, recusa) -> Processo:
    """O processo travado, se a guarda não recusa (chame dentro de uma transação)."""
    processo = _travar(processo)
    _recusar_se(recusa(processo, pedido.usuario, execucao_ativa(processo)))
    return processo


def executar_download(processo, pedido: Pedido) -> Execucao:
    with transaction.atomic():
        processo = _travar_e_conferir(processo, pedido, recusa_de_executar_download)
        return _nova_execucao(processo, TipoExecucao.DOWNLOAD_FATURA, pedido)


def enviar_ao_sat(processo, pedido: Pedido) -> Execucao:
    with transaction.atomic():
        processo = _travar_e_conferir(processo, pedido, recusa_de_enviar_ao_sat)
        return _nova_execucao(processo, TipoExecucao.UPLOAD_SAT, pedido)


@dataclass(frozen=True)
class ResultadoEmLote:
    iniciadas: int
    recusadas: int  # a guarda não deixou (estado, robô, execução em andamento)


# Processos travados e execuções gravadas por vez, num INSERT por lote.
PROCESSOS_POR_LOTE = 500
_GUARDA_DO_ROBO = {
    TipoExecucao.DOWNLOAD_FATURA: recusa_de_executar_download,
    TipoExecucao.UPLOAD_SAT: recusa_de_enviar_ao_sat,
}
_SERVICO_DO_ROBO = {
    TipoExecucao.DOWNLOAD_FATURA: executar_download,
    TipoExecucao.UPLOAD_SAT: enviar_ao_sat,
}


def iniciar_robo_em_lote(
    processos: models.QuerySet, pedido: Pedido, *, tipo: str
) -> ResultadoEmLote:
    """`executar_download` ou `enviar_ao_sat` para milhares de processos (os agendamentos): a
    mesma guarda, com os processos travados, e as execuções PENDENTE gravadas num INSERT por lote
    de 500. 10 mil processos em segundos, não em minutos."""
    ids = list(processos.order_by("pk").values_list("pk", flat=True))
    iniciadas = 0
    for inicio in range(0, len(ids), PROCESSOS_POR_LOTE):
        iniciadas += _iniciar_lote(ids[inicio : inicio + PROCESSOS_POR_LOTE], pedido, tipo)
    return ResultadoEmLote(iniciadas=iniciadas, recusadas=len(ids) - iniciadas)


def _iniciar_lote(ids, pedido: Pedido, tipo: str) -> int:
    guarda = _GUARDA_DO_ROBO[tipo]
    try:
        with transaction.atomic():
            # Na ordem das chaves: dois lotes que se cruzam não travam um ao outro.
            travados = (
                Processo.objects.select_for_update(of=("self",))
                .select_related("cliente__operadora")
                .filter(pk__in=ids)
                .order_by("pk")
            )
            ativas = {
                execucao.processo_id: execucao
                for execucao in Execucao.objects.filter(processo__in=ids, status__in=STATUS_ATIVOS)
            }
            aceitos = [p for p in travados if guarda(p, pedido.usuario, ativas.get(p.pk)) is None]
            novas = Execucao.objects.bulk_create(
                Execucao(
                    processo=processo,
                    tipo=tipo,
                    parametros_entrada=parametros_mascarados(tipo, processo),
                    executado_por=pedido.usuario,
                    ip_origem=pedido.ip,
                    user_agent=pedido.user_agent[:500],
                )
                for processo in aceitos
            )
            Processo.registrar_execucoes(novas)
            return len(novas)
    except IntegrityError:
        # O banco recusou uma segunda execução ativa (alguma nasceu sem passar pela trava do
        # processo): o lote inteiro voltou atrás e vai um a um, pelo serviço de cada processo.
        return sum(_iniciar_um(processo_id, pedido, tipo) for processo_id in ids)


def _iniciar_um(processo_id, pedido: Pedido, tipo: str) -> int:
    try:
        _SERVICO_DO_ROBO[tipo](processo_id, pedido)
    except AcaoRecusada:
        return 0
    return 1


def executar_novamente(processo, pedido: Pedido) -> Execucao:
    """Uma nova execução do robô que o status atual espera (download ou envio ao SAT)."""
    with transaction.atomic():
        processo = _travar_e_conferir(processo, pedido, recusa_de_executar_novamente)
        return _nova_execucao(processo, ETAPA_DO_STATUS[processo.status].tipo, pedido)


def aprovar(
    processo,
    pedido: Pedido,
    *,
    observacao: str = "",
    valor: Decimal | None = None,
    vencimento: dt.date | None = None,
) -> Processo:
    with transaction.atomic():
        processo = _travar_e_conferir(processo, pedido, recusa_de_aprovar)
        _exigir(valor is None or valor >= 0, "O valor não pode ser negativo.")
        _valores_para_aprovar(processo, valor, vencimento)
        _exigir(processo.vencimento is not None, "Informe o vencimento da fatura antes de aprovar.")
        if settings.QUATRO_OLHOS and processo.upload_manual:
            _exigir(
                _quem_subiu(processo) != pedido.usuario,
                "Quatro olhos: quem enviou a fatura à mão não pode aprová-la.",
            )
        processo.aprovado_por = pedido.usuario
        processo.aprovado_em = timezone.now()
        processo.mudar_status(
            StatusProcesso.AGUARDANDO_ENVIO_SAT,
            usuario=pedido.usuario,
            origem=pedido.origem,
            motivo=observacao.strip(),
            campos=["aprovado_por", "aprovado_em", *CAMPOS_DOS_VALORES],
        )
    return processo


def _valores_para_aprovar(processo: Processo, valor, vencimento) -> None:
    """Os valores com que se aprova, num lugar só (a fila, a página, o lote e a API): os que a
    pessoa informou; senão os do processo (do robô, ou lidos do PDF quando a fatura chegou);
    senão os lidos agora do PDF (faturas de antes da leitura), marcados para conferir."""
    if (valor is None and processo.valor is None) or (
        vencimento is None and processo.vencimento is None
    ):
        completar_pelo_pdf(processo)
    if valor is not None:
        processo.valor, processo.valor_lido_do_pdf = valor, False
    if vencimento is not None:
        processo.vencimento, processo.vencimento_lido_do_pdf = vencimento, False


def _quem_subiu(processo: Processo):
    execucao = (
        processo.execucoes.filter(tipo=TipoExecucao.UPLOAD_MANUAL)
        .select_related("executado_por")
        .order_by("-criado_em")
        .first()
    )
    return execucao.executado_por if execucao else None


def rejeitar(processo, pedido: Pedido, *, motivo: str) -> Processo:
    """Volta para AGUARDANDO_DOWNLOAD e limpa a aprovação e a fatura rejeitada."""
    exigir_aprovador(pedido.usuario, "rejeitam")  # quem não pode ouve isso antes de falar do motivo
    motivo = (motivo or "").strip()
    _exigir(bool(motivo), "Informe o motivo da rejeição.")
    with transaction.atomic():
        processo = _travar_e_conferir(processo, pedido, recusa_de_rejeitar)
        processo.aprovado_por = None
        processo.aprovado_em = None
        processo.fatura = ""
        processo.fatura_sha256 = ""
        processo.valor = None
        processo.vencimento = None
        processo.valor_lido_do_pdf = processo.vencimento_lido_do_pdf = False
        processo.upload_manual = False
        processo.mudar_status(
            StatusProcesso.AGUARDANDO_DOWNLOAD,
            usuario=pedido.usuario,
            origem=pedido.origem,
            motivo=motivo,
            campos=[
                "aprovado_por",
                "aprovado_em",
                "fatura",
                "fatura_sha256",
                "upload_manual",
                *CAMPOS_DOS_VALORES,
            ],
        )
    return processo


def upload_manual(
    processo, pedido: Pedido, *, conteudo: bytes, valor: Decimal | None, vencimento: dt.date | None
) -> Execucao:
    """A fatura enviada à mão (PDF, com valor e vencimento) vai direto para aprovação."""
    _recusar_se(_quem_opera(pedido.usuario))  # quem não pode ouve isso antes de falar dos dados
    _exigir(valor is not None, "Informe o valor da fatura.")
    _exigir(valor is None or valor >= 0, "O valor não pode ser negativo.")
    _exigir(vencimento is not None, "Informe o vencimento da fatura.")
    with transaction.atomic():
        processo = _travar_e_conferir(processo, pedido, recusa_de_upload_manual)
        try:
            guardar_fatura(processo, conteudo)
        except FaturaInvalida as erro:
            raise AcaoRecusada(str(erro)) from None
        agora = timezone.now()
        execucao = _nova_execucao(
            processo,
            TipoExecucao.UPLOAD_MANUAL,
            pedido,
            status=StatusExecucao.CONCLUIDO,
            progresso=100,
            iniciada_em=agora,
            finalizada_em=agora,
            resultado={"arquivo": processo.fatura.name, "sha256": processo.fatura_sha256},
        )
        processo.valor = valor
        processo.vencimento = vencimento
        processo.valor_lido_do_pdf = processo.vencimento_lido_do_pdf = False
        processo.upload_manual = True
        processo.mudar_status(
            StatusProcesso.AGUARDANDO_APROVACAO,
            usuario=pedido.usuario,
            origem=pedido.origem,
            motivo="Fatura enviada à mão",
            campos=["fatura", "fatura_sha256", "upload_manual", *CAMPOS_DOS_VALORES],
        )
    return execucao


def cancelar_execucao(execucao, pedido: Pedido, *, motivo: str) -> Execucao:
    """Encerra uma execução em andamento (PENDENTE ou EXECUTANDO) para o processo rodar de novo.

    O status do processo não muda. O `job_id` fica: a API RPA não cancela jobs, e o job continua
    desta execução, para nunca ser atribuído a outra; quando ele terminar, o worker ignora o
    desfecho, porque a execução já não está ativa.
    """
    _recusar_se(_pessoa_que_opera(pedido.usuario))
    motivo = (motivo or "").strip()
    _exigir(bool(motivo), "Informe o motivo do cancelamento.")
    with transaction.atomic():
        execucao = Execucao.objects.select_for_update().get(pk=getattr(execucao, "pk", execucao))
        _exigir(
            execucao.ativa,
            f"A execução já terminou ({execucao.get_status_display().lower()}).",
        )
        agora = timezone.now()
        nome = str(pedido.usuario)
        execucao.status = StatusExecucao.CANCELADO
        execucao.finalizada_em = agora
        execucao.envio_iniciado_em = None
        execucao.proxima_consulta_em = None
        execucao.cancelada_por = pedido.usuario
        execucao.erro = f"Cancelada por {nome}: {motivo}"
        execucao.save(
            update_fields=[
                "status",
                "finalizada_em",
                "envio_iniciado_em",
                "proxima_consulta_em",
                "cancelada_por",
                "erro",
                "atualizado_em",
            ]
        )
        Processo.registrar_execucao(execucao)
        LogExecucao.objects.create(
            execucao=execucao,
            nivel=NivelLog.WARN,
            mensagem=f"Execução cancelada por {nome}: {motivo}",
            momento=agora,
            chave="brm:cancelada",
        )
    return execucao


def tentar_agora(processo, pedido: Pedido) -> Execucao:
    """Tira a espera da nova tentativa: o despacho pega a execução na próxima volta do worker,
    na ordem da fila. Não gasta tentativa nem cria execução."""
    with transaction.atomic():
        processo = _travar(processo)
        ativa = (
            Execucao.objects.select_for_update()
            .filter(processo=processo, status__in=STATUS_ATIVOS)
            .first()
        )
        _recusar_se(recusa_de_tentar_agora(processo, pedido.usuario, ativa))
        ativa.executar_apos = None
        ativa.save(update_fields=["executar_apos", "atualizado_em"])
        quem = str(pedido.usuario) if pedido.usuario else "o sistema"
        LogExecucao.objects.create(
            execucao=ativa,
            nivel=NivelLog.INFO,
            mensagem=f"Nova tentativa antecipada por {quem}: vai para o robô agora.",
            momento=timezone.now(),
        )
    return ativa


def cancelar_execucao_ativa(processo, pedido: Pedido, *, motivo: str) -> Execucao:
    """O botão da página do processo: cancela a execução que estiver em andamento nele."""
    ativa = execucao_ativa(processo)
    _recusar_se(recusa_de_cancelar_execucao(processo, pedido.usuario, ativa))
    return cancelar_execucao(ativa, pedido, motivo=motivo)
