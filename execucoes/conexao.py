"""A conexão com a API RPA: em que endereço, com que token e prazos (`cliente_rpa`, o único lugar
que monta um ClienteRPA), e o que se pergunta à API sobre a própria conexão — “Testar conexão”,
a sondagem do token recusado e a renovação do token global.
"""

import datetime as dt
import logging
from dataclasses import dataclass

from django.conf import settings
from django.utils import timezone
from urllib3 import Timeout

from contas.models import Usuario
from execucoes.models import Execucao, TipoExecucao
from execucoes.rpa import TEMPO_CONEXAO, ClienteRPA, ErroRPA, Saude, TokenInvalido
from execucoes.token_rpa import (
    adiar_sondagem,
    expiracao,
    guardar_token,
    hora_de_sondar,
    marcar_token,
    token_global,
)
from nucleo import logs
from nucleo.permissoes import Capacidade, pode

logger = logging.getLogger(__name__)

# Alguém espera na tela: cada chamada (saúde, token) tem no máximo 3,5 s, sem repetição. Uma API
# que trava responde "não respondeu a tempo" em segundos, não depois de quatro esperas de 15 s.
PRAZO_NA_TELA = Timeout(connect=TEMPO_CONEXAO, read=3.0, total=3.5)


def url_da_api(execucao: Execucao) -> str:
    """Onde o job desta execução é criado: downloads no host da operadora (quando ela tem um),
    envios ao SAT sempre na API global — o robô do SAT é o nosso, não o do terceiro."""
    if execucao.tipo == TipoExecucao.DOWNLOAD_FATURA:
        operadora = execucao.processo.cliente.operadora
        return (operadora.url_endpoint_rpa or settings.API_EXTERNA_URL).rstrip("/")
    return settings.API_EXTERNA_URL.rstrip("/")


def cliente_rpa(
    *, execucao: Execucao | None = None, url: str = "", na_tela: bool = False
) -> ClienteRPA:
    """Um cliente com o token global, para a API onde o job da `execucao` foi criado, a de `url`,
    ou a global. `na_tela`: alguém espera a resposta — prazo curto e nenhuma repetição."""
    if execucao is not None:
        # Daqui em diante, as linhas de log deste dever (ou desta consulta) são desta execução.
        logs.definir(execucao_id=execucao.pk, job_id=execucao.job_id)
        url = execucao.url_rpa or url_da_api(execucao)
    url = url or settings.API_EXTERNA_URL
    if na_tela:
        return ClienteRPA(url, token_global(), tempo_limite=PRAZO_NA_TELA, repetir_gets=False)
    return ClienteRPA(url, token_global())


def saude_da_api(prazo: float) -> Saude:
    """`GET /health` da API global, sem token (a saúde é pública e não lê o banco), sem repetir,
    em no máximo `prazo` segundos: a sonda de prontidão (`brm.saude`). Levanta ErroRPA."""
    tempo = Timeout(connect=prazo, read=prazo, total=prazo)
    return ClienteRPA(settings.API_EXTERNA_URL, tempo_limite=tempo, repetir_gets=False).saude()


# --- Testar conexão ----------------------------------------------------------------------------
@dataclass(frozen=True)
class Verificacao:
    ok: bool
    mensagem: str


@dataclass(frozen=True)
class ResultadoDoTeste:
    url: str
    api: Verificacao
    token: Verificacao

    @property
    def ok(self) -> bool:
        return self.api.ok and self.token.ok


def testar_conexao() -> ResultadoDoTeste:
    """A API responde? o token é aceito? — respostas separadas."""
    cliente = cliente_rpa(na_tela=True)
    try:
        saude = cliente.saude()
        api = Verificacao(
            saude.saudavel,
            f"A API respondeu: {saude.mensagem or 'ok'} ({saude.jobs_ativos} job(s) em execução, "
            f"{saude.jobs_pendentes} na fila).",
        )
    except ErroRPA as erro:
        api = Verificacao(False, str(erro))
    return ResultadoDoTeste(url=cliente.base_url, api=api, token=_verificar_token(cliente, api))


def _verificar_token(cliente: ClienteRPA, api: Verificacao) -> Verificacao:
    if not cliente.token:
        return Verificacao(
            False, "Não há token configurado (nem de administrador, nem no ambiente)."
        )
    if not api.ok:
        return Verificacao(False, "Não verificado: a API não respondeu.")
    try:
        atual = cliente.token_atual()
    except TokenInvalido:
        return Verificacao(False, "A API recusou o token: inválido ou expirado.")
    except ErroRPA as erro:
        return Verificacao(False, f"Não foi possível verificar o token: {erro}")
    dias = atual.minutos_restantes // (60 * 24)
    return Verificacao(True, f"Token aceito; expira em {dias} dia(s).")


# --- O token global diante da API --------------------------------------------------------------
def sondar_token() -> None:
    """Com o token recusado, pergunta à API de tempos em tempos se ela o aceita de novo."""
    if not hora_de_sondar():
        return
    perguntou_em = timezone.now()
    cliente = cliente_rpa()
    try:
        cliente.token_atual()
    except TokenInvalido:
        adiar_sondagem(perguntou_em=perguntou_em)
    except ErroRPA as erro:
        logger.warning("Cannot probe the RPA token now: %s", erro)
        adiar_sondagem(perguntou_em=perguntou_em)
    else:
        marcar_token(cliente.token or "", recusado=False)


class RenovacaoImpossivel(Exception):
    """`str(erro)` diz à equipe, em pt-BR, por que não saiu um token novo."""


def renovar_token_global(usuario: Usuario) -> dt.datetime | None:
    """Pede um token novo à API RPA (`/auth/refresh`), guarda-o no administrador e devolve até
    quando ele vale (None se o token não traz a data)."""
    if not pode(usuario, Capacidade.GERIR_TOKEN):
        raise RenovacaoImpossivel("Só um administrador renova o token da API RPA.")
    if not settings.BRM_TOKEN_PASSWORD:
        raise RenovacaoImpossivel(
            "BRM_TOKEN_PASSWORD não está definida no servidor: sem ela não há como renovar o token."
        )
    try:
        emitido = cliente_rpa().renovar_token(settings.BRM_TOKEN_PASSWORD)
    except ErroRPA as erro:
        raise RenovacaoImpossivel(str(erro)) from None
    guardar_token(usuario, emitido.token)
    return expiracao(emitido.token)
