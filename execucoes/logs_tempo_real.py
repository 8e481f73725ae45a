"""Endpoints compatíveis com o sistema antigo: `/api/v2/logs-tempo-real/…` (RPA-API.md §4).

O stream lê do banco (não da API RPA). `atualizar-status` não confia no corpo: pede ao worker que
confirme o desfecho com a API (`GET /status`) e devolve o que o servidor sabe.
"""

import asyncio
import json

from django.http import JsonResponse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST

from contas.token import token_global
from execucoes import saneamento
from execucoes.acompanhamento import cliente_do_job
from execucoes.conexao import testar_conexao
from execucoes.models import Execucao, StatusExecucao
from execucoes.rpa import ClienteRPA, ErroRPA, JobNaoEncontrado
from execucoes.sse import Recusa, evento_sse, responder, transmitir, ultimo_evento
from execucoes.transmissao import Chave, central
from nucleo.permissoes import Capacidade, pode

ESPERA_CONFIRMACAO = 3.0
JOB_DESCONHECIDO = "Job não encontrado."
FIM = {StatusExecucao.CONCLUIDO: "COMPLETED"}


def _agora() -> str:
    return timezone.now().isoformat()


def _sem_permissao() -> JsonResponse:
    return JsonResponse({"detail": "Sem permissão."}, status=403)


def _equipe(usuario) -> bool:
    return pode(usuario, Capacidade.LER)


async def stream(request, job_id):
    return responder(await fluxo_do_job(await request.auser(), job_id, ultimo_evento(request)))


def linha_do_job(dados: dict) -> str:
    """Uma linha de log no formato do sistema antigo (o `id:` quem põe é o `transmitir`)."""
    campos = {
        "type": "log",
        "level": dados["nivel"],
        "message": dados["mensagem"],
        "operadora": dados["operadora"],
        "job_id": dados["job_id"],
        "timestamp": dados["momento"] or _agora(),
        "service": "rpa-api",
        "logger": "app.main",
    }
    return evento_sse(campos)


async def fluxo_do_job(usuario, job_id: str, desde: int):
    """O stream de um job no formato do sistema antigo (RPA-API.md §4)."""
    if not _equipe(usuario):
        return Recusa(403, "Sem permissão.")
    if not saneamento.job_id(job_id):
        return Recusa(404, JOB_DESCONHECIDO)
    # Só as colunas: carregar o cliente decifraria a senha do portal.
    consulta = Execucao.objects.filter(job_id=job_id).values(
        "pk", "processo__cliente__operadora__codigo"
    )
    execucao = await central().na_chegada(consulta.first)
    if execucao is None:
        return Recusa(404, f"Job '{job_id}' não encontrado.")
    operadora = execucao["processo__cliente__operadora__codigo"]

    def inicio(ultimo: int) -> list[str]:
        dados = {
            "type": "connection",
            "message": f"Conectado ao stream de logs para job {job_id}",
            "timestamp": _agora(),
        }
        return [evento_sse(dados, id_=ultimo)]

    def estado(dados: dict, ultimo: int) -> tuple[str, bool]:
        if dados["ativa"]:
            return ": estado\n\n", False
        status = FIM.get(dados["execucao_status"], "FAILED")
        tipo = "job_completed" if status == "COMPLETED" else "job_failed"
        mensagem = f"Job {job_id} concluído com status {status}"
        corpo = {
            "type": tipo,
            "job_status": status,
            "level": "WARN",
            "message": mensagem,
            "operadora": operadora,
            "job_id": job_id,
            "timestamp": _agora(),
            "service": "rpa-api",
            "logger": "app.main",
        }
        return evento_sse(corpo, id_=ultimo), True

    return transmitir(
        Chave("execucao", execucao["pk"]), desde, inicio=inicio, linha=linha_do_job, estado=estado
    )


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
    cliente = cliente_do_job(execucao) if execucao else ClienteRPA(token=token_global())
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
