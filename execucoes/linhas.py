"""As linhas de log do robô no banco: cada uma com a sua identidade, gravada uma vez só.

Duas fontes trazem as mesmas linhas: o stream `/events/logs` (ao vivo, com nível e milissegundos)
e o `/status` (no fim do job, ou para cobrir um buraco; só segundo e mensagem). A identidade de
uma linha é (segundo, mensagem, ocorrência) — a n-ésima vez que a mesma mensagem aparece no mesmo
segundo do log daquele job. Cada fonte conta as ocorrências na sua própria sequência, então as
duas chegam à mesma chave para a mesma linha, e o índice único (execução, chave) garante o resto:
quem chega depois não grava de novo, seja qual for a ordem ou o momento.
"""

import datetime as dt
import hashlib
from collections import Counter
from dataclasses import dataclass

from django.db import transaction

from execucoes.models import LogExecucao, NivelLog
from execucoes.rpa import LinhaDeLog

NIVEIS = {"WARNING": NivelLog.WARN, **{nivel: nivel for nivel in NivelLog.values}}
UM_MICROSSEGUNDO = dt.timedelta(microseconds=1)


def _segundo(momento: dt.datetime | None) -> str:
    return momento.astimezone(dt.UTC).strftime("%Y%m%d%H%M%S") if momento else "sem-hora"


def chave(momento: dt.datetime | None, mensagem: str, ocorrencia: int) -> str:
    resumo = hashlib.blake2b(mensagem.encode(), digest_size=12).hexdigest()
    return f"r:{_segundo(momento)}:{resumo}:{ocorrencia}"


class Ocorrencias:
    """Conta, na sequência de linhas de um job, quantas vezes cada (segundo, mensagem) já veio."""

    def __init__(self) -> None:
        self._vistas: Counter = Counter()

    def chave(self, momento: dt.datetime | None, mensagem: str) -> str:
        base = (_segundo(momento), mensagem)
        ocorrencia = self._vistas[base]
        self._vistas[base] += 1
        return chave(momento, mensagem, ocorrencia)


def nivel(texto: str) -> str:
    return NIVEIS.get(texto.upper(), NivelLog.INFO)


@dataclass(frozen=True)
class Linha:
    chave: str
    nivel: str
    mensagem: str
    momento: dt.datetime | None


def gravar_do_stream(execucao_id, linha: Linha) -> None:
    """Uma linha do stream. Se o /status já a gravou, fica o nível do stream (o do robô)."""
    LogExecucao.objects.bulk_create(
        [_registro(execucao_id, linha)],
        update_conflicts=True,
        unique_fields=["execucao", "chave"],
        update_fields=["nivel"],
    )


def gravar_do_status(execucao_id, linhas: list[LinhaDeLog], *, erro_do_job: str = "") -> int:
    """As linhas do log completo do job (`/status`) que o stream não entregou.

    O /status não traz o nível: vale o que ele trouxer, senão o da linha de erro (a mensagem do
    erro do job), o da linha final (WARN) ou INFO. Cada linha nova entra logo depois da linha que
    a precede no log do robô (o `momento` dela, com resolução de segundo, é ajustado para isso).
    """
    if not linhas:
        return 0
    ocorrencias = Ocorrencias()
    chaves = [ocorrencias.chave(linha.momento, linha.mensagem) for linha in linhas]
    with transaction.atomic():
        gravadas = dict(
            LogExecucao.objects.filter(execucao_id=execucao_id, chave__in=chaves).values_list(
                "chave", "momento"
            )
        )
        novas, anterior = [], None
        for linha, chave_da_linha in zip(linhas, chaves, strict=True):
            if chave_da_linha in gravadas:
                anterior = gravadas[chave_da_linha] or anterior
                continue
            momento = linha.momento
            if momento and anterior and anterior >= momento:
                momento = anterior + UM_MICROSSEGUNDO  # mesmo segundo: depois da que a precede
            novas.append(
                _registro(
                    execucao_id,
                    Linha(
                        chave_da_linha,
                        _nivel_do_status(linha, erro_do_job),
                        linha.mensagem,
                        momento,
                    ),
                )
            )
            anterior = momento or anterior
        LogExecucao.objects.bulk_create(novas, ignore_conflicts=True)
    return len(novas)


def _nivel_do_status(linha: LinhaDeLog, erro_do_job: str) -> str:
    if linha.nivel:
        return nivel(linha.nivel)
    if erro_do_job and linha.mensagem == erro_do_job:
        return NivelLog.ERROR
    if "concluído com status" in linha.mensagem:
        return NivelLog.WARN
    return NivelLog.INFO


def _registro(execucao_id, linha: Linha) -> LogExecucao:
    return LogExecucao(
        execucao_id=execucao_id,
        chave=linha.chave,
        nivel=linha.nivel,
        mensagem=linha.mensagem,
        momento=linha.momento,
    )
