from allauth.account.adapter import DefaultAccountAdapter
from allauth.socialaccount.adapter import DefaultSocialAccountAdapter


class SemCadastroPublico(DefaultAccountAdapter):
    """Usuários são criados por administradores, nunca por cadastro público."""

    def is_open_for_signup(self, request) -> bool:
        return False


class SocialSemCadastroPublico(DefaultSocialAccountAdapter):
    def is_open_for_signup(self, request, sociallogin) -> bool:
        return False
