"""O contexto das linhas de log: o id do pedido (web) e a execução / o job (worker).

Quem trata um pedido ou uma execução põe os ids aqui (`no_contexto`, `definir`); o filtro
`CamposDoContexto` os copia para cada linha, em JSON (produção) ou no texto (desenvolvimento).
"""

import contextvars
import logging
from collections.abc import Iterator
from contextlib import contextmanager

from pythonjsonlogger.core import RESERVED_ATTRS
from pythonjsonlogger.json import JsonFormatter

CAMPOS = ("request_id", "execucao_id", "job_id")
_contexto: dict[str, contextvars.ContextVar[str]] = {
    campo: contextvars.ContextVar(campo, default="") for campo in CAMPOS
}


def definir(**campos) -> None:
    """Põe os ids no contexto atual (a thread, a tarefa asyncio ou o dever do worker)."""
    for campo, valor in campos.items():
        _contexto[campo].set(str(valor) if valor else "")


@contextmanager
def no_contexto(**campos) -> Iterator[None]:
    """Os ids valem dentro do bloco; ao sair, voltam os de antes."""
    fichas = {
        campo: _contexto[campo].set(str(valor) if valor else "") for campo, valor in campos.items()
    }
    try:
        yield
    finally:
        for campo, ficha in fichas.items():
            _contexto[campo].reset(ficha)


def atuais() -> dict[str, str]:
    return {campo: variavel.get() for campo, variavel in _contexto.items() if variavel.get()}


class CamposDoContexto(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        campos = atuais()
        for campo, valor in campos.items():
            setattr(record, campo, valor)
        record.contexto_em_texto = "".join(f" [{campo}={valor}]" for campo, valor in campos.items())
        return True


class SemRastroEm4xx(logging.Filter):
    """Um 403 ou 404 é uma linha, não um traceback: o Django anexa a exceção (PermissionDenied,
    Http404) ao aviso, e isso é a resposta esperada, não um erro do sistema."""

    def filter(self, record: logging.LogRecord) -> bool:
        if record.exc_info and 400 <= getattr(record, "status_code", 500) < 500:
            record.exc_info = None
            record.exc_text = None
        return True


def formatador_json() -> JsonFormatter:
    # `request` (o HttpRequest que o Django anexa) e o texto do contexto ficam fora da linha; o
    # momento vai em ISO 8601, UTC.
    return JsonFormatter(
        "{levelname}{name}{message}",
        style="{",
        rename_fields={"levelname": "nivel", "name": "logger"},
        reserved_attrs=[
            *RESERVED_ATTRS,
            "request",
            "contexto_em_texto",
            "server_time",
            "color_message",
        ],
        timestamp="momento",
    )
