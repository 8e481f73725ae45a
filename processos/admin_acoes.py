"""As ações do fluxo no admin: em lote na lista e como botões na página do processo.

Quais são, o que dizem e perguntam: `processos.registro_de_acoes`; a regra: `processos.acoes`.
Aqui só se traduz o pedido e se resume o resultado para a pessoa.
"""

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass

from django import forms
from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.core.exceptions import PermissionDenied
from django.http import QueryDict
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.utils.http import url_has_allowed_host_and_scheme

from nucleo.erros import AcaoRecusada
from nucleo.permissoes import Capacidade
from processos.acoes import Pedido
from processos.competencia import CampoCompetencia, competencia_atual
from processos.forms import FormularioDeAcao, FormularioDeMotivo
from processos.indicadores import com_falha
from processos.models import Origem, Processo
from processos.registro_de_acoes import ACAO, ACOES, Acao, PaginaDoMotivo


def pedido_de(request) -> Pedido:
    return Pedido.do_request(request, Origem.WEB)


def resumir(
    modeladmin,
    request,
    feitos: int,
    recusas: Counter,
    verbo: str,
    objeto: str = "processo(s)",
    nota: str = "",
) -> None:
    """“3 processo(s) aprovado(s). 2 ignorado(s): motivo (2).” — sempre diz o porquê."""
    texto = f"{feitos} {objeto} {verbo}."
    if nota:
        texto += f" {nota}"
    if recusas:
        motivos = "; ".join(f"{motivo} ({n})" for motivo, n in recusas.most_common())
        texto += f" {sum(recusas.values())} ignorado(s): {motivos}"
    nivel = messages.SUCCESS if feitos and not recusas else messages.WARNING
    modeladmin.message_user(request, texto, level=nivel if feitos or recusas else messages.INFO)


def aplicar_em_lote(
    modeladmin,
    request,
    queryset,
    funcao,
    verbo: str,
    objeto: str = "processo(s)",
    notar: Callable[[list], str] | None = None,
    **kwargs,
) -> None:
    """`funcao` em cada linha; `notar(feitos)` acrescenta ao resumo o que a pessoa deve saber
    dos que deram certo (a aprovação diz quais usaram valores lidos do PDF)."""
    feitos, recusas = [], Counter()
    pedido = pedido_de(request)
    for pk in queryset.values_list("pk", flat=True):
        try:
            feitos.append(funcao(pk, pedido, **kwargs))
        except AcaoRecusada as erro:
            recusas[str(erro)] += 1
    nota = notar(feitos) if notar else ""
    resumir(modeladmin, request, len(feitos), recusas, verbo, objeto, nota=nota)


@dataclass(frozen=True)
class AcaoComMotivo:
    """Uma ação em lote que pergunta o motivo numa página intermediária e só então roda
    `funcao(objeto, pedido, motivo=...)` em cada linha."""

    acao: str  # o nome da action do admin
    pagina: PaginaDoMotivo
    funcao: Callable
    verbo: str
    objeto: str
    formulario: type[FormularioDeMotivo]
    descrever: Callable[[object], str]


def pedir_motivo_e_aplicar(modeladmin, request, queryset, acao: AcaoComMotivo):
    formulario = acao.formulario(request.POST if "motivo" in request.POST else None)
    if formulario.is_valid():
        aplicar_em_lote(
            modeladmin,
            request,
            queryset,
            acao.funcao,
            acao.verbo,
            objeto=acao.objeto,
            motivo=formulario.cleaned_data["motivo"],
        )
        return None
    contexto = {
        **modeladmin.admin_site.each_context(request),
        "title": acao.pagina.titulo,
        "opts": modeladmin.model._meta,
        "acao": acao,
        "linhas": [(objeto.pk, acao.descrever(objeto)) for objeto in queryset],
        "formulario": formulario,
        "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
    }
    return TemplateResponse(request, "admin/pedir_motivo.html", contexto)


def permissao(capacidade: Capacidade) -> str:
    """O nome no admin: `permissions=["aprovar"]` pergunta ao `has_aprovar_permission`."""
    return capacidade.name.lower()


