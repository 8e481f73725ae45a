"""Endpoints compatíveis com o sistema antigo: `/api/v2/logs-tempo-real/…` (docs/api-rpa.md §4).

O stream está em `execucoes.streams`, ao lado do da página do processo. `atualizar-status` não
confia no corpo: pede ao worker que confirme o desfecho com a API (`GET /status`) e devolve o que
o servidor sabe.
"""

import asyncio
import json

from django.http import JsonResponse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST

from execucoes import saneamento
from execucoes.conexao import cliente_rpa, testar_conexao
from execucoes.models import Execucao, StatusExecucao
from execucoes.rpa import ErroRPA, JobNaoEncontrado
from execucoes.streams import JOB_DESCONHECIDO
from nucleo.permissoes import Capacidade, pode

ESPERA_CONFIRMACAO = 3.0


def _sem_permissao() -> JsonResponse:
    return JsonResponse({"detail": "Sem permissão."}, status=403)


def _equipe(usuario) -> bool:
    return pode(usuario, Capacidade.LER)


@require_POST
async def atualizar_status(request, job_id):
    if not _equipe(await request.auser()):
        return _sem_permissao()
    if not saneamento.job_id(job_id):
        return JsonResponse({"success": False, "message": JOB_DESCONHECIDO}, status=404)
    try:
        corpo = json.loads(request.body or b"{}")
    except (ValueError, RecursionError):
        return JsonResponse({"success": False, "message": "Corpo não é JSON."}, status=400)
    if not isinstance(corpo, dict) or corpo.get("status") not in ("COMPLETED", "FAILED"):
        return JsonResponse(
            {"success": False, "message": "status deve ser COMPLETED ou FAILED."}, status=400
        )
    execucao = await Execucao.objects.filter(job_id=job_id).afirst()
    if execucao is None:
        return JsonResponse(
            {"success": False, "message": f"Job '{job_id}' não encontrado."}, status=404
        )
    await Execucao.objects.filter(pk=execucao.pk, status=StatusExecucao.EXECUTANDO).aupdate(
        proxima_consulta_em=timezone.now()
    )
    limite = asyncio.get_running_loop().time() + ESPERA_CONFIRMACAO
    while execucao.ativa and asyncio.get_running_loop().time() < limite:
        await asyncio.sleep(0.2)
        execucao = await Execucao.objects.aget(pk=execucao.pk)
    resposta = {"success": True, "execucao_id": str(execucao.pk), "novo_status": execucao.status}
    if execucao.ativa:
        resposta["message"] = "O job ainda não terminou na API RPA; o worker confirma o desfecho."
        return JsonResponse(resposta, status=202)
    resposta["finalizada_em"] = (
        execucao.finalizada_em.isoformat() if execucao.finalizada_em else None
    )
    return JsonResponse(resposta)


@require_GET
def status_job(request, job_id):
    if not _equipe(request.user):
        return _sem_permissao()
    if not saneamento.job_id(job_id):
        return JsonResponse({"detail": JOB_DESCONHECIDO}, status=404)
    execucao = Execucao.objects.select_related("processo__cliente__operadora").filter(job_id=job_id)
    execucao = execucao.first()
    # O job é consultado na API onde foi criado (a da operadora, quando ela tem uma).
    cliente = cliente_rpa(execucao=execucao)
    try:
        status = cliente.status(job_id)
    except JobNaoEncontrado as erro:
        return JsonResponse({"detail": str(erro)}, status=404)
    except ErroRPA as erro:
        return JsonResponse({"detail": str(erro)}, status=502)
    return JsonResponse(
        {
            "job_id": status.job_id,
            "operadora": status.operadora,
            "status": status.status,
            "progress": status.progresso,
            "result": status.resultado,
            "error": status.erro or None,
            "created_at": status.criado_em.isoformat() if status.criado_em else None,
            "started_at": status.iniciado_em.isoformat() if status.iniciado_em else None,
            "completed_at": status.concluido_em.isoformat() if status.concluido_em else None,
            "logs": [
                {
                    "timestamp": linha.momento.isoformat() if linha.momento else None,
                    "message": linha.mensagem,
                }
                for linha in status.logs
            ],
        }
    )


@require_GET
def teste_conexao(request):
    if not _equipe(request.user):
        return _sem_permissao()
    resultado = testar_conexao()
    return JsonResponse(
        {
            "success": resultado.ok,
            "url": resultado.url,
            "api_ok": resultado.api.ok,
            "api_mensagem": resultado.api.mensagem,
            "token_ok": resultado.token.ok,
            "token_mensagem": resultado.token.mensagem,
        }
    )
