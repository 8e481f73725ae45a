"""As ações do fluxo no admin: em lote na lista e como botões na página do processo.

Tudo chama `processos.acoes`; aqui só se traduz o pedido e se resume o resultado para a pessoa.
"""

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass

from django import forms
from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.utils.http import url_has_allowed_host_and_scheme

from execucoes.models import STATUS_ATIVOS, TipoExecucao
from nucleo.permissoes import Capacidade, pode
from processos import acoes
from processos.acoes import AcaoRecusada, Pedido
from processos.competencia import CampoCompetencia, competencia_atual
from processos.fatura import FaturaInvalida, conferir_tamanho
from processos.indicadores import com_falha
from processos.models import Origem, Processo, StatusProcesso


def pedido_de(request) -> Pedido:
    return Pedido.do_request(request, Origem.WEB)


def resumir(
    modeladmin, request, feitos: int, recusas: Counter, verbo: str, objeto: str = "processo(s)"
) -> None:
    """“3 processo(s) aprovado(s). 2 ignorado(s): motivo (2).” — sempre diz o porquê."""
    texto = f"{feitos} {objeto} {verbo}."
    if recusas:
        motivos = "; ".join(f"{motivo} ({n})" for motivo, n in recusas.most_common())
        texto += f" {sum(recusas.values())} ignorado(s): {motivos}"
    nivel = messages.SUCCESS if feitos and not recusas else messages.WARNING
    modeladmin.message_user(request, texto, level=nivel if feitos or recusas else messages.INFO)


def aplicar_em_lote(
    modeladmin, request, queryset, funcao, verbo: str, objeto: str = "processo(s)", **kwargs
) -> None:
    feitos, recusas = 0, Counter()
    pedido = pedido_de(request)
    for pk in queryset.values_list("pk", flat=True):
        try:
            funcao(pk, pedido, **kwargs)
        except AcaoRecusada as erro:
            recusas[str(erro)] += 1
        else:
            feitos += 1
    resumir(modeladmin, request, feitos, recusas, verbo, objeto)


@admin.action(description="Executar download da fatura")
def executar_download(modeladmin, request, queryset):
    aplicar_em_lote(modeladmin, request, queryset, acoes.executar_download, "enviado(s) ao robô")


@admin.action(description="Aprovar faturas")
def aprovar(modeladmin, request, queryset):
    aplicar_em_lote(modeladmin, request, queryset, acoes.aprovar, "aprovado(s)")


@admin.action(description="Enviar ao SAT")
def enviar_ao_sat(modeladmin, request, queryset):
    aplicar_em_lote(modeladmin, request, queryset, acoes.enviar_ao_sat, "enviado(s) ao SAT")


@admin.action(description="Executar novamente")
def executar_novamente(modeladmin, request, queryset):
    aplicar_em_lote(modeladmin, request, queryset, acoes.executar_novamente, "reexecutado(s)")


class FormularioDeMotivo(forms.Form):
    """Um motivo obrigatório (rejeitar, cancelar); cada subclasse diz o rótulo e a mensagem."""

    rotulo = "Motivo"
    falta = "Informe o motivo."
    motivo = forms.CharField(widget=forms.Textarea(attrs={"rows": 3, "cols": 60}))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["motivo"].label = self.rotulo
        self.fields["motivo"].error_messages["required"] = self.falta

    def clean_motivo(self):
        motivo = self.cleaned_data["motivo"].strip()
        if not motivo:
            raise forms.ValidationError(self.falta)
        return motivo


class FormularioRejeicao(FormularioDeMotivo):
    rotulo = "Motivo da rejeição"
    falta = "Informe o motivo da rejeição."


class FormularioCancelamento(FormularioDeMotivo):
    rotulo = "Motivo do cancelamento"
    falta = "Informe o motivo do cancelamento."


@dataclass(frozen=True)
class AcaoComMotivo:
    """Uma ação em lote que pergunta o motivo numa página intermediária (como a de exclusão do
    Django) e só então roda `funcao(objeto, pedido, motivo=...)` em cada linha."""

    acao: str  # o nome da action do admin
    titulo: str
    explicacao: str
    botao: str
    voltar: str
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
        "title": acao.titulo,
        "opts": modeladmin.model._meta,
        "acao": acao,
        "linhas": [(objeto.pk, acao.descrever(objeto)) for objeto in queryset],
        "formulario": formulario,
        "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
    }
    return TemplateResponse(request, "admin/pedir_motivo.html", contexto)


@admin.action(description="Rejeitar faturas (pede o motivo)")
def rejeitar(modeladmin, request, queryset):
    return pedir_motivo_e_aplicar(
        modeladmin, request, queryset.select_related("cliente__operadora"), REJEITAR
    )


REJEITAR = AcaoComMotivo(
    acao="rejeitar",
    titulo="Rejeitar faturas",
    explicacao="Estas faturas voltam para “Aguardando download”. Diga o motivo — ele fica no "
    "histórico de cada processo.",
    botao="Rejeitar",
    voltar="Cancelar",
    funcao=acoes.rejeitar,
    verbo="rejeitado(s)",
    objeto="processo(s)",
    formulario=FormularioRejeicao,
    descrever=lambda processo: f"{processo} — {processo.get_status_display()}",
)


CAMPO_DATA = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class FormularioAprovacao(forms.Form):
    observacao = forms.CharField(
        label="Observação", required=False, widget=forms.Textarea(attrs={"rows": 2, "cols": 50})
    )
    valor = forms.DecimalField(
        label="Valor (R$)", required=False, min_value=0, decimal_places=2, localize=True
    )
    vencimento = forms.DateField(label="Vencimento", required=False, widget=CAMPO_DATA)


