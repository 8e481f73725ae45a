"""O único ponto de contato com a API RPA (RPA-API.md); nada mais no projeto a chama por `requests`.

Resultados tipados, erros tipados com mensagens em pt-BR, tempos-limite em toda chamada. GETs são
repetidos em erro de conexão (com espera crescente); POSTs que criam jobs nunca são repetidos às
cegas — quem chama decide. Nenhum segredo (token, senha do portal) vai para log, exceção ou texto de
erro: corpos de resposta nunca são repetidos literalmente.
"""

import datetime as dt
import json
import logging
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import requests
from django.conf import settings
from urllib3.exceptions import ConnectTimeoutError, NewConnectionError

logger = logging.getLogger(__name__)

TEMPO_CONEXAO = 3.05
TEMPO_LEITURA = 15
TEMPO_LEITURA_STREAM = 60  # o simulador e a API mandam keep-alive bem antes disso
TAMANHO_MAXIMO_ARQUIVO = 20 * 1024 * 1024
ESPERAS_GET = (0.25, 0.75, 2.0)


# --- Erros -----------------------------------------------------------------------------------
class ErroRPA(Exception):
    """Erro ao falar com a API RPA; `str(erro)` é uma mensagem em pt-BR para a equipe."""

    mensagem = "Erro ao falar com a API RPA."

    def __init__(self, mensagem: str | None = None):
        super().__init__(mensagem or self.mensagem)


class RPAIndisponivel(ErroRPA):
    mensagem = "A API RPA não respondeu (fora do ar ou inacessível)."

    def __init__(self, mensagem: str | None = None, *, nao_chegou: bool = False):
        super().__init__(mensagem)
        # Verdadeiro só quando o pedido certamente não chegou à API (conexão recusada):
        # então reenviar um POST não duplica nada. Nos demais casos, o job pode ter sido criado.
        self.nao_chegou = nao_chegou


class TokenInvalido(ErroRPA):
    mensagem = "A API RPA recusou o token: inválido ou expirado. Renove o token global."


class OperadoraNaoEncontrada(ErroRPA):
    mensagem = "A API RPA não conhece esta operadora."


class DadosInvalidos(ErroRPA):
    def __init__(self, campos: list[str]):
        self.campos = campos
        lista = ", ".join(campos) if campos else "(não informados)"
        super().__init__(f"A API RPA recusou os dados enviados; campos com problema: {lista}.")


class JobNaoEncontrado(ErroRPA):
    mensagem = "A API RPA não encontrou o job (id desconhecido ou já expurgado)."


class RespostaInesperada(ErroRPA):
    mensagem = "A API RPA deu uma resposta inesperada."


class ChaveDeRenovacaoRecusada(ErroRPA):
    mensagem = "A API RPA recusou a chave de renovação (BRM_TOKEN_PASSWORD)."


# --- Resultados ------------------------------------------------------------------------------
@dataclass(frozen=True)
class JobCriado:
    job_id: str
    status: str
    mensagem: str


@dataclass(frozen=True)
class LinhaDeLog:
    momento: dt.datetime | None
    mensagem: str


@dataclass(frozen=True)
class StatusDoJob:
    job_id: str
    operadora: str
    status: str  # PENDING, RUNNING, COMPLETED, FAILED
    progresso: int
    resultado: Any
    erro: str
    criado_em: dt.datetime | None
    iniciado_em: dt.datetime | None
    concluido_em: dt.datetime | None
    logs: list[LinhaDeLog] = field(default_factory=list)

    @property
    def terminou(self) -> bool:
        return self.status in ("COMPLETED", "FAILED")


@dataclass(frozen=True)
class Saude:
    saudavel: bool
    mensagem: str
    jobs_pendentes: int
    jobs_ativos: int


@dataclass(frozen=True)
class TokenEmitido:
    token: str
    validade_dias: int


@dataclass(frozen=True)
class TokenAtual:
    minutos_restantes: int


@dataclass(frozen=True)
class Evento:
    """Um evento de `/events/logs`: `tipo` é connection, log, system_status, …"""

    tipo: str
    dados: dict

    @property
    def job_id(self) -> str:
        return str(self.dados.get("job_id") or "")

    @property
    def nivel(self) -> str:
        return str(self.dados.get("level") or "INFO").upper()

    @property
    def mensagem(self) -> str:
        return str(self.dados.get("message") or "")

    @property
    def momento(self) -> dt.datetime | None:
        return ler_momento(self.dados.get("timestamp"))


def ler_momento(valor) -> dt.datetime | None:
    """ISO 8601; sem fuso quer dizer UTC (RPA-API.md)."""
    if not isinstance(valor, str) or not valor:
        return None
    try:
        momento = dt.datetime.fromisoformat(valor.replace("Z", "+00:00"))
    except ValueError:
        return None
    return momento if momento.tzinfo else momento.replace(tzinfo=dt.UTC)


