from django import template
from django.urls import reverse
from django.utils.formats import number_format

from notificacoes.models import absoluto

register = template.Library()


@register.simple_tag
def url_absoluta(nome: str, *args) -> str:
    """A URL com a base do site (`SITE_URL`): os e-mails são lidos fora do site."""
    return absoluto(reverse(nome, args=args))


@register.filter
def reais(valor) -> str:
    if valor is None:
        return "—"
    return "R$ " + number_format(valor, 2, force_grouping=True)
