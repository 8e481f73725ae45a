from django.conf import settings


def avisos(request):
    """Avisos que aparecem no topo de toda página do back office."""

    def aviso_token() -> str:
        # Chamado só quando o template usa (uma consulta), e só para quem está logado.
        from contas.token import situacao

        if not getattr(request, "user", None) or not request.user.is_authenticated:
            return ""
        return situacao().aviso

    return {"banco_fallback_ativo": settings.BANCO_FALLBACK_ATIVO, "aviso_token": aviso_token}
