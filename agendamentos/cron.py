"""As expressões cron dos agendamentos, avaliadas pelo cronsim no fuso do sistema
(`settings.TIME_ZONE`, America/Sao_Paulo): "0 8 5 * *" é o dia 5 às 08:00 de Brasília."""

import datetime as dt
from zoneinfo import ZoneInfo

from cronsim import CronSim, CronSimError
from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils import timezone

# O campo que o cronsim recusou ("Bad minute"), como a tela o chama.
CAMPOS = {
    "minute": "o minuto (0 a 59)",
    "hour": "a hora (0 a 23)",
    "day-of-month": "o dia do mês (1 a 31, ou L para o último)",
    "month": "o mês (1 a 12, ou JAN a DEC)",
    "day-of-week": "o dia da semana (0 a 7, domingo é 0 ou 7, ou SUN a SAT)",
}
CINCO_CAMPOS = (
    "Use cinco campos separados por espaço: minuto, hora, dia do mês, mês e dia da semana "
    "(ex.: “0 8 5 * *” é o dia 5 de cada mês às 08:00)."
)


def fuso() -> ZoneInfo:
    return ZoneInfo(settings.TIME_ZONE)


def _local(instante: dt.datetime) -> dt.datetime:
    return timezone.localtime(instante, fuso())


def validar_expressao(expressao: str) -> None:
    """Levanta ValidationError, em pt-BR, se a expressão não é um cron de cinco campos que
    acontece alguma vez."""
    if len((expressao or "").split()) != 5:
        raise ValidationError(f"Expressão cron inválida. {CINCO_CAMPOS}", code="cron")
    try:
        proximos_horarios(expressao, depois_de=timezone.now(), quantos=1)
    except CronSimError as erro:
        campo = CAMPOS.get(str(erro).removeprefix("Bad "), "um dos campos")
        raise ValidationError(
            f"Expressão cron inválida: confira {campo}. {CINCO_CAMPOS}", code="cron"
        ) from None
    except StopIteration:
        raise ValidationError(
            "Esta expressão cron nunca acontece (ex.: dia 31 num mês que não o tem).", code="cron"
        ) from None


def proximos_horarios(
    expressao: str, *, depois_de: dt.datetime, quantos: int = 3
) -> list[dt.datetime]:
    """Os `quantos` próximos horários estritamente depois de `depois_de`, no fuso do sistema."""
    horarios = CronSim(expressao, _local(depois_de))
    return [next(horarios) for _ in range(quantos)]


def proximo_horario(expressao: str, *, depois_de: dt.datetime) -> dt.datetime:
    return proximos_horarios(expressao, depois_de=depois_de, quantos=1)[0]


def ultimo_horario_ate(expressao: str, instante: dt.datetime) -> dt.datetime:
    """O horário mais recente que não passa de `instante` (o que um worker parado perdeu por
    último: ele recupera só este)."""
    # O cronsim, para trás, começa um segundo antes do instante dado.
    inicio = _local(instante).replace(microsecond=0) + dt.timedelta(seconds=1)
    return next(CronSim(expressao, inicio, reverse=True))
