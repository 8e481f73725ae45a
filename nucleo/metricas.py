"""Quem pode ler as métricas (o `/metrics` do web e a porta de métricas do worker): um endereço
de `METRICAS_IPS` ou `Authorization: Bearer <METRICAS_TOKEN>`."""

import hmac

from django.conf import settings


def acesso_permitido(endereco: str, autorizacao: str) -> bool:
    if endereco in settings.METRICAS_IPS:
        return True
    token = settings.METRICAS_TOKEN
    return bool(token) and hmac.compare_digest(autorizacao.encode(), f"Bearer {token}".encode())
