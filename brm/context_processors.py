from django.conf import settings


def avisos(request):
    """Avisos que aparecem no topo de toda página do back office."""
    return {"banco_fallback_ativo": settings.BANCO_FALLBACK_ATIVO}
