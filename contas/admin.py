from allauth.account.models import EmailAddress
from allauth.socialaccount.models import SocialAccount, SocialApp, SocialToken
from django import forms
from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin
from django.contrib.auth.forms import UserChangeForm, UserCreationForm
from django.contrib.auth.models import Group
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html
from django.views.decorators.http import require_POST
from rest_framework_simplejwt.token_blacklist.models import BlacklistedToken, OutstandingToken

from contas.models import Perfil, Usuario
from nucleo.admin_base import quando_curto, selo, texto_curto
from nucleo.permissoes import Capacidade, pode


def mascarar(segredo: str) -> str:
    if not segredo:
        return "—"
    return f"••••••••{segredo[-4:]}" if len(segredo) > 12 else "••••••••"


class CampoTokenNovo(forms.CharField):
    def __init__(self, **kwargs):
        super().__init__(
            required=False,
            strip=True,
            widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "off"}),
            label="Substituir token da API RPA",
            help_text="Cole um novo token JWT para substituí-lo; deixe vazio para manter o atual.",
            **kwargs,
        )


class FormularioUsuario(UserChangeForm):
    novo_token = CampoTokenNovo()

    class Meta(UserChangeForm.Meta):
        model = Usuario
        fields = ("username", "nome", "email", "perfil", "is_active")

    def clean_novo_token(self):
        # O token é da API RPA (execucoes, que depende de contas): importado só na hora de usar,
        # aqui e abaixo, para contas não importar execucoes ao carregar.
        from execucoes.token_rpa import expiracao

        token = self.cleaned_data["novo_token"]
        if token and expiracao(token) is None:
            raise forms.ValidationError("Isto não parece um token JWT (não tem data de expiração).")
        return token


class FormularioNovoUsuario(UserCreationForm):
    class Meta(UserCreationForm.Meta):
        model = Usuario
        fields = ("username", "nome", "email", "perfil")


admin.site.unregister(Group)  # o perfil do usuário faz o papel de grupo

# O login social (GitHub) é configurado pelo ambiente, não pelo admin; e os tokens sociais são
# segredos que ninguém precisa ver no back office — como os JWT da API guardados pela lista negra
# do simplejwt (desativar a pessoa ou trocar a senha dela é o que encerra os tokens).
for _modelo in (
    EmailAddress,
    SocialAccount,
    SocialApp,
    SocialToken,
    OutstandingToken,
    BlacklistedToken,
):
    if admin.site.is_registered(_modelo):
        admin.site.unregister(_modelo)


