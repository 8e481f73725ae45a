"""O que o projeto responde fora dos apps: o ícone do site."""

from django.http import HttpResponsePermanentRedirect
from django.templatetags.static import static


def favicon(request) -> HttpResponsePermanentRedirect:
    """`/favicon.ico`, que navegadores e leitores de feed pedem sem olhar o HTML: o SVG das
    páginas (servido com cache longo pelo ServeStatic)."""
    return HttpResponsePermanentRedirect(static("brm/favicon.svg"))
