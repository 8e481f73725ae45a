"""O único ponto de contato com a API RPA (docs/api-rpa.md); nada mais no projeto a chama por
`requests`.

Resultados tipados, erros tipados com mensagens em pt-BR, tempos-limite em toda chamada. GETs são
repetidos em erro de conexão (com espera crescente); POSTs que criam jobs nunca são repetidos às
cegas — quem chama decide. Nenhum segredo (token, senha do portal) vai para log, exceção ou texto de
erro: corpos de resposta nunca são repetidos literalmente.

O cliente não sabe de banco nem de token global: quem precisa de um o pede a
`execucoes.conexao.cliente_rpa`, que escolhe a API, o token e os prazos.
"""

import datetime as dt
import json
import logging
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any
from urllib.parse import urlsplit

import requests
from django.conf import settings
from urllib3 import Timeout
from urllib3.exceptions import ConnectTimeoutError, HTTPError, NewConnectionError

from execucoes import prazos, saneamento
from processos.fatura import FaturaInvalida, conferir_tamanho

logger = logging.getLogger(__name__)

TEMPO_CONEXAO = prazos.TEMPO_CONEXAO
TEMPO_LEITURA = 15
TEMPO_LEITURA_STREAM = 60  # o simulador e a API mandam keep-alive bem antes disso
TAMANHO_MAXIMO_LINHA_STREAM = 256 * 1024
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


class ResultadoInvalido(ErroRPA):
    """O job terminou, mas o que o robô devolveu não se aproveita (a execução falha)."""


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
    nivel: str = ""  # vazio: a API não informou (o /status do contrato não traz o nível)


@dataclass(frozen=True)
class ResumoDoJob:
    """Um item de `GET /jobs`: nada nele diz de que processo ou cliente é o job."""

    job_id: str
    operadora: str
    status: str
    criado_em: dt.datetime | None


@dataclass(frozen=True)
class FaturaDoRobo:
    """O resultado de um download concluído, conferido: onde está o PDF, valor e vencimento."""

    origem: str
    valor: Decimal | None
    vencimento: dt.date | None

    def como_json(self) -> dict:
        return {
            "arquivo_fatura": self.origem,
            "valor_fatura": str(self.valor) if self.valor is not None else None,
            "data_vencimento": self.vencimento.isoformat() if self.vencimento else None,
        }


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

    def fatura(self) -> FaturaDoRobo:
        """O resultado de um download, conferido (ResultadoInvalido com a explicação)."""
        return ler_fatura_do_robo(self.resultado)


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
        return saneamento.job_id(self.dados.get("job_id"))

    @property
    def nivel(self) -> str:
        return saneamento.texto(self.dados.get("level") or "INFO", 10).upper()

    @property
    def mensagem(self) -> str:
        return saneamento.texto(self.dados.get("message"))

    @property
    def momento(self) -> dt.datetime | None:
        return saneamento.momento(self.dados.get("timestamp"))


STATUS_DE_JOB = ("PENDING", "RUNNING", "COMPLETED", "FAILED")


def ler_fatura_do_robo(resultado) -> FaturaDoRobo:
    """As duas formas do contrato (texto, ou objeto com arquivo, valor e vencimento)."""
    dados = resultado if isinstance(resultado, dict) else {"arquivo_fatura": resultado}
    origem = dados.get("arquivo_fatura")
    if not isinstance(origem, str) or not origem.strip():
        raise ResultadoInvalido("O robô terminou sem informar o arquivo da fatura.")
    if len(origem) > 2000 or saneamento.CONTROLES.search(origem):
        raise ResultadoInvalido(
            f"O robô informou um arquivo de fatura inválido: {saneamento.amostra(origem)}."
        )
    try:
        valor = saneamento.valor_monetario(dados.get("valor_fatura"))
        vencimento = saneamento.data(dados.get("data_vencimento"))
    except saneamento.ValorInvalido as erro:
        raise ResultadoInvalido(str(erro)) from None
    return FaturaDoRobo(origem=origem.strip(), valor=valor, vencimento=vencimento)


