import datetime as dt

import pytest
from django.core.exceptions import ValidationError

from processos.competencia import formatar_competencia, ler_competencia


@pytest.mark.parametrize("texto", ["03/2026", "3/2026", " 03 / 2026 "])
def test_le_mm_aaaa_como_primeiro_dia_do_mes(texto):
    assert ler_competencia(texto) == dt.date(2026, 3, 1)


@pytest.mark.parametrize("texto", ["", "2026-03", "00/2026", "13/2026", "03/26", "abc"])
def test_recusa_competencia_malformada(texto):
    with pytest.raises(ValidationError):
        ler_competencia(texto)


def test_mostra_mm_aaaa():
    assert formatar_competencia(dt.date(2026, 7, 1)) == "07/2026"