@admin.register(Usuario)
class UsuarioAdmin(UserAdmin):
    """Só administradores gerenciam usuários (e veem o token global, sempre mascarado)."""

    form = FormularioUsuario
    add_form = FormularioNovoUsuario
    list_display = ["username", "nome", "email_", "perfil_selo", "ativo_selo", "ultimo_login"]
    list_filter = ["perfil", "is_active"]
    search_fields = ["username", "nome", "email"]
    ordering = ["username"]
    readonly_fields = ["token_mascarado", "validade_do_token", "last_login", "date_joined"]
    change_form_template = "admin/contas/usuario/change_form.html"
    fieldsets = [
        (None, {"fields": ["username", "password"]}),
        ("Dados pessoais", {"fields": ["nome", "email"]}),
        ("Acesso", {"fields": ["perfil", "is_active"]}),
        (
            "Token da API RPA (global)",
            {
                "fields": ["token_mascarado", "validade_do_token", "novo_token"],
                "description": "Um só token vale para todo o sistema: o do administrador que "
                "guardou um token por último.",
            },
        ),
        ("Datas", {"fields": ["last_login", "date_joined"]}),
    ]
    add_fieldsets = [
        (None, {"fields": ["username", "nome", "email", "perfil", "password1", "password2"]}),
    ]

    def _e_administrador(self, request) -> bool:
        return pode(request.user, Capacidade.GERIR_EQUIPE)

    def has_module_permission(self, request) -> bool:
        return self._e_administrador(request)

    def has_view_permission(self, request, obj=None) -> bool:
        return self._e_administrador(request)

    def has_add_permission(self, request) -> bool:
        return self._e_administrador(request)

    def has_change_permission(self, request, obj=None) -> bool:
        return self._e_administrador(request)

    def has_delete_permission(self, request, obj=None) -> bool:
        return self._e_administrador(request) and obj != request.user

    @admin.display(description="e-mail", ordering="email")
    def email_(self, usuario):
        return texto_curto(usuario.email, 40)

    @admin.display(description="último acesso", ordering="last_login")
    def ultimo_login(self, usuario):
        return quando_curto(usuario.last_login)

    @admin.display(description="perfil", ordering="perfil")
    def perfil_selo(self, usuario):
        return selo(usuario.perfil, usuario.get_perfil_display(), cores={})

    @admin.display(description="ativo", ordering="is_active")
    def ativo_selo(self, usuario):
        return selo(usuario.is_active, "Ativo" if usuario.is_active else "Inativo")

    def save_model(self, request, obj, form, change):
        from execucoes.token_rpa import guardar_token

        super().save_model(request, obj, form, change)
        if form.cleaned_data.get("novo_token"):
            guardar_token(obj, form.cleaned_data["novo_token"])

    def get_fieldsets(self, request, obj=None):
        fieldsets = super().get_fieldsets(request, obj)
        if obj is not None and obj.perfil != Perfil.ADMINISTRADOR:
            return [fs for fs in fieldsets if "Token" not in (fs[0] or "")]
        return fieldsets

    @admin.display(description="token JWT atual")
    def token_mascarado(self, usuario):
        url = reverse("rpa_testar_conexao")
        return format_html(
            '<span id="token-api">{}</span> '
            '<button type="submit" form="form-renovar-token" class="button" '
            'id="botao-renovar-token">Obter novo JWT (global)</button> '
            '<a href="{}" class="button">Testar conexão</a>',
            mascarar(usuario.api_externa_token),
            url,
        )

    @admin.display(description="validade")
    def validade_do_token(self, usuario):
        from execucoes.token_rpa import expiracao

        if not usuario.api_externa_token:
            return "—"
        expira = expiracao(usuario.api_externa_token)
        if expira is None:
            return "sem data de expiração legível"
        dias = (expira - timezone.now()).days
        quando = timezone.localtime(expira).strftime("%d/%m/%Y %H:%M")
        if dias < 0:
            return format_html('<strong class="erro">expirou em {}</strong>', quando)
        return f"válido até {quando} ({dias} dia(s))"

    def get_urls(self):
        return [
            path(
                "<path:object_id>/renovar-token/",
                self.admin_site.admin_view(self.renovar_token_view),
                name="contas_usuario_renovar_token",
            ),
            *super().get_urls(),
        ]

    @staticmethod
    @require_POST
    def renovar_token_view(request, object_id):
        from execucoes.conexao import RenovacaoImpossivel, renovar_token_global

        if not pode(request.user, Capacidade.GERIR_TOKEN):
            raise PermissionDenied
        usuario = get_object_or_404(Usuario, pk=object_id)
        destino = reverse("admin:contas_usuario_change", args=[usuario.pk])
        if usuario.perfil != Perfil.ADMINISTRADOR:
            messages.error(request, "O token global fica guardado num administrador.")
            return redirect(destino)
        try:
            expira = renovar_token_global(usuario)
        except RenovacaoImpossivel as erro:
            messages.error(request, f"Não foi possível obter um novo token: {erro}")
            return redirect(destino)
        validade = timezone.localtime(expira).strftime("%d/%m/%Y %H:%M") if expira else "?"
        messages.success(request, f"Novo token JWT global guardado; válido até {validade}.")
        return redirect(destino)
