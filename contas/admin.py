from django import forms
from django.contrib import admin
from django.contrib.auth.admin import UserAdmin
from django.contrib.auth.forms import UserChangeForm, UserCreationForm
from django.contrib.auth.models import Group

from brm.admin_base import selo
from contas.models import Usuario


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

    def save(self, commit=True):
        if self.cleaned_data.get("novo_token"):
            self.instance.api_externa_token = self.cleaned_data["novo_token"]
        return super().save(commit=commit)


class FormularioNovoUsuario(UserCreationForm):
    class Meta(UserCreationForm.Meta):
        model = Usuario
        fields = ("username", "nome", "email", "perfil")


admin.site.unregister(Group)  # o perfil do usuário faz o papel de grupo (SPEC §1)


@admin.register(Usuario)
class UsuarioAdmin(UserAdmin):
    """Só administradores gerenciam usuários (e veem o token global, sempre mascarado)."""

    form = FormularioUsuario
    add_form = FormularioNovoUsuario
    list_display = ["username", "nome", "email", "perfil_selo", "ativo_selo", "last_login"]
    list_filter = ["perfil", "is_active"]
    search_fields = ["username", "nome", "email"]
    ordering = ["username"]
    readonly_fields = ["token_mascarado", "last_login", "date_joined"]
    fieldsets = [
        (None, {"fields": ["username", "password"]}),
        ("Dados pessoais", {"fields": ["nome", "email"]}),
        ("Acesso", {"fields": ["perfil", "is_active"]}),
        ("API RPA", {"fields": ["token_mascarado", "novo_token"]}),
        ("Datas", {"fields": ["last_login", "date_joined"]}),
    ]
    add_fieldsets = [
        (None, {"fields": ["username", "nome", "email", "perfil", "password1", "password2"]}),
    ]

    def _e_administrador(self, request) -> bool:
        return getattr(request.user, "e_administrador", False)

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

    @admin.display(description="perfil", ordering="perfil")
    def perfil_selo(self, usuario):
        return selo(usuario.perfil, usuario.get_perfil_display())

    @admin.display(description="ativo", ordering="is_active")
    def ativo_selo(self, usuario):
        return selo(usuario.is_active, "Ativo" if usuario.is_active else "Inativo")

    @admin.display(description="token JWT atual")
    def token_mascarado(self, usuario):
        return mascarar(usuario.api_externa_token)
