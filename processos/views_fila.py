"""A página da fila de aprovação: a fatura da vez ao lado dos seus dados, e Aprovar e próxima,
Rejeitar e próxima ou Pular. A ordem e a vez: `processos.fila`; o que quem aprova vê:
`processos.aprovacao`; aprovar e rejeitar: os serviços do registro de ações."""

import uuid

from django.contrib import admin, messages
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from nucleo.erros import AcaoRecusada
from nucleo.permissoes import Capacidade, pode
from processos import aprovacao, fila
from processos.acoes import Pedido
from processos.forms import FormularioAprovacao, FormularioRejeicao
from processos.leitura_da_fatura import completar_pelo_pdf
from processos.models import Origem, Processo, StatusProcesso
from processos.registro_de_acoes import ACAO

DECISOES = ("aprovar", "rejeitar")


def fila_de_aprovacao(request: HttpRequest) -> HttpResponse:
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    if not pode(request.user, Capacidade.APROVAR):
        raise PermissionDenied
    if request.method == "POST":
        return _decidir(request)
    vez = fila.da_vez(request.session)
    if vez is None:
        fila.recomecar(request.session)
        return render(request, "processos/fila_vazia.html", _do_admin(request, "Fila de aprovação"))
    return _pagina(request, vez)


def _decidir(request):
    processo = _processo_do_pedido(request)
    if processo is None:
        messages.error(request, "Essa fatura não está mais na fila.")
        return redirect("fila_de_aprovacao")
    nome = request.POST.get("acao")
    if nome == "pular":
        fila.pular(request.session, processo)
        return redirect("fila_de_aprovacao")
    if nome not in DECISOES:
        messages.error(request, "Escolha aprovar, rejeitar ou pular.")
        return redirect("fila_de_aprovacao")
    acao = ACAO[nome]
    formulario = acao.formulario(request.POST)
    if not formulario.is_valid():
        return _pagina_com_erro(request, processo, nome, formulario)
    try:
        acao.executar(processo, Pedido.do_request(request, Origem.WEB), **formulario.argumentos())
    except AcaoRecusada as erro:
        if _ainda_esperando(processo):  # falta algo (o vencimento, quatro olhos): fica na tela
            formulario.add_error(None, str(erro))
            return _pagina_com_erro(request, processo, nome, formulario)
        messages.warning(request, f"{processo}: {erro}")  # outra pessoa decidiu antes
        return redirect("fila_de_aprovacao")
    fila.decidido(request.session, processo)
    verbo = "aprovada" if nome == "aprovar" else "rejeitada (voltou para o download)"
    messages.success(request, f"Fatura de {processo} {verbo}.")
    return redirect("fila_de_aprovacao")


def _processo_do_pedido(request) -> Processo | None:
    try:
        pk = uuid.UUID(request.POST.get("processo", ""))
    except ValueError:
        return None
    return Processo.objects.select_related("cliente__operadora").filter(pk=pk).first()


def _ainda_esperando(processo: Processo) -> bool:
    processo.refresh_from_db(fields=["status"])
    return processo.status == StatusProcesso.AGUARDANDO_APROVACAO


def _pagina_com_erro(request, processo: Processo, nome: str, formulario):
    """A mesma fatura de novo, com o que a pessoa digitou e o erro; nada mudou."""
    vez = fila.da_vez(request.session)
    if vez is None or vez.processo.pk != processo.pk:
        vez = fila.Vez(processo, vez.numero if vez else 1, vez.total if vez else 1)
    formularios = {"aprovar": formulario} if nome == "aprovar" else {"rejeitar": formulario}
    return _pagina(request, vez, status=400, **formularios)


def _pagina(request, vez: fila.Vez, *, status: int = 200, aprovar=None, rejeitar=None):
    processo = vez.processo
    # Faturas que chegaram antes da leitura do PDF: lidas agora, só para a tela (quem grava é a
    # aprovação, pela mesma regra).
    completar_pelo_pdf(processo)
    anteriores = aprovacao.meses_anteriores(processo)
    contexto = {
        **_do_admin(request, "Fila de aprovação"),
        "vez": vez,
        "processo": processo,
        "aprovar": aprovar or FormularioAprovacao.em_branco(processo),
        "rejeitar": rejeitar or FormularioRejeicao(),
        "meses_anteriores": anteriores,
        "comparacoes": aprovacao.comparacoes(processo, anteriores),
        "mesma_fatura": aprovacao.mesma_fatura(processo),
        "avisos": aprovacao.avisos(processo),
    }
    return render(request, "processos/fila.html", contexto, status=status)


def _do_admin(request, titulo: str) -> dict:
    # Sem a barra lateral do admin: a largura toda é do PDF e dos dados.
    return {**admin.site.each_context(request), "title": titulo, "is_nav_sidebar_enabled": False}
