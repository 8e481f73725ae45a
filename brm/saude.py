"""Saúde para o orquestrador: `/healthz` (o processo responde) e `/readyz` (pode receber pedidos:
banco alcançável e migrado, armazenamento das faturas gravável). A API RPA é informada, sem
derrubar a prontidão: sem o robô, a equipe ainda aprova, sobe faturas e consulta.

Sem autenticação e sem segredos: nenhum endereço, token ou mensagem de erro crua no corpo.
"""

import logging
import uuid

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import DatabaseError, connection
from django.db.migrations.executor import MigrationExecutor
from django.http import JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from execucoes.conexao import saude_da_api
from execucoes.rpa import ErroRPA

logger = logging.getLogger(__name__)

OK = "ok"
_migrado = False  # uma vez migrado, o processo não precisa reler o grafo a cada sonda


@never_cache
@require_GET
def healthz(request) -> JsonResponse:
    return JsonResponse({"status": OK})


@never_cache
@require_GET
def readyz(request) -> JsonResponse:
    verificacoes = {
        "banco": banco(),
        "armazenamento": armazenamento(),
    }
    pronto = all(valor == OK for valor in verificacoes.values())
    verificacoes["api_rpa"] = api_rpa()  # informada, não decide a prontidão
    return JsonResponse(
        {"status": OK if pronto else "indisponivel", "verificacoes": verificacoes},
        status=200 if pronto else 503,
    )


def banco() -> str:
    global _migrado
    try:
        # Uma consulta de verdade: a conexão guardada (ou do pool) pode estar morta.
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        if not _migrado:
            executor = MigrationExecutor(connection)
            if executor.migration_plan(executor.loader.graph.leaf_nodes()):
                return "migrações pendentes"
            _migrado = True
    except DatabaseError:
        logger.warning("Readiness: database unreachable", exc_info=True)
        return "sem conexão"
    return OK


def armazenamento() -> str:
    try:
        nome = default_storage.save(f".saude/{uuid.uuid4().hex}", ContentFile(b"ok"))
        default_storage.delete(nome)
    except OSError:
        logger.warning("Readiness: media storage not writable", exc_info=True)
        return "sem gravação"
    return OK


def api_rpa() -> str:
    try:
        saudavel = saude_da_api(settings.SAUDE_PRAZO_RPA_SEGUNDOS).saudavel
    except ErroRPA:
        return "sem resposta"
    return OK if saudavel else "com problemas"