def mesma_origem(url: str, base: str) -> bool:
    """Mesmo esquema, host e porta: só então a URL recebe o token da API."""
    a, b = urlsplit(url), urlsplit(base)
    try:
        return (a.scheme, a.hostname, a.port or _porta(a.scheme)) == (
            b.scheme,
            b.hostname,
            b.port or _porta(b.scheme),
        )
    except ValueError:  # porta inválida na URL
        return False


def _porta(esquema: str) -> int:
    return 443 if esquema == "https" else 80


# --- Cliente ---------------------------------------------------------------------------------
class ClienteRPA:
    def __init__(
        self,
        base_url: str | None = None,
        token: str | None = None,
        sessao=None,
        *,
        tempo_limite: Timeout | None = None,
        repetir_gets: bool = True,
    ):
        self.base_url = (base_url or settings.API_EXTERNA_URL).rstrip("/")
        self.token = token
        self.sessao = sessao or requests.Session()
        # Quem espera na tela (Testar conexão) pede um prazo curto e nenhuma repetição.
        self.tempo_limite = tempo_limite
        self.repetir_gets = repetir_gets

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
        status = dados.get("status")
        if status not in STATUS_DE_JOB:
            raise RespostaInesperada("A API RPA devolveu o status do job num formato inesperado.")
        return StatusDoJob(
            job_id=saneamento.job_id(dados.get("job_id")) or job_id,
            operadora=saneamento.texto(dados.get("operadora"), 50),
            status=status,
            progresso=_progresso(dados.get("progress")),
            resultado=dados.get("result"),
            erro=saneamento.texto(dados.get("error"), saneamento.TAMANHO_ERRO),
            criado_em=saneamento.momento(dados.get("created_at")),
            iniciado_em=saneamento.momento(dados.get("started_at")),
            concluido_em=saneamento.momento(dados.get("completed_at")),
            logs=_linhas(dados.get("logs")),
        )

    def jobs(self) -> list[ResumoDoJob]:
        """Os jobs da API; itens com job_id fora do padrão seguro são ignorados."""
        dados = self._get_json("/jobs")
        if not isinstance(dados.get("jobs"), list):
            raise RespostaInesperada("A API RPA devolveu a lista de jobs num formato inesperado.")
        resumos = []
        for item in dados["jobs"]:
            job_id = saneamento.job_id(item.get("job_id")) if isinstance(item, dict) else ""
            if job_id:
                resumos.append(
                    ResumoDoJob(
                        job_id=job_id,
                        operadora=saneamento.texto(item.get("operadora"), 50),
                        status=saneamento.texto(item.get("status"), 20),
                        criado_em=saneamento.momento(item.get("created_at")),
                    )
                )
        return resumos

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
        """Baixa a fatura de uma URL absoluta, lida aos pedaços até o limite de tamanho.

        O token só vai para a própria API (mesmo esquema, host e porta); outro host só se
        estiver em RPA_HOSTS_FATURA, e então sem o token. Redirecionamentos não são seguidos.
        """
        autenticado = mesma_origem(url, self.base_url)
        if not autenticado and urlsplit(url).hostname not in settings.RPA_HOSTS_FATURA:
            raise ResultadoInvalido(
                "O robô indicou a fatura em outro endereço, fora da API RPA e da lista de hosts "
                "permitidos (RPA_HOSTS_FATURA): nada foi baixado."
            )
        resposta = self._com_repeticao(
            lambda: self._verificar(
                self._enviar(
                    "GET", url, autenticado=autenticado, stream=True, allow_redirects=False
                )
            )
        )
        with resposta:
            if resposta.is_redirect:
                raise ResultadoInvalido("O endereço da fatura redireciona para outro lugar.")
            partes, total = [], 0
            for parte in resposta.iter_content(64 * 1024):
                total += len(parte)
                try:
                    conferir_tamanho(total)  # pára de ler assim que passa do limite
                except FaturaInvalida as erro:
                    raise ResultadoInvalido(str(erro)) from None
                partes.append(parte)
                if len(partes) == 1 and total >= 5 and not parte.lstrip().startswith(b"%PDF-"):
                    raise ResultadoInvalido("O arquivo indicado pelo robô não é um PDF.")
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
                for linha in _linhas_assim_que_chegam(resposta):
                    if parar is not None and parar.is_set():
                        return
                    evento = _ler_evento(linha)
                    if evento is not None:
                        yield evento
            except (requests.RequestException, HTTPError, OSError):
                raise RPAIndisponivel(
                    "A conexão com o stream de eventos da API RPA caiu."
                ) from None
        raise RPAIndisponivel("O stream de eventos da API RPA terminou.")

    # Transporte
    def _criar_job(self, caminho: str, corpo: dict) -> JobCriado:
        resposta = self._enviar("POST", caminho, json=corpo, timeout=tempos_do_envio())
        dados = self._json(self._verificar(resposta))
        job_id = saneamento.job_id(dados.get("job_id"))
        if not job_id:
            raise RespostaInesperada("A API RPA não devolveu um job_id válido ao criar o job.")
        return JobCriado(
            job_id=job_id,
            status=saneamento.texto(dados.get("status") or "PENDING", 20),
            mensagem=saneamento.texto(dados.get("message"), 500),
        )

    def _get_json(self, caminho: str, autenticado: bool = True) -> dict:
        resposta = self._com_repeticao(
            lambda: self._verificar(self._enviar("GET", caminho, autenticado=autenticado))
        )
        return self._json(resposta)

    def _com_repeticao(self, chamada):
        """Repete um GET quando a API não responde ou responde 5xx (é idempotente)."""
        for espera in (*ESPERAS_GET, None) if self.repetir_gets else (None,):
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
        kwargs.setdefault("timeout", self.tempo_limite or (TEMPO_CONEXAO, TEMPO_LEITURA))
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


