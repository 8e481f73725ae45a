from django.contrib import admin
from django.urls import reverse
from django.utils.html import format_html

from execucoes.models import COR_DO_NIVEL, COR_DO_STATUS, Execucao, LogExecucao
from nucleo.admin_base import AdminSomenteLeitura, selo
from nucleo.permissoes import Capacidade, pode
from processos import acoes
from processos.admin_acoes import AcaoComMotivo, pedir_motivo_e_aplicar
from processos.registro_de_acoes import ACAO, PaginaDoMotivo

# O “Cancelar execução” do registro, em lote sobre as execuções (não sobre os processos).
CANCELAR = AcaoComMotivo(
    acao="cancelar_execucoes",
    pagina=PaginaDoMotivo(
        titulo="Cancelar execuções",
        explicacao="As execuções em andamento destas linhas são canceladas e o processo pode ser "
        "executado de novo; as que já terminaram ficam como estão. Diga o motivo — ele fica no "
        "log de cada execução.",
        botao="Cancelar execuções",
        voltar="Voltar",
    ),
    funcao=acoes.cancelar_execucao,
    verbo="cancelada(s)",
    objeto="execução(ões)",
    formulario=ACAO["cancelar_execucao"].formulario,
    descrever=lambda execucao: f"{execucao.processo} — {execucao}",
)


@admin.action(description="Cancelar execuções (pede o motivo)", permissions=["cancelar"])
def cancelar_execucoes(modeladmin, request, queryset):
    return pedir_motivo_e_aplicar(
        modeladmin, request, queryset.select_related("processo__cliente"), CANCELAR
    )


@admin.register(Execucao)
class ExecucaoAdmin(AdminSomenteLeitura):
    list_display = [
        "criado_em",
        "processo",
        "tipo",
        "status_selo",
        "numero_tentativa",
        "job_id",
        "progresso",
        "iniciada_em",
        "finalizada_em",
    ]
    list_filter = ["status", "tipo"]
    search_fields = ["=job_id", "processo__cliente__razao_social", "=processo__cliente__cnpj"]
    list_select_related = ["processo__cliente"]
    actions = [cancelar_execucoes]
    exclude = []
    readonly_fields = [
        "processo",
        "tipo",
        "status_selo",
        "job_id",
        "numero_tentativa",
        "progresso",
        "parametros_entrada",
        "resultado",
        "erro",
        "iniciada_em",
        "finalizada_em",
        "executado_por",
        "cancelada_por",
        "ip_origem",
        "user_agent",
        "linhas_de_log",
    ]
    fields = readonly_fields

    def has_cancelar_permission(self, request) -> bool:
        return pode(request.user, Capacidade.OPERAR)

    @admin.display(description="status", ordering="status")
    def status_selo(self, execucao):
        return selo(execucao.status, execucao.get_status_display(), COR_DO_STATUS)

    @admin.display(description="log")
    def linhas_de_log(self, execucao):
        url = (
            reverse("admin:execucoes_logexecucao_changelist")
            + f"?execucao__id__exact={execucao.pk}"
        )
        return format_html('<a href="{}">Ver as linhas de log desta execução</a>', url)


@admin.register(LogExecucao)
class LogExecucaoAdmin(AdminSomenteLeitura):
    list_display = ["id", "momento", "nivel_selo", "mensagem", "execucao"]
    list_filter = ["nivel"]
    search_fields = ["mensagem", "=execucao__job_id"]
    filtros_da_url = ("execucao__id__exact",)  # o link "Ver as linhas de log" da execução
    list_select_related = ["execucao"]
    ordering = ["-id"]
    fields = ["execucao", "nivel", "mensagem", "momento", "recebido_em"]
    readonly_fields = fields

    @admin.display(description="nível", ordering="nivel")
    def nivel_selo(self, linha):
        return selo(linha.nivel, linha.nivel, COR_DO_NIVEL)
