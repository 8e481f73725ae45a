"""O que o banco garante dos agendamentos, mesmo por fora do admin e do worker."""

import datetime as dt

import pytest
from django.db import IntegrityError

from agendamentos.models import Disparo, ExecucaoAgendamento, TipoAgendamento
from brm.fabricas import criar_agendamento, criar_operadora

pytestmark = pytest.mark.django_db
OITO_HORAS = dt.datetime(2027, 1, 5, 11, 0, tzinfo=dt.UTC)


def test_cada_horario_roda_uma_vez_automaticamente():
    agendamento = criar_agendamento()
    automatica = {"agendamento": agendamento, "disparo": Disparo.AUTOMATICO}
    ExecucaoAgendamento.objects.create(previsto_para=OITO_HORAS, **automatica)
    with pytest.raises(IntegrityError):
        ExecucaoAgendamento.objects.create(previsto_para=OITO_HORAS, **automatica)


def test_executar_agora_pode_repetir_quantas_vezes_quiser():
    agendamento = criar_agendamento()
    for _ in range(2):
        ExecucaoAgendamento.objects.create(agendamento=agendamento, disparo=Disparo.MANUAL)
    assert agendamento.execucoes.count() == 2


def test_automatica_sem_horario_nao_existe():
    with pytest.raises(IntegrityError):
        ExecucaoAgendamento.objects.create(
            agendamento=criar_agendamento(), disparo=Disparo.AUTOMATICO
        )


@pytest.mark.parametrize(
    ("tipo", "campos"),
    [
        (TipoAgendamento.ENVIAR_AO_SAT, {"operadora": "VIVO"}),
        (TipoAgendamento.CRIAR_PROCESSOS, {"incluir_rejeitados": True}),
    ],
)
def test_campos_que_o_tipo_nao_usa_sao_recusados_pelo_banco(tipo, campos):
    if "operadora" in campos:
        campos = {"operadora": criar_operadora(campos["operadora"])}
    with pytest.raises(IntegrityError):
        criar_agendamento(tipo, **campos)
