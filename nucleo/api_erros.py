"""Erros em HTTP na API, num lugar só (ligado em REST_FRAMEWORK): recusas do fluxo
(`nucleo.erros`) e conflitos com o banco viram respostas em pt-BR, nunca um 500."""

from django.db import IntegrityError
from django.db.models import ProtectedError
from django.http import Http404, JsonResponse
from django.views.defaults import page_not_found, permission_denied
from rest_framework import status
from rest_framework.exceptions import NotFound
from rest_framework.exceptions import PermissionDenied as SemPermissaoNaAPI
from rest_framework.response import Response
from rest_framework.views import exception_handler

from nucleo.erros import AcaoRecusada, SemPermissao


def tratar_excecao(excecao, contexto):
    """Sem permissão → 403; estado que não permite, registro ligado ou duplicado → 409."""
    if isinstance(excecao, Http404):
        excecao = NotFound()  # o do Django vem em inglês ("No Processo matches the given query.")
    if isinstance(excecao, SemPermissao):
        return _detalhe(str(excecao), status.HTTP_403_FORBIDDEN)
    if isinstance(excecao, AcaoRecusada):
        return _detalhe(str(excecao), status.HTTP_409_CONFLICT)
    if isinstance(excecao, ProtectedError):
        ligados = sorted({obj._meta.verbose_name_plural for obj in excecao.protected_objects})
        return _detalhe(
            f"Não é possível apagar: há {', '.join(ligados)} ligados a este registro. "
            "Desative-o em vez de apagar.",
            status.HTTP_409_CONFLICT,
        )
    if isinstance(excecao, IntegrityError):
        # Dois pedidos ao mesmo tempo passaram pela validação; o banco barrou o segundo.
        return _detalhe(
            "Conflito com um registro gravado ao mesmo tempo. Confira e tente de novo.",
            status.HTTP_409_CONFLICT,
        )
    return exception_handler(excecao, contexto)


def _detalhe(mensagem: str, codigo: int) -> Response:
    return Response({"detail": mensagem}, status=codigo)


def pagina_nao_encontrada(request, exception):
    """Um endereço da API que não existe (`/api/processos/0.5/`) responde JSON, como o resto da
    API; fora dela, a página 404 de sempre."""
    if request.path.startswith("/api/"):
        return JsonResponse({"detail": str(NotFound.default_detail)}, status=404)
    return page_not_found(request, exception)


def acesso_negado(request, exception):
    """Sem permissão fora das views do DRF: JSON sob `/api/`, a página 403 em pt-BR no resto."""
    if request.path.startswith("/api/"):
        return JsonResponse({"detail": str(SemPermissaoNaAPI.default_detail)}, status=403)
    return permission_denied(request, exception)
