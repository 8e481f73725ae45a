import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "brm.settings")
django_app = get_asgi_application()

from execucoes.asgi_streams import rota, servir  # noqa: E402 — depois do setup do Django


async def application(scope, receive, send):
    """Os streams SSE vão direto ao seu app enxuto; todo o resto, ao Django."""
    destino = rota(scope)
    if destino is not None:
        abrir, identificador = destino
        return await servir(abrir, identificador, scope, receive, send)
    return await django_app(scope, receive, send)
