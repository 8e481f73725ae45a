"""Tokens JWT (HS256, 365 dias) e a chave de renovação de ``POST /auth/refresh``."""

import hmac
import math
import uuid
from datetime import UTC, datetime, timedelta

import jwt

VALIDADE = timedelta(days=365)
ALGORITMO = "HS256"


def emitir_token(segredo: str, *, agora: datetime | None = None) -> str:
    """Um token novo; os emitidos antes continuam válidos até expirar."""
    agora = agora or datetime.now(UTC)
    claims = {
        "sub": "brm-rpa",
        "iat": int(agora.timestamp()),
        "exp": int((agora + VALIDADE).timestamp()),
        "jti": uuid.uuid4().hex,
    }
    return jwt.encode(claims, segredo, algorithm=ALGORITMO)


def ler_token(segredo: str, token: str) -> dict | None:
    """As claims de um token válido, ou None se inválido ou expirado."""
    try:
        return jwt.decode(token, segredo, algorithms=[ALGORITMO], options={"require": ["exp"]})
    except jwt.PyJWTError:
        return None


def minutos_restantes(claims: dict, *, agora: datetime | None = None) -> int:
    agora = agora or datetime.now(UTC)
    segundos = claims["exp"] - agora.timestamp()
    return max(0, math.ceil(segundos / 60))


def chave_confere(esperada: str, recebida: object) -> bool:
    if not isinstance(recebida, str):
        return False
    return hmac.compare_digest(esperada.encode(), recebida.encode())
