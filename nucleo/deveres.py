"""Os deveres do worker: o que ele repete, cada um declarado pelo app dono do assunto.

Cada app lista os seus em `<app>/deveres.py`, numa lista `DEVERES`; `settings.DEVERES_DO_WORKER`
diz quais listas o worker roda, e em que ordem. Um dever novo é uma linha na lista do app dono.
"""

from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol


class Tarefa(Protocol):
    """Um dever com estado próprio em cada worker (threads, conexões abertas)."""

    def __init__(self, worker: str) -> None: ...

    def __call__(self) -> object: ...

    def encerrar(self) -> None:
        """Chamado quando o worker para: solta threads, conexões e arrendamentos."""


@dataclass(frozen=True)
class Dever:
    """Roda no máximo a cada `a_cada` segundos (0: a cada volta do laço do worker).

    Dá-se `fazer`, uma função sem argumentos, ou `tarefa`, uma classe `Tarefa` de que cada worker
    cria a sua instância na partida (com o próprio nome) e que encerra ao parar.
    """

    nome: str
    a_cada: float
    fazer: Callable[[], object] | None = None
    tarefa: type[Tarefa] | None = None

    def __post_init__(self) -> None:
        if (self.fazer is None) == (self.tarefa is None):
            raise TypeError(f"O dever {self.nome!r} precisa de `fazer` ou de `tarefa` (um só).")
