"""“Testar conexão”: a API responde? o token é aceito? (SPEC §4) — respostas separadas."""

from dataclasses import dataclass

from contas.token import token_global
from execucoes.rpa import ClienteRPA, ErroRPA, TokenInvalido


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
    cliente = ClienteRPA(token=token_global())
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
