import gc
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


def ajustar_o_coletor_de_lixo() -> None:
    """Com mil navegadores o processo web tem uns 200 mil objetos vivos, e cada coleta completa
    do coletor de ciclos do Python parava o laço de eventos por 100 a 250 ms: era o p99 do ao vivo
    e o pico de quando muitos chegam juntos. O que já está carregado (Django, apps) vive até o
    fim e sai das coletas; as gerações novas são coletadas a cada 50 mil objetos, não 700 (cada
    volta cria e descarta milhares de objetos pequenos)."""
    gc.collect()
    gc.freeze()
    gc.set_threshold(50_000, 20, 10)


# O processo web inteiro (Django e os streams) já está carregado: só agora o coletor é ajustado.
ajustar_o_coletor_de_lixo()
