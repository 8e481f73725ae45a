from django import template

from execucoes import models as execucoes
from nucleo.admin_base import selo
from processos import models as processos

register = template.Library()

# Os valores de status de processo e de execução não se repetem: um mapa só serve às duas páginas.
CORES_DOS_STATUS = {**processos.COR_DO_STATUS, **execucoes.COR_DO_STATUS}


@register.simple_tag
def selo_status(valor, rotulo):
    return selo(valor, rotulo, CORES_DOS_STATUS)


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
