from django import forms

from operadoras.models import Operadora
from processos.competencia import CampoCompetencia, competencia_atual
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