def tempos_do_envio() -> Timeout:
    """O prazo total de um POST que cria job (`execucoes.prazos`): a reconciliação só age depois
    dele, então nunca reenvia um POST que ainda pode estar esperando resposta."""
    total = prazos.tempo_do_envio(
        configurado=settings.RPA_TEMPO_ENVIO_SEGUNDOS,
        sem_resposta=settings.RPA_ENVIO_SEM_RESPOSTA_SEGUNDOS,
    )
    return Timeout(connect=min(TEMPO_CONEXAO, total), read=total, total=total)


def _progresso(valor) -> int:
    try:
        return max(0, min(100, int(float(valor or 0))))
    except (TypeError, ValueError, OverflowError):
        return 0


def _linhas(logs) -> list[LinhaDeLog]:
    if not isinstance(logs, list):
        return []
    return [
        LinhaDeLog(
            momento=saneamento.momento(item.get("timestamp")),
            mensagem=saneamento.texto(item.get("message")),
            nivel=saneamento.texto(item.get("level"), 10).upper(),
        )
        for item in logs
        if isinstance(item, dict)
    ]


def _linhas_assim_que_chegam(resposta: requests.Response) -> Iterator[str]:
    """As linhas do corpo à medida que chegam ao socket.

    `iter_lines()` lê em blocos de 512 bytes e espera o bloco encher: uma linha curta ficava
    parada até chegar mais texto (medido: 0,3 a 1,4 s; a última linha de um job, 16 s). `read1`
    devolve o que já chegou, sem esperar mais.
    """
    pendente = b""
    while True:
        pedaco = resposta.raw.read1(64 * 1024)
        if not pedaco:
            return
        pendente += pedaco
        if len(pendente) > TAMANHO_MAXIMO_LINHA_STREAM and b"\n" not in pendente:
            pendente = b""  # uma "linha" sem fim: lixo, descartado sem crescer a memória
            continue
        *linhas, pendente = pendente.split(b"\n")
        for linha in linhas:
            yield linha.rstrip(b"\r").decode("utf-8", errors="replace")


def _ler_evento(linha: str | None) -> Evento | None:
    if not linha or not linha.startswith("data:") or len(linha) > TAMANHO_MAXIMO_LINHA_STREAM:
        return None  # comentários (keep-alive), linhas vazias e lixo
    try:
        dados = json.loads(linha[5:].strip())
    except (ValueError, RecursionError):
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
