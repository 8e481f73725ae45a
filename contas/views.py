from urllib.parse import urlencode

from django.contrib.auth import REDIRECT_FIELD_NAME
from django.shortcuts import redirect
from django.urls import reverse


def login_do_admin(request):
    """O login próprio do admin não limita tentativas: toda a equipe entra pelo do allauth
    (`/contas/login/`, com limite), que devolve para onde a pessoa ia."""
    proximo = request.GET.get(REDIRECT_FIELD_NAME) or reverse("admin:index")
    return redirect(f"{reverse('account_login')}?{urlencode({REDIRECT_FIELD_NAME: proximo})}")
