"""Os deveres de `agendamentos` no worker (nucleo.deveres): rodar o que venceu."""

from agendamentos.execucao import reivindicar_devidos, rodar_pendentes
from nucleo.deveres import Dever


def rodar_agendamentos() -> None:
    reivindicar_devidos()
    rodar_pendentes()


DEVERES = [
    Dever("agendamentos", 15, fazer=rodar_agendamentos),
]
