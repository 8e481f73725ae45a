"""“Testar conexão”: a API responde? o token é aceito? (SPEC §4) — respostas separadas."""

from dataclasses import dataclass

from urllib3 import Timeout

from contas.token import token_global
from execucoes.rpa import TEMPO_CONEXAO, ClienteRPA, ErroRPA, TokenInvalido

# Alguém espera na tela: cada chamada (saúde, token) tem no máximo 3,5 s, sem repetição. Uma API
# que trava responde "não respondeu a tempo" em segundos, não depois de quatro esperas de 15 s.
PRAZO_DE_CADA_CHAMADA = Timeout(connect=TEMPO_CONEXAO, read=3.0, total=3.5)


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
    cliente = ClienteRPA(
        token=token_global(), tempo_limite=PRAZO_DE_CADA_CHAMADA, repetir_gets=False
    )
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
