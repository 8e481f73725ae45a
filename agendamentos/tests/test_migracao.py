"""A criação mensal automática de antes vira um agendamento, sem mudar nada para quem já usa."""

import datetime as dt
import importlib

import pytest
from django.db import connection
from django.db.migrations.loader import MigrationLoader

from agendamentos.models import Agendamento, Disparo, TipoAgendamento
from agendamentos.tests.conftest import BRASILIA
from brm.fabricas import criar_cliente

migracao = importlib.import_module("agendamentos.migrations.0002_criacao_mensal_agendada")


class AppsDeAntes:
    """O registro de apps como a migração o vê: com a tabela `CriacaoMensal` de processos, que
    a migração seguinte apaga (aqui, uma lista de registros em memória)."""

    def __init__(self, criacoes: list) -> None:
        self.criacoes = criacoes
        # Os modelos históricos (sem o `save` de hoje), como o RunPython os recebe.
        dependencias = migracao.Migration.dependencies
        self.estado = MigrationLoader(connection).project_state(dependencias).apps

    def get_model(self, app: str, modelo: str):
        if modelo == "CriacaoMensal":
            return self
        return self.estado.get_model(app, modelo)

    @property
    def objects(self):
        return self

    def all(self):
        return self.criacoes

    def filter(self, competencia):
        return FiltroDeCriacoes([c for c in self.criacoes if c.competencia == competencia])


class FiltroDeCriacoes(list):
    def exists(self) -> bool:
        return bool(self)


class Criacao:
    def __init__(self, competencia: dt.date, feita_em: dt.datetime, criados: int) -> None:
        self.competencia, self.feita_em, self.criados = competencia, feita_em, criados


def migrar(criacoes=()) -> Agendamento:
    migracao.criar_agendamento(AppsDeAntes(list(criacoes)), None)
    return Agendamento.objects.get(nome=migracao.NOME)


def test_o_banco_migrado_tem_o_agendamento_da_criacao_mensal(db):
    agendamento = Agendamento.objects.get(nome="Criação mensal dos processos")
    assert agendamento.tipo == TipoAgendamento.CRIAR_PROCESSOS
    assert agendamento.expressao == "0 6 1 * *"  # PROCESSOS_DIA_CRIACAO não definida: dia 1
    assert agendamento.ativo


@pytest.mark.parametrize("dia", [1, 5, 28])
def test_o_dia_vem_de_processos_dia_criacao(relogio, settings, dia):
    settings.PROCESSOS_DIA_CRIACAO = dia
    relogio.em("2027-03-01 00:30")
    agendamento = migrar()
    assert agendamento.expressao == f"0 6 {dia} * *"
    assert agendamento.proxima_em == dt.datetime(2027, 3, dia, 6, tzinfo=BRASILIA)


def test_mes_cujo_dia_passou_sem_a_criacao_fica_vencido_como_antes(relogio, settings):
    settings.PROCESSOS_DIA_CRIACAO = 5
    relogio.em("2027-03-20 10:00")  # o worker de antes criaria na próxima volta
    criar_cliente()
    agendamento = migrar([Criacao(dt.date(2027, 2, 1), relogio.agora, 1)])
    assert agendamento.proxima_em == dt.datetime(2027, 3, 5, 6, tzinfo=BRASILIA)


def test_mes_ja_criado_espera_o_mes_seguinte(relogio, settings):
    settings.PROCESSOS_DIA_CRIACAO = 5
    relogio.em("2027-03-20 10:00")
    criar_cliente()
    feita_em = dt.datetime(2027, 3, 5, 0, 1, tzinfo=BRASILIA)
    agendamento = migrar(
        [Criacao(dt.date(2027, 2, 1), feita_em, 7), Criacao(dt.date(2027, 3, 1), feita_em, 9)]
    )
    assert agendamento.proxima_em == dt.datetime(2027, 4, 5, 6, tzinfo=BRASILIA)
    historico = agendamento.execucoes.order_by("competencia")
    assert [(e.competencia.month, e.itens, e.disparo) for e in historico] == [
        (2, 7, Disparo.AUTOMATICO),
        (3, 9, Disparo.AUTOMATICO),
    ]
    assert historico[0].previsto_para == dt.datetime(2027, 2, 5, 6, tzinfo=BRASILIA)


def test_sem_clientes_nao_ha_o_que_criar_e_espera_o_proximo_horario(relogio, settings):
    settings.PROCESSOS_DIA_CRIACAO = 5
    relogio.em("2027-03-20 10:00")
    assert migrar().proxima_em == dt.datetime(2027, 4, 5, 6, tzinfo=BRASILIA)
