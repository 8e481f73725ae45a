import base64

from django import forms
from django.core import signing

from clientes.importacao import TAMANHO_MAXIMO
from clientes.models import CAMPOS_DO_CADASTRO, Cliente

_SAL = "clientes.importacao"


class FormularioCliente(forms.ModelForm):
    """A senha do portal nunca volta para a tela: só se substitui."""

    nova_senha_portal = forms.CharField(
        label="senha do portal",
        required=False,
        strip=False,
        widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "new-password"}),
        help_text="Guardada cifrada e nunca exibida. Deixe vazio para manter a atual.",
    )

    class Meta:
        model = Cliente
        # A senha entra só por `nova_senha_portal` (nunca volta para a tela).
        fields = [c for c in CAMPOS_DO_CADASTRO if c != "senha_portal"] + [
            "operadora",
            "ativo",
            "hash_unico",
        ]

    def save(self, commit=True):
        if self.cleaned_data.get("nova_senha_portal"):
            self.instance.senha_portal = self.cleaned_data["nova_senha_portal"]
        return super().save(commit=commit)


class FormularioImportacao(forms.Form):
    arquivo = forms.FileField(label="Planilha CSV", help_text="UTF-8 (com ou sem BOM), ; ou ,")
    pular_invalidas = forms.BooleanField(
        label="Pular linhas inválidas e importar as demais", required=False
    )

    def clean_arquivo(self):
        arquivo = self.cleaned_data["arquivo"]
        if arquivo.size > TAMANHO_MAXIMO:
            raise forms.ValidationError("Arquivo grande demais (máximo 5 MB).")
        return arquivo


class FormularioConfirmacao(forms.Form):
    """Leva o arquivo já conferido da prévia para a confirmação, assinado contra adulteração."""

    conteudo = forms.CharField(widget=forms.HiddenInput)
    pular_invalidas = forms.BooleanField(required=False, widget=forms.HiddenInput)
    # As operadoras novas que a pessoa confirmou, apesar de parecidas com uma existente.
    operadoras_novas = forms.CharField(required=False, widget=forms.HiddenInput)

    @staticmethod
    def assinar(conteudo: bytes) -> str:
        return signing.dumps(base64.b64encode(conteudo).decode(), salt=_SAL, compress=True)

    def clean_conteudo(self) -> bytes:
        try:
            texto = signing.loads(self.cleaned_data["conteudo"], salt=_SAL, max_age=3600)
        except signing.BadSignature:
            raise forms.ValidationError(
                "A prévia expirou ou foi alterada; envie o arquivo de novo."
            ) from None
        return base64.b64decode(texto)

    def clean_operadoras_novas(self) -> frozenset[str]:
        return frozenset(filter(None, self.cleaned_data["operadoras_novas"].split(",")))
