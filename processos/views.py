"""A página do processo: resumo, fatura, ações, histórico, execuções e o log ao vivo."""

from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Q
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils.http import content_disposition_header
from django.views.decorators.clickjacking import xframe_options_sameorigin

from execucoes.log_em_texto import texto_do_log
from execucoes.models import Execucao, TipoExecucao
from nucleo.permissoes import Capacidade, pode
from processos.acoes import execucao_ativa
from processos.admin_acoes import digitado_antes
from processos.andamento import andamento_da
from processos.aprovacao import meses_anteriores, mesma_fatura
from processos.competencia import competencia_atual, formatar_competencia, ler_competencia
from processos.fatura import resposta_da_fatura
from processos.indicadores import competencias_recentes
from processos.models import Processo
from processos.registro_de_acoes import botoes
from processos.relatorio import relatorio_mensal as relatorio_mensal_de


def _equipe(request):
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    if not pode(request.user, Capacidade.LER):
        raise PermissionDenied
    return None


# As linhas de execuções e de transições que a página mostra, das mais recentes; todas ficam na
# lista do admin filtrada pelo processo. A página troca essas partes a cada evento do robô: cada
# uma custa as mesmas consultas com 3 execuções ou com 3.000.
MAIS_RECENTES = 20


def _processo(pk) -> Processo:
    return get_object_or_404(
        Processo.objects.select_related("cliente__operadora", "aprovado_por"), pk=pk
    )


def _do_resumo(request, processo: Processo) -> dict:
    ativa = execucao_ativa(processo)
    return {
        "processo": processo,
        "ativa": ativa is not None,
        "andamento": andamento_da(ativa),
        "botoes_de_acao": botoes(processo, request.user, digitado_antes(request, processo)),
        "mesma_fatura": mesma_fatura(processo),
        "conferencia": _conferencia(processo),
        "voltar_para": reverse("processo_detalhe", args=[processo.pk]),
    }


def _das_execucoes(processo: Processo) -> dict:
    execucoes = list(processo.execucoes.order_by("-criado_em")[:MAIS_RECENTES])
    return {
        "processo": processo,
        "execucoes": execucoes,
        "execucao_atual": execucoes[0] if execucoes else None,
        "total_de_execucoes": processo.execucoes.count(),
    }


def _do_historico(processo: Processo) -> dict:
    recentes = processo.transicoes.select_related("usuario").order_by("-criado_em")
    return {
        "processo": processo,
        "transicoes": list(reversed(recentes[:MAIS_RECENTES])),  # da mais antiga à mais nova
        "total_de_transicoes": processo.transicoes.count(),
    }


def _conferencia(processo: Processo) -> dict | None:
    """A conferência do cliente na fatura mais recente (a do robô, ou a recusa dela)."""
    com_conferencia = Q(tipo=TipoExecucao.DOWNLOAD_FATURA, resultado__has_key="conferencia")
    if processo.fatura:
        com_conferencia |= Q(tipo=TipoExecucao.UPLOAD_MANUAL)
    execucao = processo.execucoes.filter(com_conferencia).order_by("-criado_em").first()
    if execucao is None:
        return None
    if execucao.tipo == TipoExecucao.UPLOAD_MANUAL:
        return {"ok": None, "mensagem": "Fatura enviada à mão: confira o cliente no PDF."}
    return execucao.conferencia


def detalhe(request, pk):
    if (resposta := _equipe(request)) is not None:
        return resposta
    processo = _processo(pk)
    contexto = {
        **_do_resumo(request, processo),
        **_das_execucoes(processo),
        **_do_historico(processo),
        "title": f"{processo.cliente.razao_social} — {processo.competencia_display}",
        "meses_anteriores": meses_anteriores(processo),
    }
    from django.contrib import admin

    contexto.update(admin.site.each_context(request))
    return render(request, "processos/detalhe.html", contexto)


def resumo(request, pk):
    """Só o resumo e os botões (a página troca quando o status muda, sem recarregar)."""
    if (resposta := _equipe(request)) is not None:
        return resposta
    return render(request, "processos/_resumo.html", _do_resumo(request, _processo(pk)))


def historico(request, pk):
    if (resposta := _equipe(request)) is not None:
        return resposta
    return render(request, "processos/_historico.html", _do_historico(_processo(pk)))


def execucoes(request, pk):
    if (resposta := _equipe(request)) is not None:
        return resposta
    return render(request, "processos/_execucoes.html", _das_execucoes(_processo(pk)))


@xframe_options_sameorigin
def fatura(request, pk):
    if (resposta := _equipe(request)) is not None:
        return resposta
    return resposta_da_fatura(get_object_or_404(Processo, pk=pk))


def log_texto(request, pk):
    """O log inteiro de uma execução, como texto (para baixar ou anexar num chamado)."""
    if (resposta := _equipe(request)) is not None:
        return resposta
    execucao = get_object_or_404(Execucao.objects.only("pk", "job_id"), pk=pk)
    resposta = HttpResponse(texto_do_log(execucao.pk), content_type="text/plain; charset=utf-8")
    # O job_id veio do robô: o cabeçalho é montado pelo Django, que escapa o que precisar.
    resposta["Content-Disposition"] = content_disposition_header(
        bool(request.GET.get("baixar")), f"log-{execucao.job_id or execucao.pk}.txt"
    )
    return resposta


def relatorio_mensal(request):
    """O relatório da competência (`?competencia=MM/AAAA`; sem ela, a atual), para imprimir."""
    if (resposta := _equipe(request)) is not None:
        return resposta
    competencia = competencia_atual()
    if pedida := request.GET.get("competencia"):
        try:
            competencia = ler_competencia(pedida)
        except ValidationError as erro:
            messages.error(request, " ".join(erro.messages))
    from django.contrib import admin

    contexto = {
        **admin.site.each_context(request),
        "title": f"Relatório de {formatar_competencia(competencia)}",
        "relatorio": relatorio_mensal_de(competencia),
        "competencias": competencias_recentes(),
    }
    return render(request, "processos/relatorio_mensal.html", contexto)
