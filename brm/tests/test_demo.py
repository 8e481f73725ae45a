import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from agendamentos.models import Agendamento, TipoAgendamento
from clientes.models import Cliente
from contas.models import Usuario
from operadoras.models import Operadora
from processos.models import Processo

pytestmark = pytest.mark.django_db


def test_demo_carrega_e_e_idempotente(settings, capsys):
    settings.DEBUG = True
    call_command("demo")
    saida = capsys.readouterr().out
    contagem = (Operadora.objects.count(), Cliente.objects.count(), Processo.objects.count())
    call_command("demo")
    assert (
        Operadora.objects.count(),
        Cliente.objects.count(),
        Processo.objects.count(),
    ) == contagem
    assert contagem[0] == 5 and contagem[1] >= 40 and contagem[2] > 30
    assert Operadora.objects.get(codigo="AZUTON").possui_rpa is False
    assert set(Usuario.objects.values_list("perfil", flat=True)) == {
        "ADMINISTRADOR",
        "APROVADOR",
        "OPERADOR",
    }
    assert "admin / brm-admin" in saida


def test_demo_tem_agendamentos_e_um_roda_um_minuto_depois(settings):
    settings.DEBUG = True
    call_command("demo")
    call_command("demo")
    assert set(Agendamento.objects.values_list("tipo", flat=True)) == set(TipoAgendamento)
    logo = Agendamento.objects.get(tipo=TipoAgendamento.BAIXAR_FATURAS)
    falta = (logo.proxima_em - timezone.now()).total_seconds()
    assert logo.ativo and 30 < falta <= 60
    assert Agendamento.objects.filter(tipo=TipoAgendamento.CRIAR_PROCESSOS).count() == 1


def test_demo_enche_o_sino_de_cada_pessoa_uma_vez(settings):
    from notificacoes.models import Canal, Notificacao

    settings.DEBUG = True
    call_command("demo")
    call_command("demo")
    no_sino = Notificacao.objects.filter(canal=Canal.APP)
    assert sorted(no_sino.values_list("destinatario__username", flat=True)) == [
        "admin",
        "aprovador",
        "operador",
    ]
    assert Notificacao.objects.filter(canal=Canal.EMAIL).count() == 3


def test_demo_recusa_sem_debug(settings):
    settings.DEBUG = False
    with pytest.raises(CommandError, match="desenvolvimento"):
        call_command("demo")
    assert Cliente.objects.count() == 0
