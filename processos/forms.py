from django import forms

from operadoras.models import Operadora
from processos.competencia import CampoCompetencia, competencia_atual
from processos.fatura import FaturaInvalida, conferir_tamanho
from processos.models import Processo

CLIENTE_INATIVO = "Cliente inativo ou de operadora inativa."


class FormularioNovoProcesso(forms.ModelForm):
    competencia = CampoCompetencia(label="competência")

    class Meta:
        model = Processo
        fields = ["cliente", "competencia", "observacoes"]

    def clean_cliente(self):
        cliente = self.cleaned_data["cliente"]
        if not cliente.em_atividade:
            raise forms.ValidationError(CLIENTE_INATIVO)
        return cliente


class FormularioProcesso(forms.ModelForm):
    class Meta:
        model = Processo
        fields = ["observacoes"]


class FormularioCriacaoMensal(forms.Form):
    competencia = CampoCompetencia(label="competência")
    operadora = forms.ModelChoiceField(
        Operadora.objects.filter(ativo=True),
        required=False,
        empty_label="Todas as operadoras ativas",
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["competencia"].initial = competencia_atual()


class FormularioDeAcao(forms.Form):
    """O que uma ação do fluxo pergunta antes de rodar (`processos.registro_de_acoes`)."""

    @classmethod
    def em_branco(cls, processo: Processo) -> "FormularioDeAcao":
        """O formulário que a página do processo mostra."""
        return cls()

    @classmethod
    def com_o_digitado(cls, dados: dict) -> "FormularioDeAcao":
        """O formulário de novo com o que a pessoa digitou antes de um erro, e os erros."""
        formulario = cls(dados)
        formulario.is_valid()
        return formulario

    def argumentos(self) -> dict:
        """O que vai para o serviço da ação, depois de `is_valid()`."""
        return self.cleaned_data


class FormularioDeMotivo(FormularioDeAcao):
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


LIDO_DO_PDF = "lido do PDF — confira"
CAMPO_DATA = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class FormularioAprovacao(FormularioDeAcao):
    observacao = forms.CharField(
        label="Observação", required=False, widget=forms.Textarea(attrs={"rows": 2, "cols": 50})
    )
    valor = forms.DecimalField(
        label="Valor (R$)", required=False, min_value=0, decimal_places=2, localize=True
    )
    vencimento = forms.DateField(label="Vencimento", required=False, widget=CAMPO_DATA)

    @classmethod
    def em_branco(cls, processo: Processo) -> "FormularioAprovacao":
        """Com o valor e o vencimento que o robô leu (ou que vieram no upload, ou que se leram do
        PDF — esses marcados para conferir), para corrigir."""
        formulario = cls(initial={"valor": processo.valor, "vencimento": processo.vencimento})
        for campo in ("valor", "vencimento"):
            if getattr(processo, f"{campo}_lido_do_pdf"):
                formulario.fields[campo].help_text = LIDO_DO_PDF
        return formulario


class FormularioUpload(FormularioDeAcao):
    arquivo = forms.FileField(
        label="Fatura (PDF)",
        # O navegador não guarda o arquivo escolhido depois de um erro; valor e vencimento voltam.
        error_messages={"required": "Escolha o arquivo PDF (de novo, se já tinha escolhido)."},
    )
    valor = forms.DecimalField(label="Valor (R$)", min_value=0, decimal_places=2, localize=True)
    vencimento = forms.DateField(label="Vencimento", widget=CAMPO_DATA)

    def clean_arquivo(self):
        arquivo = self.cleaned_data["arquivo"]
        try:
            conferir_tamanho(arquivo.size)  # antes de ler: o tamanho real, contado ao receber
        except FaturaInvalida as erro:
            raise forms.ValidationError(str(erro)) from None
        return arquivo

    def argumentos(self) -> dict:
        return {
            "conteudo": self.cleaned_data["arquivo"].read(),
            "valor": self.cleaned_data["valor"],
            "vencimento": self.cleaned_data["vencimento"],
        }