# --- Cliente ---------------------------------------------------------------------------------
class ClienteRPA:
    def __init__(self, base_url: str | None = None, token: str | None = None, sessao=None):
        self.base_url = (base_url or settings.API_EXTERNA_URL).rstrip("/")
        self.token = token
        self.sessao = sessao or requests.Session()

    @classmethod
    def para_operadora(cls, operadora=None) -> "ClienteRPA":
        """Cliente com a URL da operadora (ou a global) e o token global."""
        from contas.token import token_global

        base = getattr(operadora, "url_endpoint_rpa", "") or settings.API_EXTERNA_URL
        return cls(base_url=base, token=token_global())

    # Jobs
    def executar_download(
        self, operadora: str, *, login: str, senha: str, filtro: str, cnpj: str, processo_id=None
    ) -> JobCriado:
        corpo = {"login": login, "senha": senha, "filtro": filtro, "cnpj": cnpj}
        if processo_id:
            corpo["processo_id"] = str(processo_id)
        return self._criar_job(f"/executar/{operadora}", corpo)

    def executar_sat(self, **campos: str) -> JobCriado:
        return self._criar_job("/executar/sat", campos)

    def status(self, job_id: str) -> StatusDoJob:
        dados = self._get_json(f"/status/{job_id}")
        try:
            return StatusDoJob(
                job_id=str(dados["job_id"]),
                operadora=str(dados.get("operadora") or ""),
                status=str(dados["status"]),
                progresso=int(dados.get("progress") or 0),
                resultado=dados.get("result"),
                erro=str(dados.get("error") or ""),
                criado_em=ler_momento(dados.get("created_at")),
                iniciado_em=ler_momento(dados.get("started_at")),
                concluido_em=ler_momento(dados.get("completed_at")),
                logs=_linhas(dados.get("logs")),
            )
        except (KeyError, TypeError, ValueError):
            raise RespostaInesperada(
                "A API RPA devolveu o status do job num formato inesperado."
            ) from None

    def jobs(self) -> list[dict]:
        dados = self._get_json("/jobs")
        if not isinstance(dados.get("jobs"), list):
            raise RespostaInesperada("A API RPA devolveu a lista de jobs num formato inesperado.")
        return dados["jobs"]

    def logs(self, job_id: str) -> list[LinhaDeLog]:
        return _linhas(self._get_json(f"/jobs/{job_id}/logs").get("logs"))

    def saude(self) -> Saude:
        dados = self._get_json("/health", autenticado=False)
        return Saude(
            saudavel=dados.get("status") == "healthy",
            mensagem=str(dados.get("message") or ""),
            jobs_pendentes=int(dados.get("jobs_pending") or 0),
            jobs_ativos=int(dados.get("jobs_active") or 0),
        )

    # Token
    def token_atual(self) -> TokenAtual:
        dados = self._get_json("/auth/token")
        try:
            return TokenAtual(minutos_restantes=int(dados["expires_in"]))
        except (KeyError, TypeError, ValueError):
            raise RespostaInesperada("A API RPA devolveu o token num formato inesperado.") from None

    def renovar_token(self, chave: str) -> TokenEmitido:
        resposta = self._enviar(
            "POST", "/auth/refresh", json={"refresh_key": chave}, autenticado=False
        )
        if resposta.status_code in (401, 403):
            raise ChaveDeRenovacaoRecusada()
        dados = self._json(resposta)
        if not isinstance(dados.get("token"), str) or not dados["token"]:
            raise RespostaInesperada("A API RPA não devolveu um token na renovação.")
        return TokenEmitido(
            token=dados["token"], validade_dias=int(dados.get("expires_in_days") or 0)
        )

    # Arquivos e eventos
    def baixar_arquivo(self, url: str) -> bytes:
        """Baixa a fatura de uma URL absoluta da API (com o mesmo token). Limite de 20 MB."""
        resposta = self._com_repeticao(
            lambda: self._verificar(self._enviar("GET", url, stream=True))
        )
        with resposta:
            partes, total = [], 0
            for parte in resposta.iter_content(64 * 1024):
                total += len(parte)
                if total > TAMANHO_MAXIMO_ARQUIVO:
                    raise RespostaInesperada("O arquivo da fatura passa de 20 MB.")
                partes.append(parte)
        return b"".join(partes)

    def eventos(self, parar: threading.Event | None = None) -> Iterator[Evento]:
        """Segue `/events/logs` até a conexão cair (RPAIndisponivel); reconectar é de quem chama."""
        resposta = self._enviar(
            "GET",
            "/events/logs",
            autenticado=False,
            stream=True,
            timeout=(TEMPO_CONEXAO, TEMPO_LEITURA_STREAM),
            headers={"Accept": "text/event-stream"},
        )
        with resposta:
            self._verificar(resposta)
            try:
                for linha in resposta.iter_lines(decode_unicode=True):
                    if parar is not None and parar.is_set():
                        return
                    evento = _ler_evento(linha)
                    if evento is not None:
                        yield evento
            except requests.RequestException:
                raise RPAIndisponivel(
                    "A conexão com o stream de eventos da API RPA caiu."
                ) from None
        raise RPAIndisponivel("O stream de eventos da API RPA terminou.")

    # Transporte
    def _criar_job(self, caminho: str, corpo: dict) -> JobCriado:
        dados = self._json(self._verificar(self._enviar("POST", caminho, json=corpo)))
        try:
            return JobCriado(
                job_id=str(dados["job_id"]),
                status=str(dados.get("status") or "PENDING"),
                mensagem=str(dados.get("message") or ""),
            )
        except KeyError:
            raise RespostaInesperada("A API RPA criou o job mas não devolveu o job_id.") from None

    def _get_json(self, caminho: str, autenticado: bool = True) -> dict:
        resposta = self._com_repeticao(
            lambda: self._verificar(self._enviar("GET", caminho, autenticado=autenticado))
        )
        return self._json(resposta)

    def _com_repeticao(self, chamada):
        """Repete um GET quando a API não responde ou responde 5xx (é idempotente)."""
        for espera in (*ESPERAS_GET, None):
            try:
                return chamada()
            except RPAIndisponivel:
                if espera is None:
                    raise
                time.sleep(espera)
        raise AssertionError("inalcançável")

    def _enviar(self, metodo: str, caminho: str, *, autenticado: bool = True, **kwargs):
        url = caminho if caminho.startswith(("http://", "https://")) else self.base_url + caminho
        headers = kwargs.pop("headers", {})
        if autenticado and self.token:
            headers["Authorization"] = f"Bearer {self.token}"
        kwargs.setdefault("timeout", (TEMPO_CONEXAO, TEMPO_LEITURA))
        try:
            return self.sessao.request(metodo, url, headers=headers, **kwargs)
        except requests.Timeout as erro:
            logger.warning("RPA API timeout: %s %s", metodo, _sem_consulta(url))
            raise RPAIndisponivel(
                "A API RPA não respondeu a tempo.", nao_chegou=_nao_chegou(erro)
            ) from None
        except requests.RequestException as erro:
            logger.warning(
                "RPA API unreachable: %s %s (%s)", metodo, _sem_consulta(url), type(erro).__name__
            )
            raise RPAIndisponivel(nao_chegou=_nao_chegou(erro)) from None

    def _verificar(self, resposta: requests.Response) -> requests.Response:
        codigo = resposta.status_code
        if codigo < 400:
            return resposta
        if codigo in (401, 403):
            raise TokenInvalido()
        if codigo == 404:
            detalhe = _detalhe(resposta)
            if "operadora" in detalhe.lower():
                raise OperadoraNaoEncontrada()
            raise JobNaoEncontrado()
        if codigo == 422:
            raise DadosInvalidos(_campos_invalidos(resposta))
        if codigo >= 500:
            raise RPAIndisponivel(f"A API RPA respondeu com erro {codigo}.")
        raise RespostaInesperada(f"A API RPA respondeu com o código inesperado {codigo}.")

    @staticmethod
    def _json(resposta: requests.Response) -> dict:
        try:
            dados = resposta.json()
        except ValueError:
            raise RespostaInesperada(
                f"A API RPA respondeu algo que não é JSON (HTTP {resposta.status_code})."
            ) from None
        if not isinstance(dados, dict):
            raise RespostaInesperada("A API RPA respondeu um JSON com formato inesperado.")
        return dados


