"""Pedido e resposta HTTP já lidos, e o contexto compartilhado pelas rotas."""

import json
import threading
from dataclasses import dataclass, field
from email.message import Message

from simulador.config import Configuracao
from simulador.eventos import CentralEventos, codificar_json
from simulador.falhas import Controles
from simulador.jobs import Motor


@dataclass
class Pedido:
    metodo: str
    caminho: str  # sem a query string, ainda codificado
    cabecalhos: Message
    corpo: bytes
    base_url: str  # como o cliente nos alcançou, para montar URLs absolutas
    token: str | None = None
    claims: dict | None = None


@dataclass
class Resposta:
    status: int
    corpo: bytes
    tipo: str = "application/json"
    cabecalhos: dict[str, str] = field(default_factory=dict)


@dataclass
class Contexto:
    config: Configuracao
    motor: Motor
    central: CentralEventos
    controles: Controles
    parada: threading.Event


def resposta_json(status: int, dados: object, **cabecalhos: str) -> Resposta:
    corpo = codificar_json(dados)
    return Resposta(status, corpo, cabecalhos=cabecalhos)


def detalhe(status: int, mensagem: str, **cabecalhos: str) -> Resposta:
    return resposta_json(status, {"detail": mensagem}, **cabecalhos)


def ler_json(corpo: bytes) -> object:
    """O JSON do corpo, ou None se vazio ou inválido."""
    try:
        return json.loads(corpo) if corpo.strip() else None
    except ValueError:
        return None
