"""Servidor HTTP do simulador (biblioteca padrão) e a API em processo usada pelos testes.

Em testes: ``with iniciar(velocidade=50.0, taxa_falha=0.0) as sim:`` e chamadas a ``sim.url``.
"""

import logging
import sys
import threading
import time
from collections.abc import Iterable
from email.message import Message
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlsplit

from simulador import api, controle
from simulador.config import (
    Configuracao,
    chave_renovacao_do_ambiente,
    operadoras_configuradas,
    segredo_do_ambiente,
)
from simulador.eventos import CentralEventos, formatar
from simulador.falhas import Controles, FalhaHttp
from simulador.jobs import Motor, agora, iso_evento
from simulador.protocolo import Contexto, Pedido, Resposta, detalhe, resposta_json
from simulador.tokens import emitir_token

logger = logging.getLogger(__name__)

TAMANHO_MAXIMO_CORPO = 1024 * 1024
INTERVALO_KEEP_ALIVE_S = 15.0
INTERVALO_MINIMO_S = 0.05


class Simulador:
    """O simulador rodando numa thread em segundo plano; também é um context manager."""

    def __init__(self, config: Configuracao) -> None:
        controles = Controles(config)
        central = CentralEventos()
        self.contexto = Contexto(
            config=config,
            motor=Motor(config, controles, central),
            central=central,
            controles=controles,
            parada=threading.Event(),
        )
        self._http = _ServidorHttp((config.host, config.porta), _Tratador)
        self._http.contexto = self.contexto
        self.porta: int = self._http.server_address[1]
        host = "127.0.0.1" if config.host in ("", "0.0.0.0") else config.host
        self.url = self._http.url = f"http://{host}:{self.porta}"
        self._thread = threading.Thread(
            target=self._http.serve_forever, args=(0.05,), name="simulador-http", daemon=True
        )

    def iniciar(self) -> "Simulador":
        self.contexto.motor.iniciar()
        self._thread.start()
        return self

    def parar(self) -> None:
        self.contexto.parada.set()
        self.contexto.central.fechar()
        self.contexto.motor.parar()
        self._http.shutdown()
        self._http.server_close()
        self._thread.join(timeout=5)

    def novo_token(self) -> str:
        return emitir_token(self.contexto.config.segredo)

    def __enter__(self) -> "Simulador":
        return self

    def __exit__(self, *excecao: object) -> None:
        self.parar()


def iniciar(
    host: str = "127.0.0.1",
    porta: int = 0,
    velocidade: float = 1.0,
    taxa_falha: float = 0.1,
    semente: int | None = None,
    purga_horas: float = 24.0,
    processo_api_url: str | None = None,
    operadoras: Iterable[str] = (),
    segredo: str | None = None,
    chave_renovacao: str | None = None,
) -> Simulador:
    """Sobe o simulador em segundo plano (``porta=0``: uma porta livre) e o devolve rodando.

    ``processo_api_url=None`` desliga o callback de término. Segredo, chave de renovação e
    operadoras extras vêm do ambiente quando não informados.
    """
    config = Configuracao(
        host=host,
        porta=porta,
        velocidade=velocidade,
        taxa_falha=taxa_falha,
        semente=semente,
        purga_horas=purga_horas,
        processo_api_url=processo_api_url,
        operadoras=operadoras_configuradas(",".join(operadoras)),
        segredo=segredo or segredo_do_ambiente(),
        chave_renovacao=chave_renovacao or chave_renovacao_do_ambiente(),
    )
    return Simulador(config).iniciar()