def _linhas(logs) -> list[LinhaDeLog]:
    if not isinstance(logs, list):
        return []
    return [
        LinhaDeLog(
            momento=ler_momento(item.get("timestamp")), mensagem=str(item.get("message") or "")
        )
        for item in logs
        if isinstance(item, dict)
    ]


def _ler_evento(linha: str | None) -> Evento | None:
    if not linha or not linha.startswith("data:"):
        return None  # comentários (keep-alive), linhas vazias e lixo
    try:
        dados = json.loads(linha[5:].strip())
    except ValueError:
        return None
    if not isinstance(dados, dict) or not isinstance(dados.get("type"), str):
        return None
    return Evento(tipo=dados["type"], dados=dados)


def _detalhe(resposta: requests.Response) -> str:
    try:
        detalhe = resposta.json().get("detail")
    except (ValueError, AttributeError):
        return ""
    return detalhe if isinstance(detalhe, str) else ""


def _campos_invalidos(resposta: requests.Response) -> list[str]:
    """Só os nomes dos campos (o `loc`); nunca o resto do corpo, que pode trazer a senha."""
    try:
        detalhes = resposta.json().get("detail")
    except (ValueError, AttributeError):
        return []
    if not isinstance(detalhes, list):
        return []
    campos = []
    for item in detalhes:
        loc = item.get("loc") if isinstance(item, dict) else None
        if isinstance(loc, list) and loc:
            campos.append(str(loc[-1]))
    return campos


def _nao_chegou(erro: requests.RequestException) -> bool:
    if isinstance(erro, requests.ConnectTimeout):
        return True
    razao = erro.args[0] if erro.args else None
    razao = getattr(razao, "reason", razao)
    return isinstance(razao, NewConnectionError | ConnectTimeoutError)


def _sem_consulta(url: str) -> str:
    return url.split("?", 1)[0]
