from django import template

from nucleo.admin_base import selo

register = template.Library()


@register.simple_tag
def selo_status(valor, rotulo):
    return selo(valor, rotulo)


@register.filter
def duracao(intervalo) -> str:
    segundos = int(intervalo.total_seconds())
    minutos, segundos = divmod(segundos, 60)
    horas, minutos = divmod(minutos, 60)
    if horas:
        return f"{horas}h{minutos:02d}min"
    if minutos:
        return f"{minutos}min{segundos:02d}s"
    return f"{segundos}s"
