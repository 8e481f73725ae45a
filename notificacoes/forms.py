from django import forms

from notificacoes.models import CANAIS_DA_PESSOA, Canal, TipoNotificacao, Webhook


def nome_do_campo(tipo: str, canal: str) -> str:
    return f"{tipo}__{canal}"


class Preferencias(forms.Form):
    """A grade do perfil: uma caixa por tipo que a pessoa pode receber e por canal."""

    def __init__(self, *args, escolhas: dict[tuple[str, str], bool], **kwargs):
        super().__init__(*args, **kwargs)
        self.linhas = []
        for tipo in dict.fromkeys(tipo for tipo, _ in escolhas):
            campos = []
            for canal in CANAIS_DA_PESSOA:
                nome = nome_do_campo(tipo, canal)
                self.fields[nome] = forms.BooleanField(
                    required=False,
                    initial=escolhas[(tipo, canal)],
                    label=f"{TipoNotificacao(tipo).label} — {Canal(canal).label}",
                )
                campos.append(self[nome])
            self.linhas.append((TipoNotificacao(tipo).label, campos))

    def escolhidas(self) -> dict[tuple[str, str], bool]:
        return {tuple(nome.split("__")): valor for nome, valor in self.cleaned_data.items()}


class FormularioWebhook(forms.ModelForm):
    """O segredo nunca volta para a tela: o campo só o substitui (vazio mantém o atual)."""

    novo_segredo = forms.CharField(
        required=False,
        strip=True,
        widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "off"}),
        label="Substituir o segredo",
        help_text="Assina o corpo de cada POST (HMAC-SHA256). Deixe vazio para manter o atual.",
    )
    tipos = forms.MultipleChoiceField(
        choices=TipoNotificacao.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        label="Tipos enviados",
    )

    class Meta:
        model = Webhook
        fields = ("nome", "url", "tipos", "ativo")

    def clean_url(self) -> str:
        url = self.cleaned_data["url"]
        if not url.lower().startswith(("http://", "https://")):
            raise forms.ValidationError("Use um endereço http:// ou https://.")
        return url

    def save(self, commit=True):
        webhook = super().save(commit=False)
        if self.cleaned_data.get("novo_segredo"):
            webhook.segredo = self.cleaned_data["novo_segredo"]
        if commit:
            webhook.save()
        return webhook
