"""O token JWT global da API RPA (SPEC §4): de onde vem, quando expira, como renovar.

O token global é o do ADMINISTRADOR ativo que guardou um token por último; sem nenhum, vale a
variável API_EXTERNA_TOKEN. Assim, quem cola ou renova um token passa a valer para todo o sistema.
"""

import datetime as dt
from dataclasses import dataclass

import jwt
from django.conf import settings
from django.utils import timezone

from contas.models import Perfil, Usuario
from nucleo.permissoes import Capacidade, pode

DIAS_DE_AVISO = 30


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


def guardar_token(usuario: Usuario, token: str) -> None:
    usuario.api_externa_token = token
    usuario.token_atualizado_em = timezone.now()
    usuario.save(update_fields=["api_externa_token", "token_atualizado_em", "atualizado_em"])


class RenovacaoImpossivel(Exception):
    pass


def renovar_token_global(usuario: Usuario) -> dt.datetime | None:
    """Pede um token novo à API RPA (`/auth/refresh`) e o guarda no administrador."""
    from execucoes.rpa import ClienteRPA

    if not pode(usuario, Capacidade.GERIR_TOKEN):
        raise RenovacaoImpossivel("Só um administrador renova o token da API RPA.")
    if not settings.BRM_TOKEN_PASSWORD:
        raise RenovacaoImpossivel(
            "BRM_TOKEN_PASSWORD não está definida no servidor: sem ela não há como renovar o token."
        )
    emitido = ClienteRPA().renovar_token(settings.BRM_TOKEN_PASSWORD)
    guardar_token(usuario, emitido.token)
    return expiracao(emitido.token)
