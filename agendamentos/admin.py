from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect
from django.urls import path
from django.utils import timezone
from django.utils.html import format_html_join
from django.utils.safestring import mark_safe

from agendamentos import execucao as servico
from agendamentos.em_palavras import em_palavras
from agendamentos.models import (
    COR_DO_RESULTADO,
    Agendamento,
    Disparo,
    ExecucaoAgendamento,
    Resultado,
)
from nucleo.admin_base import (
    AdminPorPerfil,
    AdminSomenteLeitura,
    quando_curto,
    selo,
    texto_curto,
)
from nucleo.permissoes import Capacidade, pode
from processos.admin import MaisRecentes, MaisRecentesInline


def horario(instante) -> str:
    return timezone.localtime(instante).strftime("%d/%m/%Y %H:%M") if instante else "—"


def resultado_selo(execucao: ExecucaoAgendamento) -> str:
    return selo(execucao.resultado, execucao.get_resultado_display(), COR_DO_RESULTADO)


class UltimasExecucoes(MaisRecentes):
    limite = 10


class ExecucaoAgendamentoInline(MaisRecentesInline):
    model = ExecucaoAgendamento
    formset = UltimasExecucoes
    template = "admin/agendamentos/agendamento/inline_ultimas.html"
    ordering = ["-iniciado_em", "-id"]
    fields = ["iniciado_em", "disparo", "disparado_por", "resultado_", "itens", "resumo", "erro"]
    readonly_fields = fields
    verbose_name_plural = "últimas execuções"

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("disparado_por")

    @admin.display(description="resultado")
    def resultado_(self, execucao):
        return resultado_selo(execucao)


@admin.register(Agendamento)
class AgendamentoAdmin(AdminPorPerfil):
    editar_se = Capacidade.AGENDAR
    list_display = [
        "nome",
        "tipo",
        "expressao",
        "em_palavras",
        "proximas_execucoes",
        "operadora",
        "situacao",
    ]
    list_filter = ["tipo", "ativo"]
    search_fields = ["nome"]
    list_select_related = ["operadora"]
    actions = ["executar_agora", "pausar", "retomar"]
    change_form_template = "admin/agendamentos/agendamento/change_form.html"
    inlines = [ExecucaoAgendamentoInline]
    readonly_fields = ["em_palavras", "proximas_execucoes"]
    fieldsets = [
        (None, {"fields": ["nome", "tipo", "ativo"]}),
        ("Quando", {"fields": ["expressao", "em_palavras", "proximas_execucoes"]}),
        ("Para quem", {"fields": ["operadora", "incluir_rejeitados"]}),
    ]

    def has_agendar_permission(self, request) -> bool:
        return pode(request.user, Capacidade.AGENDAR)

    @admin.display(description="em palavras")
    def em_palavras(self, agendamento):
        return em_palavras(agendamento.expressao) if agendamento.expressao else "—"

    @admin.display(description="próximas execuções")
    def proximas_execucoes(self, agendamento):
        if agendamento.pk is None or not agendamento.ativo:
            return "— (pausado)" if agendamento.pk else "—"
        return format_html_join(
            mark_safe("<br>"), "{}", ((horario(h),) for h in agendamento.proximos_horarios(3))
        )

    @admin.display(description="situação", ordering="ativo")
    def situacao(self, agendamento):
        return selo(agendamento.ativo, "Ativo" if agendamento.ativo else "Pausado")

    # --- ações: em lote na lista e como botões na página, o mesmo código -----------------------

    @admin.action(description="Executar agora", permissions=["agendar"])
    def executar_agora(self, request, queryset):
        for agendamento in queryset:
            self._executar(request, agendamento)

    @admin.action(description="Pausar", permissions=["agendar"])
    def pausar(self, request, queryset):
        feitos = sum(servico.pausar(agendamento) for agendamento in queryset)
        self._resumir(request, feitos, len(queryset), "pausado(s)", "já estava(m) pausado(s)")

    @admin.action(description="Retomar", permissions=["agendar"])
    def retomar(self, request, queryset):
        feitos = sum(servico.retomar(agendamento) for agendamento in queryset)
        self._resumir(request, feitos, len(queryset), "retomado(s)", "já estava(m) ativo(s)")

    def _resumir(self, request, feitos: int, total: int, verbo: str, porque: str) -> None:
        texto = f"{feitos} agendamento(s) {verbo}."
        if total > feitos:
            texto += f" {total - feitos} ignorado(s): {porque}."
        self.message_user(request, texto, messages.SUCCESS if feitos == total else messages.WARNING)

    def _executar(self, request, agendamento: Agendamento) -> None:
        execucao = servico.executar_agora(agendamento, request.user)
        if execucao.resultado == Resultado.SUCESSO:
            self.message_user(request, f"{agendamento}: {execucao.resumo}", messages.SUCCESS)
        elif execucao.resultado == Resultado.FALHA:
            self.message_user(request, f"{agendamento} falhou: {execucao.erro}", messages.ERROR)
        else:
            self.message_user(
                request, f"{agendamento}: em andamento; o resultado aparece no histórico."
            )

    def get_urls(self):
        return [
            path(
                "<uuid:agendamento_id>/acao/<slug:acao>/",
                self.admin_site.admin_view(self.botao_view),
                name="agendamentos_agendamento_botao",
            ),
            *super().get_urls(),
        ]

    def botao_view(self, request, agendamento_id, acao: str):
        if request.method != "POST" or acao not in ("executar", "pausar", "retomar"):
            raise PermissionDenied
        if not self.has_agendar_permission(request):
            raise PermissionDenied
        agendamento = get_object_or_404(Agendamento, pk=agendamento_id)
        fazer = {"executar": self.executar_agora, "pausar": self.pausar, "retomar": self.retomar}
        fazer[acao](request, Agendamento.objects.filter(pk=agendamento.pk))
        return redirect("admin:agendamentos_agendamento_change", agendamento.pk)

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        context["pode_agendar"] = obj is not None and self.has_agendar_permission(request)
        return super().render_change_form(request, context, add, change, form_url, obj)


@admin.register(ExecucaoAgendamento)
class ExecucaoAgendamentoAdmin(AdminSomenteLeitura):
    list_display = [
        "iniciado",
        "agendamento_",
        "disparo_",
        "previsto",
        "resultado_",
        "itens",
        "resumo_",
        "terminado",
    ]
    list_display_links = ["iniciado"]
    list_filter = ["agendamento", "resultado", "disparo"]
    list_select_related = ["agendamento", "disparado_por"]

    @admin.display(description="iniciado em", ordering="iniciado_em")
    def iniciado(self, execucao):
        return quando_curto(execucao.iniciado_em)

    @admin.display(description="terminado em", ordering="terminado_em")
    def terminado(self, execucao):
        return quando_curto(execucao.terminado_em)

    @admin.display(description="agendamento", ordering="agendamento__nome")
    def agendamento_(self, execucao):
        return texto_curto(execucao.agendamento, 40)

    @admin.display(description="resumo ou erro")
    def resumo_(self, execucao):
        return texto_curto(execucao.erro or execucao.resumo, 60)

    @admin.display(description="disparo", ordering="disparo")
    def disparo_(self, execucao):
        if execucao.disparo == Disparo.MANUAL and execucao.disparado_por:
            return f"Manual ({execucao.disparado_por})"
        return execucao.get_disparo_display()

    @admin.display(description="horário previsto", ordering="previsto_para")
    def previsto(self, execucao):
        return horario(execucao.previsto_para)

    @admin.display(description="resultado", ordering="resultado")
    def resultado_(self, execucao):
        return resultado_selo(execucao)
