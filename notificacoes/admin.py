from django.contrib import admin, messages
from django.utils.html import format_html

from notificacoes.envio import FalhaNoEnvio, testar_webhook
from notificacoes.forms import FormularioWebhook
from notificacoes.models import COR_DO_STATUS, Notificacao, TipoNotificacao, Webhook
from nucleo.admin_base import AdminSomenteLeitura, quando_curto, selo, texto_curto
from nucleo.permissoes import Capacidade, pode


def _administrador(request) -> bool:
    return pode(request.user, Capacidade.GERIR_EQUIPE)


@admin.register(Notificacao)
class NotificacaoAdmin(AdminSomenteLeitura):
    """A caixa de saída: o que foi (ou não) entregue, a quem, por onde e com que erro."""

    list_display = [
        "criada",
        "assunto_",
        "tipo",
        "canal",
        "destino",
        "status_selo",
        "tentativas",
        "enviada",
    ]
    list_display_links = ["criada"]
    list_filter = ["status", "tipo", "canal"]
    search_fields = ["assunto", "destinatario__username", "destinatario__nome", "=evento"]
    list_select_related = ["destinatario", "webhook"]
    exclude = ["html"]
    readonly_fields = [
        "tipo",
        "canal",
        "destinatario",
        "webhook",
        "evento",
        "assunto",
        "texto",
        "link",
        "status_selo",
        "tentativas",
        "proxima_tentativa_em",
        "erro",
        "enviada_em",
        "lida_em",
        "criado_em",
    ]
    fields = readonly_fields

    def has_view_permission(self, request, obj=None) -> bool:
        return _administrador(request)

    @admin.display(description="criada em", ordering="criado_em")
    def criada(self, obj: Notificacao) -> str:
        return quando_curto(obj.criado_em)

    @admin.display(description="enviada em", ordering="enviada_em")
    def enviada(self, obj: Notificacao) -> str:
        return quando_curto(obj.enviada_em)

    @admin.display(description="assunto", ordering="assunto")
    def assunto_(self, obj: Notificacao) -> str:
        return texto_curto(obj.assunto, 60)

    @admin.display(description="para")
    def destino(self, obj: Notificacao) -> str:
        return texto_curto(obj.destinatario or obj.webhook, 30)

    @admin.display(description="status", ordering="status")
    def status_selo(self, obj: Notificacao) -> str:
        return selo(obj.status, obj.get_status_display(), COR_DO_STATUS)


@admin.action(description="Enviar um POST de teste", permissions=["change"])
def enviar_teste(modeladmin, request, queryset):
    for webhook in queryset:
        try:
            testar_webhook(webhook)
        except FalhaNoEnvio as erro:
            modeladmin.message_user(request, str(erro), messages.ERROR)
        else:
            modeladmin.message_user(
                request, f"O webhook “{webhook.nome}” recebeu o teste (HTTP 2xx).", messages.SUCCESS
            )


@admin.register(Webhook)
class WebhookAdmin(admin.ModelAdmin):
    """Só administradores; o segredo nunca volta para a tela."""

    form = FormularioWebhook
    list_display = ["nome", "endereco", "tipos_enviados", "ativo"]
    list_filter = ["ativo"]
    fields = ["nome", "url", "segredo_guardado", "novo_segredo", "tipos", "ativo"]
    readonly_fields = ["segredo_guardado"]
    actions = [enviar_teste]

    def has_module_permission(self, request) -> bool:
        return _administrador(request)

    def has_view_permission(self, request, obj=None) -> bool:
        return _administrador(request)

    def has_add_permission(self, request) -> bool:
        return _administrador(request)

    def has_change_permission(self, request, obj=None) -> bool:
        return _administrador(request)

    def has_delete_permission(self, request, obj=None) -> bool:
        return _administrador(request)

    @admin.display(description="segredo")
    def segredo_guardado(self, obj: Webhook) -> str:
        return "guardado (cifrado)" if obj and obj.segredo else "— (POSTs sem assinatura)"

    @admin.display(description="URL", ordering="url")
    def endereco(self, obj: Webhook) -> str:
        return texto_curto(obj.url, 50)

    @admin.display(description="tipos enviados")
    def tipos_enviados(self, obj: Webhook) -> str:
        rotulos = [TipoNotificacao(t).label for t in obj.tipos if t in TipoNotificacao.values]
        return format_html("{}", ", ".join(rotulos) or "—")
