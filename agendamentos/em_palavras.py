"""A expressão cron em palavras, em pt-BR, para as formas que a equipe usa ("dia 5 de cada mês
às 08:00"); qualquer outra forma aparece como está.

O `cron-descriptor` não tem pt-BR (o pt_PT deixa os dias e os meses em inglês) e o `explain()` do
cronsim só fala inglês: por isso um tradutor pequeno das formas comuns (docs/decisoes.md).
"""

import re

DIAS_DA_SEMANA = ["domingo", "segunda", "terça", "quarta", "quinta", "sexta", "sábado", "domingo"]
MESES = [
    "janeiro",
    "fevereiro",
    "março",
    "abril",
    "maio",
    "junho",
    "julho",
    "agosto",
    "setembro",
    "outubro",
    "novembro",
    "dezembro",
]
NUMERO = re.compile(r"^\d{1,2}$")
LISTA = re.compile(r"^\d{1,2}(,\d{1,2})+$")
FAIXA = re.compile(r"^(\d)-(\d)$")
A_CADA = re.compile(r"^\*/(\d{1,2})$")


def em_palavras(expressao: str) -> str:
    partes = (expressao or "").split()
    if len(partes) != 5:
        return expressao
    minuto, hora, dia, mes, semana = partes
    descricao = _frequencia(minuto, hora, dia, mes, semana) or _no_horario(
        minuto, hora, dia, mes, semana
    )
    return descricao or expressao


def _frequencia(minuto, hora, dia, mes, semana) -> str | None:
    """As que se repetem dentro do dia: a cada N minutos, de hora em hora."""
    if (hora, dia, mes, semana) != ("*", "*", "*", "*"):
        return None
    if minuto == "*":
        return "a cada minuto"
    if a_cada := A_CADA.match(minuto):
        return f"a cada {int(a_cada[1])} minutos"
    if NUMERO.match(minuto):
        return f"de hora em hora, aos {int(minuto):02d} minutos"
    return None


def _no_horario(minuto, hora, dia, mes, semana) -> str | None:
    """As que rodam em horas certas: "dia 5 de cada mês às 08:00"."""
    if not NUMERO.match(minuto) or not (NUMERO.match(hora) or LISTA.match(hora)):
        return None
    horas = _juntar([f"{int(h):02d}:{int(minuto):02d}" for h in hora.split(",")])
    quando = _quando(dia, mes, semana)
    return f"{quando} às {horas}" if quando else None


def _quando(dia, mes, semana) -> str | None:
    if mes == "*" and semana == "*":
        return _dias_do_mes(dia)
    if dia == "*" and mes == "*":
        return _dias_da_semana(semana)
    if semana == "*" and NUMERO.match(dia) and NUMERO.match(mes) and 1 <= int(mes) <= 12:
        return f"dia {int(dia)} de {MESES[int(mes) - 1]} de cada ano"
    return None


def _dias_do_mes(dia: str) -> str | None:
    if dia == "*":
        return "todos os dias"
    if dia == "L":
        return "último dia de cada mês"
    if NUMERO.match(dia):
        return f"dia {int(dia)} de cada mês"
    if LISTA.match(dia):
        return f"dias {_juntar([str(int(d)) for d in dia.split(',')])} de cada mês"
    return None


def _dias_da_semana(semana: str) -> str | None:
    if NUMERO.match(semana) and int(semana) <= 7:
        nome = _dia_da_semana(semana)
        return f"{'todo' if nome in ('sábado', 'domingo') else 'toda'} {nome}"
    if faixa := FAIXA.match(semana):
        inicio, fim = int(faixa[1]), int(faixa[2])
        if inicio < fim <= 7:
            return f"de {_dia_da_semana(inicio)} a {_dia_da_semana(fim)}"
    if LISTA.match(semana) and all(int(d) <= 7 for d in semana.split(",")):
        return "às " + _juntar([_no_plural(d) for d in semana.split(",")])
    return None


def _dia_da_semana(numero) -> str:
    nome = DIAS_DA_SEMANA[int(numero)]
    return nome if nome in ("sábado", "domingo") else f"{nome}-feira"


def _no_plural(numero) -> str:
    nome = DIAS_DA_SEMANA[int(numero)]
    return f"{nome}s" if nome in ("sábado", "domingo") else f"{nome}s-feiras"


def _juntar(itens: list[str]) -> str:
    return itens[0] if len(itens) == 1 else ", ".join(itens[:-1]) + " e " + itens[-1]
