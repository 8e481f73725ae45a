"""Competência: o mês de referência de uma fatura, guardado como o dia 1 e mostrado MM/AAAA."""

import datetime as dt
import re

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone

_FORMATO = re.compile(r"^\s*(\d{1,2})\s*/\s*(\d{4})\s*$")


def ler_competencia(texto: str) -> dt.date:
    encontrado = _FORMATO.match(texto or "")
    if not encontrado:
        raise ValidationError(
            "Competência inválida: use MM/AAAA (ex.: 03/2026).", code="competencia"
        )
    mes, ano = int(encontrado[1]), int(encontrado[2])
    if not 1 <= mes <= 12 or not 2000 <= ano <= 2100:
        raise ValidationError(
            "Competência inválida: mês de 01 a 12 e ano de 2000 a 2100.", code="competencia"
        )
    return dt.date(ano, mes, 1)


def formatar_competencia(data: dt.date | None) -> str:
    return data.strftime("%m/%Y") if data else ""


def competencia_atual() -> dt.date:
    return timezone.localdate().replace(day=1)


def mes_anterior(competencia: dt.date) -> dt.date:
    return (competencia.replace(day=1) - dt.timedelta(days=1)).replace(day=1)


class CampoCompetencia(forms.CharField):
    """Campo de formulário que aceita e mostra MM/AAAA e entrega o dia 1 do mês."""

    def __init__(self, **kwargs):
        kwargs.setdefault("help_text", "MM/AAAA")
        super().__init__(**kwargs)
        self.widget.attrs.update({"placeholder": "MM/AAAA", "size": 8, "maxlength": 8})

    def prepare_value(self, value):
        if isinstance(value, dt.date):
            return formatar_competencia(value)
        return value

    def to_python(self, value):
        value = super().to_python(value)
        if value in self.empty_values:
            return None
        return ler_competencia(value)
