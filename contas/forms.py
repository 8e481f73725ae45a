from allauth.account.forms import AddEmailForm
from django import forms

from contas.models import EMAIL_DE_OUTRA_PESSOA


class AdicionarEmail(AddEmailForm):
    """A página “E-mails” do allauth sem aceitar o endereço de outra pessoa da equipe.

    Para não revelar quem tem conta, o allauth aceitaria o endereço (sem verificação, que aqui está
    desligada); num back office sem cadastro público, quem pergunta já é da equipe.
    """

    def clean_email(self) -> str:
        email = super().clean_email()
        if self.user.email_de_outra_pessoa(email):
            raise forms.ValidationError(EMAIL_DE_OUTRA_PESSOA)
        return email
