"""Momentos lidos do banco como texto em UTC, na hora local — sem o conversor de datas do Django
no PostgreSQL (Python puro), que custava mais que o resto numa lista de dezenas de milhares.

`2026-03-05 13:00:00.5+00` (no SQLite, sem o `+00`) → 2026-03-05 10:00:00.5 em São Paulo.
"""

import datetime as dt
from functools import lru_cache

from django.utils import timezone


def local_de_utc(texto: str, zona: dt.tzinfo | None = None) -> tuple[dt.datetime, str]:
    """O momento na hora local (a `zona`, ou a do site), sem fuso, e o fuso (`-0300`). Numa lista
    longa, quem chama passa a zona: lê-la a cada linha pesa."""
    utc = dt.datetime.fromisoformat(texto).replace(tzinfo=None)
    zona = zona or timezone.get_current_timezone()
    deslocamento, fuso = _fuso_na_hora(texto[:13], zona)
    return utc + deslocamento, fuso


def texto_local_de_utc(texto: str, zona: dt.tzinfo) -> str:
    """`2026-03-05 13:00:01.5+00` → `2026-03-05 10:00:01.500 -0300`, sem montar um datetime por
    linha quando o fuso é de horas cheias (só a hora muda: o resto do texto fica)."""
    deslocamento, fuso = _fuso_na_hora(texto[:13], zona)
    if deslocamento % dt.timedelta(hours=1):
        local, fuso = local_de_utc(texto, zona)
        return f"{local.isoformat(sep=' ', timespec='milliseconds')} {fuso}"
    fracao = texto[20:].partition("+")[0] if texto[19:20] == "." else ""
    return f"{_hora_local(texto[:13], zona)}{texto[13:19]}.{fracao[:3]:0<3} {fuso}"


@lru_cache(maxsize=1024)
def _hora_local(hora_utc: str, zona: dt.tzinfo) -> str:
    """ "2026-03-05 13" → "2026-03-05 10" (a hora cheia local)."""
    local = dt.datetime.fromisoformat(f"{hora_utc}:00:00+00:00").astimezone(zona)
    return local.strftime("%Y-%m-%d %H")


@lru_cache(maxsize=1024)
def _fuso_na_hora(hora_utc: str, zona: dt.tzinfo) -> tuple[dt.timedelta, str]:
    """O deslocamento numa hora cheia UTC ("2026-03-05 13"): as mudanças de horário de verão
    caem em horas cheias, e uma lista costuma caber em poucas horas distintas."""
    local = dt.datetime.fromisoformat(f"{hora_utc}:00:00+00:00").astimezone(zona)
    return local.utcoffset(), local.strftime("%z")
