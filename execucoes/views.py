from django.contrib import admin
from django.contrib.auth.decorators import user_passes_test
from django.core.cache import cache
from django.http import JsonResponse
from django.shortcuts import render
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from execucoes import acompanhamento
from execucoes.conexao import testar_conexao
from nucleo.permissoes import Capacidade, pode
from processos.models import Processo

# O callback chega uma vez por job que termina, sempre do mesmo IP (o do robô): o limite é por
# processo (um processo não tem motivo para avisar muitas vezes) e, bem mais largo, por IP.
LIMITE_AVISOS_POR_PROCESSO = 10  # a cada JANELA_AVISOS segundos
LIMITE_AVISOS_POR_IP = 1000
JANELA_AVISOS = 10


def _equipe(usuario) -> bool:
    return pode(usuario, Capacidade.LER)


@user_passes_test(_equipe)
def testar_conexao_view(request):
    contexto = {
        **admin.site.each_context(request),
        "title": "Testar conexão com a API RPA",
        "resultado": testar_conexao(),
    }
    return render(request, "rpa/testar_conexao.html", contexto)


@csrf_exempt
@require_POST
def aviso_de_status(request, processo_id):
    """Callback da API RPA (docs/api-rpa.md §3): só faz o worker olhar o job agora.

    O corpo nunca muda estado — quem decide é `GET /status/{job_id}`. Sem autenticação (a API não
    manda nenhuma), por isso barato e limitado por IP.
    """
    ip = request.META.get("REMOTE_ADDR", "")
    if _excedeu(f"aviso-status:{ip}:{processo_id}", LIMITE_AVISOS_POR_PROCESSO) or _excedeu(
        f"aviso-status:{ip}", LIMITE_AVISOS_POR_IP
    ):
        return JsonResponse({"detail": "Muitos avisos; tente mais tarde."}, status=429)
    if not Processo.objects.filter(pk=processo_id).exists():
        return JsonResponse({"detail": "Processo não encontrado."}, status=404)
    acompanhamento.avisar(processo_id=processo_id)
    return JsonResponse({"ok": True}, status=202)


def _excedeu(chave: str, limite: int) -> bool:
    cache.add(chave, 0, JANELA_AVISOS)
    return cache.incr(chave) > limite
