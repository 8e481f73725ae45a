"""Configuração do simulador: valores da linha de comando com padrões vindos do ambiente."""

import os
from dataclasses import dataclass

OPERADORAS_PADRAO = ("OI", "VIVO", "EMBRATEL", "DIGITALNET")
SEGREDO_DEV = "simulador-rpa-segredo-de-desenvolvimento"
CHAVE_RENOVACAO_DEV = "brm-dev-refresh"
PROCESSO_API_URL_PADRAO = "http://127.0.0.1:5050"


@dataclass(frozen=True)
class Configuracao:
    host: str = "127.0.0.1"
    porta: int = 8000
    velocidade: float = 1.0
    taxa_falha: float = 0.1
    semente: int | None = None
    purga_horas: float = 24.0
    # None desliga o aviso de término (callback) ao sistema de processos.
    processo_api_url: str | None = None
    operadoras: tuple[str, ...] = OPERADORAS_PADRAO
    segredo: str = SEGREDO_DEV
    chave_renovacao: str = CHAVE_RENOVACAO_DEV

    def __post_init__(self) -> None:
        if self.velocidade <= 0:
            raise ValueError("velocidade deve ser maior que zero")
        if not 0 <= self.taxa_falha <= 1:
            raise ValueError("taxa_falha deve estar entre 0 e 1")
        if self.purga_horas <= 0:
            raise ValueError("purga_horas deve ser maior que zero")


def operadoras_configuradas(extras: str | None = None) -> tuple[str, ...]:
    """As operadoras padrão mais as de ``SIMULADOR_OPERADORAS`` e ``extras`` ("A,B")."""
    codigos = list(OPERADORAS_PADRAO)
    for lista in (os.environ.get("SIMULADOR_OPERADORAS"), extras):
        for codigo in (lista or "").split(","):
            codigo = codigo.strip()
            if codigo and codigo not in codigos:
                codigos.append(codigo)
    return tuple(codigos)


def segredo_do_ambiente() -> str:
    return os.environ.get("SIMULADOR_SEGREDO") or SEGREDO_DEV


def chave_renovacao_do_ambiente() -> str:
    return os.environ.get("BRM_TOKEN_PASSWORD") or CHAVE_RENOVACAO_DEV


def processo_api_url_do_ambiente() -> str:
    return os.environ.get("PROCESSO_API_URL") or PROCESSO_API_URL_PADRAO
