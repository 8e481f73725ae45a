"""Recusas do fluxo (`processos.acoes`) em HTTP, num lugar só (ligado em REST_FRAMEWORK)."""

from rest_framework import status
from rest_framework.response import Response
from rest_framework.views import exception_handler

from processos.acoes import AcaoRecusada, SemPermissao


def tratar_excecao(excecao, contexto):
    """Recusas do fluxo: sem permissão → 403; estado que não permite → 409. O resto, como o DRF."""
    if isinstance(excecao, SemPermissao):
        return Response({"detail": str(excecao)}, status=status.HTTP_403_FORBIDDEN)
    if isinstance(excecao, AcaoRecusada):
        return Response({"detail": str(excecao)}, status=status.HTTP_409_CONFLICT)
    return exception_handler(excecao, contexto)