def _em_lote(acao: Acao):
    """A ação do registro no menu da lista de processos, só para quem tem a capacidade dela."""
    lote = acao.em_lote

    def aplicar(modeladmin, request, queryset):
        if lote.pede_motivo is None:
            return aplicar_em_lote(
                modeladmin, request, queryset, acao.executar, lote.feitos, notar=lote.notar
            )
        com_motivo = AcaoComMotivo(
            acao=acao.nome,
            pagina=lote.pede_motivo,
            funcao=acao.executar,
            verbo=lote.feitos,
            objeto="processo(s)",
            formulario=acao.formulario,
            descrever=lambda processo: f"{processo} — {processo.get_status_display()}",
        )
        return pedir_motivo_e_aplicar(
            modeladmin, request, queryset.select_related("cliente__operadora"), com_motivo
        )

    aplicar.__name__ = acao.nome
    return admin.action(description=lote.descricao, permissions=[permissao(acao.capacidade)])(
        aplicar
    )


ACOES_EM_LOTE = [_em_lote(acao) for acao in ACOES if acao.em_lote]


def _voltar(request, processo_id):
    destino = request.POST.get("next", "")
    if destino and url_has_allowed_host_and_scheme(destino, allowed_hosts={request.get_host()}):
        return redirect(destino)
    return redirect("admin:processos_processo_change", processo_id)


# Onde o formulário de uma ação recusada espera a página do processo, com o que foi digitado.
DIGITADO = "processos.digitado"


def _guardar_o_digitado(request, processo_id, nome: str) -> None:
    dados = {
        campo: request.POST.getlist(campo)
        for campo in request.POST
        if campo not in ("csrfmiddlewaretoken", "next")
    }
    request.session[DIGITADO] = {"processo": str(processo_id), "acao": nome, "dados": dados}


def digitado_antes(request, processo) -> dict[str, FormularioDeAcao]:
    """O formulário que voltou com erro para esta página (uma vez só), pelo nome da ação."""
    guardado = request.session.get(DIGITADO)
    if not guardado or guardado.get("processo") != str(processo.pk):
        return {}
    del request.session[DIGITADO]
    acao = ACAO.get(guardado["acao"])
    if acao is None or acao.formulario is None:
        return {}
    dados = QueryDict(mutable=True)
    for campo, valores in guardado["dados"].items():
        dados.setlist(campo, valores)
    return {acao.nome: acao.formulario.com_o_digitado(dados)}


def executar_acao_do_processo(request, processo_id, nome: str):
    """Os botões da página do processo: POST, uma ação, volta para a página com a mensagem."""
    if request.method != "POST":
        return redirect("admin:processos_processo_change", processo_id)
    processo = get_object_or_404(Processo, pk=processo_id)
    acao = ACAO.get(nome)
    if acao is None:
        raise PermissionDenied
    formulario = acao.formulario(request.POST, request.FILES) if acao.formulario else None
    if formulario is not None and not formulario.is_valid():
        erros = "; ".join(
            f"{formulario.fields[c].label}: {' '.join(e)}" for c, e in formulario.errors.items()
        )
        messages.error(request, f"Não foi feito: {erros}")
        _guardar_o_digitado(request, processo.pk, nome)
        return _voltar(request, processo.pk)
    argumentos = formulario.argumentos() if formulario is not None else {}
    try:
        acao.executar(processo, pedido_de(request), **argumentos)
    except AcaoRecusada as erro:
        messages.error(request, str(erro))
        if formulario is not None:
            _guardar_o_digitado(request, processo.pk, nome)
    else:
        messages.success(request, acao.sucesso)
    return _voltar(request, processo.pk)


class FormularioRepetirFalhas(forms.Form):
    competencia = CampoCompetencia(label="competência")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["competencia"].initial = competencia_atual()


def processos_com_falha(competencia):
    """Processos da competência cuja última execução falhou (ou estourou o tempo)."""
    return com_falha(Processo.objects.filter(competencia=competencia))