class _ServidorHttp(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    contexto: Contexto
    url: str

    def handle_error(self, request: object, client_address: tuple) -> None:
        if isinstance(sys.exc_info()[1], ConnectionError | TimeoutError):
            return
        logger.exception("Unexpected error serving %s", client_address)


class _Tratador(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "rpa-api-simulador"
    # Conexões keep-alive ociosas (ou clientes que param de ler) não prendem a thread para sempre.
    timeout = 60
    # Cabeçalho e corpo saem em escritas separadas; sem isto o Nagle atrasa cada resposta ~40 ms.
    disable_nagle_algorithm = True
    server: _ServidorHttp

    def do_GET(self) -> None:
        self._atender()

    do_POST = do_PUT = do_PATCH = do_DELETE = do_GET

    def log_message(self, format: str, *args: object) -> None:
        logger.debug("%s - %s", self.address_string(), format % args)

    def _atender(self) -> None:
        ctx = self.server.contexto
        pedido = self._ler_pedido()
        if pedido is None:
            return
        if pedido.caminho.startswith(controle.PREFIXO):
            self._enviar(controle.atender(ctx, pedido))
            return
        ctx.controles.contar_chamada(f"{pedido.metodo} {pedido.caminho}")
        falha = ctx.controles.consumir_falha_http(pedido.caminho)
        if falha and falha.modo == "travar":
            ctx.parada.wait(falha.segundos)
            falha = None
        eventos = pedido.metodo == "GET" and pedido.caminho == "/events/logs"
        if falha and (eventos or not falha.processar):
            self._enviar(_resposta_de_falha(falha))
            return
        if eventos:
            self._transmitir_eventos()
            return
        resposta = self._rotear(pedido)
        self._enviar(_resposta_de_falha(falha) if falha else resposta)

    def _rotear(self, pedido: Pedido) -> Resposta:
        try:
            return api.atender(self.server.contexto, pedido)
        except Exception:
            logger.exception("Error handling %s %s", pedido.metodo, pedido.caminho)
            return detalhe(500, "Internal Server Error")

    def _ler_pedido(self) -> Pedido | None:
        erro = _erro_de_tamanho(self.headers)
        if erro:
            self.close_connection = True
            self._enviar(erro)
            return None
        tamanho = int(self.headers.get("Content-Length") or 0)
        corpo = self.rfile.read(tamanho) if tamanho else b""
        host = self.headers.get("Host")
        return Pedido(
            metodo=self.command,
            caminho=urlsplit(self.path).path,
            cabecalhos=self.headers,
            corpo=corpo,
            base_url=f"http://{host}" if host else self.server.url,
        )

    def _enviar(self, resposta: Resposta) -> None:
        try:
            self.send_response(resposta.status)
            self.send_header("Content-Type", _tipo_completo(resposta.tipo))
            self.send_header("Content-Length", str(len(resposta.corpo)))
            for nome, valor in resposta.cabecalhos.items():
                self.send_header(nome, valor)
            self.end_headers()
            self.wfile.write(resposta.corpo)
        except (ConnectionError, TimeoutError):
            self.close_connection = True

    def _transmitir_eventos(self) -> None:
        """``GET /events/logs``: todos os eventos, com ``: keep-alive`` periódico."""
        ctx = self.server.contexto
        inscrito = ctx.central.inscrever()
        self.close_connection = True
        try:
            self.send_response(200)
            self.send_header("Content-Type", "text/event-stream; charset=utf-8")
            self.send_header("Cache-Control", "no-cache")
            self.send_header("Connection", "close")
            self.send_header("X-Accel-Buffering", "no")
            self.end_headers()
            self.wfile.write(formatar(_evento_conexao()))
            enviados = 1
            ultimo_keep_alive = time.monotonic()
            while not inscrito.encerrado:
                limite = ctx.controles.cortar_eventos_apos
                if limite and enviados >= limite:
                    break
                intervalo = _intervalo_keep_alive(ctx)
                dados = inscrito.proximo(ultimo_keep_alive + intervalo - time.monotonic())
                if dados:
                    self.wfile.write(dados)
                    enviados += 1
                if time.monotonic() - ultimo_keep_alive >= intervalo:
                    self.wfile.write(b": keep-alive\n\n")
                    ultimo_keep_alive = time.monotonic()
        except (ConnectionError, TimeoutError):
            pass  # o cliente foi embora; ele reconecta quando quiser
        finally:
            ctx.central.cancelar(inscrito)


def _erro_de_tamanho(cabecalhos: Message) -> Resposta | None:
    if "chunked" in cabecalhos.get("Transfer-Encoding", "").lower():
        return detalhe(411, "Envie o corpo com Content-Length")
    try:
        tamanho = int(cabecalhos.get("Content-Length") or 0)
    except ValueError:
        return detalhe(400, "Content-Length inválido")
    if tamanho < 0:
        return detalhe(400, "Content-Length inválido")
    if tamanho > TAMANHO_MAXIMO_CORPO:
        return detalhe(413, "Corpo grande demais")
    return None


def _evento_conexao() -> dict:
    return {
        "type": "connection",
        "message": "Conectado ao sistema de logs RPA em tempo real",
        "timestamp": iso_evento(agora()),
    }


def _intervalo_keep_alive(ctx: Contexto) -> float:
    return max(INTERVALO_MINIMO_S, INTERVALO_KEEP_ALIVE_S / ctx.controles.velocidade)


def _resposta_de_falha(falha: FalhaHttp) -> Resposta:
    if falha.modo == "corpo":
        return resposta_json(falha.status, falha.corpo)
    if falha.modo == "json_invalido":
        return Resposta(200, b'{"job_id": "3f2a", "status": ')
    return Resposta(500, b"Internal Server Error", tipo="text/plain")


def _tipo_completo(tipo: str) -> str:
    if tipo.startswith("application/json") or tipo.startswith("text/"):
        return f"{tipo}; charset=utf-8"
    return tipo
