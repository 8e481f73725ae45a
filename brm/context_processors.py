from django.conf import settings
from django.contrib import admin

from execucoes.painel import painel
from execucoes.token_rpa import situacao


def avisos(request):
    """Avisos que aparecem no topo de toda página do back office, e o painel da API RPA.

    São funções: o template só as chama (e só então consulta o banco) quando as usa.
    """

    def logado() -> bool:
        return bool(getattr(request, "user", None) and request.user.is_authenticated)

    def aviso_token() -> str:
        return situacao().aviso if logado() else ""

    def painel_rpa():
        return painel() if logado() else None

    return {
        # As páginas fora do admin (login, conta) com o mesmo cabeçalho do admin.
        "site_header": admin.site.site_header,
        "site_title": admin.site.site_title,
        "banco_fallback_ativo": settings.BANCO_FALLBACK_ATIVO,
        "aviso_token": aviso_token,
        "painel_rpa": painel_rpa,
    }
