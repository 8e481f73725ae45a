"""As fixtures dos testes do simulador: um simulador por teste e um cliente dele."""

from collections.abc import Callable, Iterator

import pytest

from simulador.servidor import Simulador, iniciar
from simulador.tests.cliente_http import Cliente


@pytest.fixture
def iniciar_simulador() -> Iterator[Callable[..., Simulador]]:
    iniciados: list[Simulador] = []

    def _iniciar(**opcoes) -> Simulador:
        opcoes = {"velocidade": 150.0, "taxa_falha": 0.0, "semente": 1, **opcoes}
        sim = iniciar(porta=0, **opcoes)
        iniciados.append(sim)
        return sim

    yield _iniciar
    for sim in iniciados:
        sim.parar()


@pytest.fixture
def sim(iniciar_simulador) -> Simulador:
    return iniciar_simulador()


@pytest.fixture
def cliente(sim) -> Cliente:
    return Cliente(sim)
