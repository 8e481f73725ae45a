"""O que o robô está fazendo num processo agora, em palavras: “Na fila”, “Baixando… 66 %”,
“Nova tentativa em 45 s”. Lido da execução ativa (o banco garante no máximo uma por processo).

A lista de processos pergunta por subconsultas no mesmo SELECT (`com_andamento`: o número de
consultas da página não muda), a página do processo pela execução que já leu.
"""

import datetime as dt
from dataclasses import dataclass

from django.db.models import OuterRef, QuerySet, Subquery
from django.utils import timezone

from execucoes.models import STATUS_ATIVOS, Execucao, StatusExecucao, TipoExecucao

# O que o robô faz em cada tipo, no gerúndio do selo.
FAZENDO = {
    TipoExecucao.DOWNLOAD_FATURA: "Baixando…",
    TipoExecucao.UPLOAD_SAT: "Enviando ao SAT…",
}

_CAMPOS = {
    "andamento_status": "status",
    "andamento_tipo": "tipo",
    "andamento_progresso": "progresso",
    "andamento_apos": "executar_apos",
}


@dataclass(frozen=True)
class Andamento:
    status: str
    tipo: str
    progresso: int
    executar_apos: dt.datetime | None

    def espera(self, agora: dt.datetime | None = None) -> dt.timedelta | None:
        """Quanto falta para a nova tentativa, se a execução espera uma."""
        if self.status != StatusExecucao.PENDENTE or self.executar_apos is None:
            return None
        falta = self.executar_apos - (agora or timezone.now())
        return falta if falta.total_seconds() > 0 else None

    @property
    def esperando_nova_tentativa(self) -> bool:
        return self.espera() is not None

    @property
    def rotulo(self) -> str:
        if (falta := self.espera()) is not None:
            return f"Nova tentativa em {_em_palavras(falta)}"
        if self.status == StatusExecucao.PENDENTE:
            return "Na fila"
        fazendo = FAZENDO.get(self.tipo, "Rodando…")
        return f"{fazendo} {self.progresso} %" if self.progresso else fazendo

    @property
    def cor(self) -> str:
        if self.esperando_nova_tentativa:
            return "laranja"
        return "azul" if self.status == StatusExecucao.EXECUTANDO else "cinza"


def _em_palavras(falta: dt.timedelta) -> str:
    segundos = max(1, round(falta.total_seconds()))
    if segundos < 90:
        return f"{segundos} s"
    minutos = round(segundos / 60)
    if minutos < 90:
        return f"{minutos} min"
    return f"{round(minutos / 60)} h"


def com_andamento(processos: QuerySet) -> QuerySet:
    """Os processos com a execução ativa de cada um anotada (subconsultas pelo índice parcial da
    execução ativa: uma linha, no máximo, por processo)."""
    ativa = Execucao.objects.filter(processo=OuterRef("pk"), status__in=STATUS_ATIVOS).order_by()
    return processos.annotate(
        **{nome: Subquery(ativa.values(campo)[:1]) for nome, campo in _CAMPOS.items()}
    )


def andamento_anotado(processo) -> Andamento | None:
    """O andamento que `com_andamento` anotou no processo (None: nada rodando)."""
    if not getattr(processo, "andamento_status", None):
        return None
    return Andamento(
        status=processo.andamento_status,
        tipo=processo.andamento_tipo,
        progresso=processo.andamento_progresso or 0,
        executar_apos=processo.andamento_apos,
    )


def andamento_da(execucao: Execucao | None) -> Andamento | None:
    """O andamento de uma execução já lida (None se ela não está ativa)."""
    if execucao is None or not execucao.ativa:
        return None
    return Andamento(
        status=execucao.status,
        tipo=execucao.tipo,
        progresso=execucao.progresso,
        executar_apos=execucao.executar_apos,
    )