class FormularioUpload(forms.Form):
    arquivo = forms.FileField(label="Fatura (PDF)")
    valor = forms.DecimalField(label="Valor (R$)", min_value=0, decimal_places=2, localize=True)
    vencimento = forms.DateField(label="Vencimento", widget=CAMPO_DATA)

    def clean_arquivo(self):
        arquivo = self.cleaned_data["arquivo"]
        try:
            conferir_tamanho(arquivo.size)  # antes de ler: o tamanho real, contado ao receber
        except FaturaInvalida as erro:
            raise forms.ValidationError(str(erro)) from None
        return arquivo


def _formulario_da_acao(nome: str, request):
    if nome == "aprovar":
        return FormularioAprovacao(request.POST)
    if nome == "rejeitar":
        return FormularioRejeicao(request.POST)
    if nome == "upload":
        return FormularioUpload(request.POST, request.FILES)
    if nome == "cancelar_execucao":
        return FormularioCancelamento(request.POST)
    return None


def _voltar(request, processo_id):
    destino = request.POST.get("next", "")
    if destino and url_has_allowed_host_and_scheme(destino, allowed_hosts={request.get_host()}):
        return redirect(destino)
    return redirect("admin:processos_processo_change", processo_id)


def executar_acao_do_processo(request, processo_id, nome: str):
    """Os botões da página do processo: POST, uma ação, volta para a página com a mensagem."""
    if request.method != "POST":
        return redirect("admin:processos_processo_change", processo_id)
    processo = get_object_or_404(Processo, pk=processo_id)
    pedido = pedido_de(request)
    formulario = _formulario_da_acao(nome, request)
    if formulario is not None and not formulario.is_valid():
        erros = "; ".join(
            f"{formulario.fields[c].label}: {' '.join(e)}" for c, e in formulario.errors.items()
        )
        messages.error(request, f"Não foi feito: {erros}")
        return _voltar(request, processo.pk)
    dados = formulario.cleaned_data if formulario is not None else {}
    funcoes = {
        "executar_download": lambda: acoes.executar_download(processo, pedido),
        "enviar_ao_sat": lambda: acoes.enviar_ao_sat(processo, pedido),
        "executar_novamente": lambda: acoes.executar_novamente(processo, pedido),
        "aprovar": lambda: acoes.aprovar(processo, pedido, **dados),
        "rejeitar": lambda: acoes.rejeitar(processo, pedido, **dados),
        "upload": lambda: acoes.upload_manual(
            processo,
            pedido,
            conteudo=dados["arquivo"].read(),
            valor=dados["valor"],
            vencimento=dados["vencimento"],
        ),
        "cancelar_execucao": lambda: acoes.cancelar_execucao_ativa(processo, pedido, **dados),
    }
    if nome not in funcoes:
        raise PermissionDenied
    try:
        funcoes[nome]()
    except AcaoRecusada as erro:
        messages.error(request, str(erro))
    else:
        messages.success(request, MENSAGENS_DE_SUCESSO[nome])
    return _voltar(request, processo.pk)


MENSAGENS_DE_SUCESSO = {
    "executar_download": "Download pedido ao robô; a página acompanha a execução.",
    "enviar_ao_sat": "Envio ao SAT pedido ao robô.",
    "executar_novamente": "Nova execução pedida ao robô.",
    "aprovar": "Fatura aprovada.",
    "rejeitar": "Fatura rejeitada; o processo voltou para o download.",
    "upload": "Fatura enviada; o processo aguarda aprovação.",
    "cancelar_execucao": "Execução cancelada; o processo pode ser executado de novo.",
}


def acoes_permitidas(processo: Processo, usuario) -> list[str]:
    """Quais botões mostrar, pelo perfil e pelo estado (o serviço confere de novo ao executar)."""
    execucoes = list(processo.execucoes.all())
    if any(execucao.status in STATUS_ATIVOS for execucao in execucoes):
        return ["cancelar_execucao"] if pode(usuario, Capacidade.OPERAR) else []
    tipos_que_rodaram = {execucao.tipo for execucao in execucoes}
    botoes = []
    if pode(usuario, Capacidade.OPERAR):
        if processo.status == StatusProcesso.AGUARDANDO_DOWNLOAD:
            if processo.cliente.operadora.possui_rpa:
                ja_rodou = TipoExecucao.DOWNLOAD_FATURA in tipos_que_rodaram
                botoes.append("executar_novamente" if ja_rodou else "executar_download")
            botoes.append("upload")
        elif processo.status == StatusProcesso.AGUARDANDO_ENVIO_SAT:
            ja_rodou = TipoExecucao.UPLOAD_SAT in tipos_que_rodaram
            botoes.append("executar_novamente" if ja_rodou else "enviar_ao_sat")
    aprovador = pode(usuario, Capacidade.APROVAR)
    if aprovador and processo.status == StatusProcesso.AGUARDANDO_APROVACAO:
        botoes += ["aprovar", "rejeitar"]
    return botoes


class FormularioRepetirFalhas(forms.Form):
    competencia = CampoCompetencia(label="competência")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["competencia"].initial = competencia_atual()


def processos_com_falha(competencia):
    """Processos da competência cuja última execução falhou (ou estourou o tempo)."""
    return com_falha(Processo.objects.filter(competencia=competencia))
