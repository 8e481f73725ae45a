"""A expressão cron no horário de Brasília: quando roda, o que diz em palavras, o que recusa."""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError

from agendamentos.cron import proximos_horarios, ultimo_horario_ate, validar_expressao
from agendamentos.em_palavras import em_palavras
from agendamentos.tests.conftest import BRASILIA

UTC = dt.UTC


def test_dia_5_as_8_de_brasilia_e_11_horas_em_utc():
    depois_de = dt.datetime(2027, 1, 1, 12, 0, tzinfo=UTC)
    horarios = proximos_horarios("0 8 5 * *", depois_de=depois_de, quantos=3)
    assert [h.astimezone(UTC) for h in horarios] == [
        dt.datetime(2027, 1, 5, 11, 0, tzinfo=UTC),
        dt.datetime(2027, 2, 5, 11, 0, tzinfo=UTC),
        dt.datetime(2027, 3, 5, 11, 0, tzinfo=UTC),
    ]
    assert horarios[0].tzinfo == BRASILIA


def test_o_dia_e_o_de_brasilia_mesmo_quando_em_utc_ja_e_outro_dia():
    # 23:30 de 4/jan em Brasília já é 5/jan em UTC; "0 0 5 * *" ainda não passou.
    depois_de = dt.datetime(2027, 1, 4, 23, 30, tzinfo=BRASILIA)
    (proximo,) = proximos_horarios("0 0 5 * *", depois_de=depois_de, quantos=1)
    assert proximo == dt.datetime(2027, 1, 5, 0, 0, tzinfo=BRASILIA)
    assert proximo.astimezone(UTC) == dt.datetime(2027, 1, 5, 3, 0, tzinfo=UTC)


def test_o_proximo_horario_e_sempre_depois_do_instante_dado():
    no_horario = dt.datetime(2027, 1, 5, 8, 0, tzinfo=BRASILIA)
    (proximo,) = proximos_horarios("0 8 5 * *", depois_de=no_horario, quantos=1)
    assert proximo == dt.datetime(2027, 2, 5, 8, 0, tzinfo=BRASILIA)


def test_o_ultimo_horario_ate_um_instante_inclui_o_proprio_instante():
    assert ultimo_horario_ate(
        "0 8 * * *", dt.datetime(2027, 1, 5, 8, 0, tzinfo=BRASILIA)
    ) == dt.datetime(2027, 1, 5, 8, 0, tzinfo=BRASILIA)
    assert ultimo_horario_ate(
        "0 8 * * *", dt.datetime(2027, 1, 5, 7, 59, 59, 999, tzinfo=BRASILIA)
    ) == dt.datetime(2027, 1, 4, 8, 0, tzinfo=BRASILIA)


@pytest.mark.parametrize(
    ("expressao", "trecho"),
    [
        ("0 8 5 *", "cinco campos"),
        ("0 8 5 * * *", "cinco campos"),
        ("", "cinco campos"),
        ("61 8 5 * *", "o minuto (0 a 59)"),
        ("0 24 5 * *", "a hora (0 a 23)"),
        ("0 8 32 * *", "o dia do mês"),
        ("0 8 5 13 *", "o mês"),
        ("0 8 * * 9", "o dia da semana"),
        ("a b c d e", "o minuto"),
        ("0 8 30 2 *", "o dia do mês"),
    ],
)
def test_expressao_invalida_e_recusada_com_o_campo_em_portugues(expressao, trecho):
    with pytest.raises(ValidationError) as erro:
        validar_expressao(expressao)
    (mensagem,) = erro.value.messages
    assert mensagem.startswith("Expressão cron inválida")
    assert trecho in mensagem


def test_expressao_que_nunca_acontece_e_recusada():
    # Dia 1 ou 21 que também seja a última segunda-feira do mês: não há em 50 anos.
    with pytest.raises(ValidationError, match="nunca acontece"):
        validar_expressao("0 0 */20 * 1L")


@pytest.mark.parametrize(
    ("expressao", "palavras"),
    [
        ("0 8 5 * *", "dia 5 de cada mês às 08:00"),
        ("0 6 1 * *", "dia 1 de cada mês às 06:00"),
        ("30 7 * * *", "todos os dias às 07:30"),
        ("0 8,14 * * *", "todos os dias às 08:00 e 14:00"),
        ("0 9 1,15 * *", "dias 1 e 15 de cada mês às 09:00"),
        ("0 18 L * *", "último dia de cada mês às 18:00"),
        ("30 7 * * 1-5", "de segunda-feira a sexta-feira às 07:30"),
        ("0 8 * * 1", "toda segunda-feira às 08:00"),
        ("0 8 * * 6", "todo sábado às 08:00"),
        ("0 8 * * 1,4", "às segundas-feiras e quintas-feiras às 08:00"),
        ("0 0 1 1 *", "dia 1 de janeiro de cada ano às 00:00"),
        ("*/15 * * * *", "a cada 15 minutos"),
        ("15 * * * *", "de hora em hora, aos 15 minutos"),
    ],
)
def test_as_formas_comuns_em_palavras(expressao, palavras):
    assert em_palavras(expressao) == palavras


def test_forma_incomum_aparece_como_esta():
    assert em_palavras("0 8 5 * 1") == "0 8 5 * 1"
    assert em_palavras("0 8 * * MON#1") == "0 8 * * MON#1"
