"""As fixtures dos testes de agendamentos: um relógio parado que o teste adianta."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone

from agendamentos.models import Agendamento

BRASILIA = ZoneInfo("America/Sao_Paulo")


class Relogio:
    """`timezone.now()` parado num horário de Brasília; `relogio.em("2027-01-05 08:00")`."""

    def __init__(self) -> None:
        self.agora = timezone.now()

    def em(self, horario: str) -> dt.datetime:
        self.agora = dt.datetime.fromisoformat(horario).replace(tzinfo=BRASILIA)
        return self.agora

    def adiantar(self, **quanto) -> dt.datetime:
        self.agora += dt.timedelta(**quanto)
        return self.agora


@pytest.fixture
def relogio(db, monkeypatch) -> Relogio:
    """O relógio parado, e só os agendamentos que o teste criar (sai o que a migração cria)."""
    Agendamento.objects.all().delete()
    relogio = Relogio()
    monkeypatch.setattr(timezone, "now", lambda: relogio.agora)
    return relogio


MENSAGEM_DA_FALHA = "O portal recusou o pedido."


@pytest.fixture
def resumo_que_falha(monkeypatch):
    """O tipo "resumo do mês" recusado pelo domínio, com uma mensagem em português."""
    from agendamentos.models import TipoAgendamento
    from agendamentos.tipos import TIPOS
    from nucleo.erros import AcaoRecusada

    def falhar(*_):
        raise AcaoRecusada(MENSAGEM_DA_FALHA)

    monkeypatch.setitem(TIPOS, TipoAgendamento.RESUMO_MENSAL, falhar)
