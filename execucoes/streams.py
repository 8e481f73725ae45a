"""Os dois streams SSE de logs ao vivo, lado a lado: o da página do processo
(`/processos/<id>/eventos`) e o do job no formato do sistema antigo
(`/api/v2/logs-tempo-real/stream/<job_id>`, docs/api-rpa.md §4).

Cada um é um gerador (`fluxo_do_processo`, `fluxo_do_job`) servido de dois jeitos: sob o
gunicorn, direto pelo ASGI (`execucoes.asgi_streams`, sem a pilha do Django); sob WSGI e no cliente
de testes, pelas views Django daqui. Os dois leem do banco, pela central de transmissão
(`execucoes.transmissao`), nunca da API RPA; a permissão é a mesma: quem é da equipe lê.
"""

from django.utils import timezone

from execucoes import saneamento
from execucoes.models import Execucao, StatusExecucao
from execucoes.sse import (
    HISTORICO_MAXIMO,
    Recusa,
    evento_sse,
    responder,
    transmitir,
    ultimo_evento,
)
from execucoes.transmissao import Chave, central, linhas_desde
from nucleo.permissoes import Capacidade, pode
from processos.models import Processo

JOB_DESCONHECIDO = "Job não encontrado."
FIM = {StatusExecucao.CONCLUIDO: "COMPLETED"}


def _agora() -> str:
    return timezone.now().isoformat()


CAMPOS_DA_LINHA = ("id", "nivel", "mensagem", "momento", "execucao_id")


def linha_do_processo(dados: dict) -> str:
    """Uma linha de log no stream do processo (o `id:` quem põe é o `transmitir`)."""
    return evento_sse({campo: dados[campo] for campo in CAMPOS_DA_LINHA}, tipo="log")


async def eventos_do_processo(request, pk):
    """SSE do processo (sob o gunicorn, servido por `execucoes.asgi_streams`, sem o Django)."""
    return responder(await fluxo_do_processo(await request.auser(), pk, ultimo_evento(request)))


async def fluxo_do_processo(usuario, pk, desde: int):
    """Linhas de log da execução atual (ou última) do processo e as mudanças de status."""
    if not pode(usuario, Capacidade.LER):
        return Recusa(403, "Sem permissão para acompanhar este processo.")
    if not await central().na_chegada(Processo.objects.filter(pk=pk).exists):
        return Recusa(404, "Processo não encontrado.")
    chave = Chave("processo", pk)

    def historico(desde: int) -> list[dict]:
        if desde:
            return linhas_desde(chave, desde, HISTORICO_MAXIMO)
        ultima = (
            Execucao.objects.filter(processo_id=pk)
            .order_by("-criado_em")
            .values_list("pk", flat=True)
            .first()
        )
        return linhas_desde(Chave("execucao", ultima), 0, HISTORICO_MAXIMO) if ultima else []

    def estado(dados: dict, ultimo: int) -> tuple[str, bool]:
        return evento_sse(dados, id_=ultimo, tipo="estado"), False

    return transmitir(
        chave,
        desde,
        inicio=lambda ultimo: [],
        linha=linha_do_processo,
        estado=estado,
        historico_de=historico,
    )


async def stream_do_job(request, job_id):
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
    """O stream de um job no formato do sistema antigo (docs/api-rpa.md §4)."""
    if not pode(usuario, Capacidade.LER):
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
