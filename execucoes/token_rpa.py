"""O token JWT global da API RPA: qual vale, até quando, e se a API o recusou.

O token global é o do ADMINISTRADOR ativo que guardou um token por último; sem nenhum, vale a
variável API_EXTERNA_TOKEN. Assim, quem cola ou renova um token passa a valer para todo o sistema.

Recusado pela API, o despacho pára até ela voltar a aceitá-lo ou ele ser trocado; o worker pergunta
de tempos em tempos (`execucoes.conexao.sondar_token`). As perguntas à API ficam em
`execucoes.conexao`; aqui só o que se guarda no banco.
"""

import datetime as dt
import hashlib
import logging
from dataclasses import dataclass

import jwt
from django.conf import settings
from django.utils import timezone

from contas.models import Perfil, Usuario
from execucoes.models import EstadoRPA
from execucoes.prazos import espera_crescente

logger = logging.getLogger(__name__)

DIAS_DE_AVISO = 30
SONDAGEM_INICIAL = 15.0  # segundos até a primeira pergunta depois de um token recusado
SONDAGEM_MAXIMA = 900.0


def _administrador_com_token() -> Usuario | None:
    return (
        Usuario.objects.filter(perfil=Perfil.ADMINISTRADOR, is_active=True)
        .exclude(api_externa_token="")
        .order_by("-token_atualizado_em", "criado_em")
        .first()
    )


def token_global() -> str:
    administrador = _administrador_com_token()
    if administrador is not None:
        return administrador.api_externa_token
    return settings.API_EXTERNA_TOKEN


def guardar_token(usuario: Usuario, token: str) -> None:
    """O único jeito de guardar um token: a data é o que decide qual administrador fornece o
    token global."""
    usuario.api_externa_token = token
    usuario.token_atualizado_em = timezone.now()
    usuario.save(update_fields=["api_externa_token", "token_atualizado_em", "atualizado_em"])


def expiracao(token: str) -> dt.datetime | None:
    """Lê a data do `exp` do JWT, sem conferir a assinatura (a chave é da API RPA, não nossa)."""
    if not token:
        return None
    try:
        dados = jwt.decode(token, options={"verify_signature": False})
    except jwt.PyJWTError:
        return None
    exp = dados.get("exp")
    if not isinstance(exp, int | float):
        return None
    return dt.datetime.fromtimestamp(exp, tz=dt.UTC)


@dataclass(frozen=True)
class SituacaoDoToken:
    existe: bool
    expira_em: dt.datetime | None
    origem: str  # "administrador", "ambiente" ou ""

    @property
    def expirado(self) -> bool:
        return self.expira_em is not None and self.expira_em <= timezone.now()

    @property
    def dias_restantes(self) -> int | None:
        if self.expira_em is None:
            return None
        return (self.expira_em - timezone.now()).days

    @property
    def aviso(self) -> str:
        """Texto do aviso do topo das páginas; vazio quando está tudo bem."""
        if not self.existe:
            return "Não há token da API RPA configurado: os robôs não vão rodar."
        if self.expira_em is None:
            return "O token da API RPA não tem data de expiração legível (não é um JWT válido)."
        if self.expirado:
            return "O token da API RPA expirou: os robôs não vão rodar até ele ser renovado."
        if self.dias_restantes < DIAS_DE_AVISO:
            quando = timezone.localtime(self.expira_em).strftime("%d/%m/%Y")
            return f"O token da API RPA expira em {self.dias_restantes} dia(s) ({quando})."
        return ""


def situacao() -> SituacaoDoToken:
    administrador = _administrador_com_token()
    if administrador is not None:
        token, origem = administrador.api_externa_token, "administrador"
    else:
        token, origem = settings.API_EXTERNA_TOKEN, "ambiente" if settings.API_EXTERNA_TOKEN else ""
    return SituacaoDoToken(existe=bool(token), expira_em=expiracao(token), origem=origem)


# --- Recusado pela API -----------------------------------------------------------------------
def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def token_recusado() -> bool:
    """O token global atual foi recusado pela API? Então o despacho espera (e o worker sonda)."""
    estado = EstadoRPA.atual()
    return bool(estado.token_recusado_digest) and estado.token_recusado_digest == _digest(
        token_global()
    )


def marcar_token(token: str, *, recusado: bool) -> None:
    if recusado:
        EstadoRPA.atual()  # a linha única existe antes do update
        atualizadas = (
            EstadoRPA.objects.filter(id=1)
            .exclude(token_recusado_digest=_digest(token))
            .update(
                token_recusado_em=timezone.now(),
                token_recusado_digest=_digest(token),
                token_sondagens=0,
                token_proxima_sondagem_em=timezone.now(),
            )
        )
        if atualizadas:
            logger.error("RPA API refused the global token; dispatch paused, probing it")
        return
    retomado = (
        EstadoRPA.objects.filter(id=1)
        .exclude(token_recusado_digest="")
        .update(
            token_recusado_em=None,
            token_recusado_digest="",
            token_sondagens=0,
            token_proxima_sondagem_em=None,
        )
    )
    if retomado:
        logger.warning("RPA API accepts the global token again; dispatch resumed")


def hora_de_sondar() -> bool:
    """O token está recusado e chegou a hora de perguntar à API se ela o aceita de novo."""
    proxima = EstadoRPA.atual().token_proxima_sondagem_em
    return token_recusado() and not (proxima and proxima > timezone.now())


def adiar_sondagem(*, perguntou_em: dt.datetime) -> None:
    """A API não aceitou o token (ou não respondeu): a próxima pergunta espera mais — 15 s, 30 s,
    1 min… até 15 min, contados de quando a pergunta saiu."""
    sondagens = EstadoRPA.atual().token_sondagens + 1
    espera = espera_crescente(sondagens, base=SONDAGEM_INICIAL, maximo=SONDAGEM_MAXIMA)
    EstadoRPA.objects.filter(id=1).update(
        token_sondagens=sondagens,
        token_proxima_sondagem_em=perguntou_em + dt.timedelta(seconds=espera),
    )
