"""O quadro “API RPA” da página inicial: token, worker, stream, despacho parado e a fila do robô
de cada operadora (na fila, rodando/capacidade, ritmo e previsão de término); e as execuções do
robô por dia.

O quadro custa quatro consultas, seja qual for o tamanho da fila: o estado, as execuções ativas
agrupadas por robô, as operadoras e as que terminaram na última hora (`execucao_ritmo_idx`)."""

import datetime as dt
from dataclasses import dataclass

from django.conf import settings
from django.db.models import Count, Min, Q
from django.db.models.functions import TruncDate
from django.utils import timezone

from execucoes.models import (
    EM_VOO,
    NA_FILA,
    STATUS_ATIVOS,
    EstadoRPA,
    Execucao,
    StatusExecucao,
    TipoExecucao,
)
from execucoes.token_rpa import SituacaoDoToken, situacao, token_recusado
from operadoras.models import Operadora

WORKER_SUMIDO = dt.timedelta(seconds=60)
JANELA_DO_RITMO = dt.timedelta(hours=1)
# Um término só, há segundos, não diz o ritmo: mede-se por pelo menos este intervalo.
MEDIDA_MINIMA = dt.timedelta(minutes=1)
SAT = "SAT"


@dataclass(frozen=True)
class FilaDoRobo:
    """A fila de um robô (o de uma operadora, o do SAT ou todos juntos) e o seu ritmo."""

    codigo: str
    na_fila: int
    em_voo: int
    capacidade: int
    terminadas: int  # na última hora
    primeira_terminada_em: dt.datetime | None
    agora: dt.datetime

    @property
    def por_hora(self) -> float | None:
        """Quantas terminam por hora, pelo que se viu na última hora (None: nenhuma ainda)."""
        if not self.terminadas or self.primeira_terminada_em is None:
            return None
        medida = max(self.agora - self.primeira_terminada_em, MEDIDA_MINIMA)
        return self.terminadas * 3600 / medida.total_seconds()

    @property
    def termina_em(self) -> dt.datetime | None:
        restantes = self.na_fila + self.em_voo
        if not restantes or not self.por_hora:
            return None
        return self.agora + dt.timedelta(hours=restantes / self.por_hora)

    @property
    def previsao(self) -> str:
        if not self.na_fila + self.em_voo:
            return "fila vazia"
        termina_em = self.termina_em
        if termina_em is None:
            return "sem ritmo medido ainda"
        local = timezone.localtime(termina_em)
        if local.date() == timezone.localdate(self.agora):
            return f"termina por volta de {local:%H:%M}"
        return f"termina por volta de {local:%d/%m} às {local:%H:%M}"


@dataclass(frozen=True)
class Painel:
    token: SituacaoDoToken
    token_recusado_em: dt.datetime | None
    # O mesmo que faz o despacho parar (`despacho.despachar_pendentes`): o token de agora foi
    # recusado. Uma recusa de um token já trocado não conta.
    token_recusado: bool
    worker_visto_em: dt.datetime | None
    stream_conectado: bool
    pendentes: int
    executando: int
    filas: list[FilaDoRobo]
    todas: FilaDoRobo

    @property
    def worker_ativo(self) -> bool:
        return (
            self.worker_visto_em is not None
            and timezone.now() - self.worker_visto_em < WORKER_SUMIDO
        )


def _robo(operadora_id, tipo: str):
    """A fila a que uma execução pertence: a da operadora, a do SAT, ou nenhuma (ainda não
    enfileirada)."""
    if operadora_id is not None:
        return operadora_id
    return SAT if tipo == TipoExecucao.UPLOAD_SAT else None


def _filas(agora: dt.datetime) -> tuple[list[FilaDoRobo], FilaDoRobo, int, int]:
    ativas = (
        Execucao.objects.filter(status__in=STATUS_ATIVOS)
        .order_by()
        .values_list("operadora", "tipo")
        .annotate(
            pendentes=Count("pk", filter=Q(status=StatusExecucao.PENDENTE)),
            executando=Count("pk", filter=Q(status=StatusExecucao.EXECUTANDO)),
            na_fila=Count("pk", filter=NA_FILA),
            em_voo=Count("pk", filter=EM_VOO),
        )
    )
    contagem: dict = {}
    pendentes = executando = 0
    for operadora_id, tipo, pendentes_aqui, executando_aqui, na_fila, em_voo in ativas:
        pendentes += pendentes_aqui
        executando += executando_aqui
        robo = _robo(operadora_id, tipo)
        antes = contagem.get(robo, (0, 0))
        contagem[robo] = (antes[0] + na_fila, antes[1] + em_voo)
    terminadas = {
        _robo(operadora_id, tipo): (n, desde)
        for operadora_id, tipo, n, desde in Execucao.objects.filter(
            competencia__isnull=False, finalizada_em__gte=agora - JANELA_DO_RITMO
        )
        .order_by()
        .values_list("operadora", "tipo")
        .annotate(n=Count("pk"), desde=Min("finalizada_em"))
    }
    robos = Operadora.objects.filter(
        Q(possui_rpa=True, ativo=True) | Q(pk__in=[r for r in contagem if r not in (SAT, None)])
    ).order_by("codigo")
    global_ = settings.RPA_JOBS_SIMULTANEOS

    def fila(chave, codigo: str, capacidade: int) -> FilaDoRobo:
        na_fila, em_voo = contagem.get(chave, (0, 0))
        n, desde = terminadas.get(chave, (0, None))
        return FilaDoRobo(codigo, na_fila, em_voo, capacidade, n, desde, agora)

    filas = [fila(o.pk, o.codigo, o.jobs_simultaneos) for o in robos]
    filas.append(fila(SAT, SAT, global_))
    inicios = [desde for _, desde in terminadas.values() if desde]
    todas = FilaDoRobo(
        "Todos",
        sum(f.na_fila for f in filas),
        sum(f.em_voo for f in filas),
        global_,
        sum(f.terminadas for f in filas),
        min(inicios) if inicios else None,
        agora,
    )
    return filas, todas, pendentes, executando


def painel() -> Painel:
    estado = EstadoRPA.atual()
    filas, todas, pendentes, executando = _filas(timezone.now())
    return Painel(
        token=situacao(),
        token_recusado_em=estado.token_recusado_em,
        token_recusado=token_recusado(),
        worker_visto_em=estado.worker_visto_em,
        stream_conectado=estado.stream_conectado,
        pendentes=pendentes,
        executando=executando,
        filas=filas,
        todas=todas,
    )


@dataclass(frozen=True)
class Dia:
    data: dt.date
    concluidas: int
    com_falha: int
    total: int
    maior: int  # o total do dia mais movimentado: a altura das barras é relativa a ele

    @property
    def altura(self) -> float:
        return 100 * self.total / self.maior if self.maior else 0.0

    @property
    def parte_com_falha(self) -> float:
        return 100 * self.com_falha / self.total if self.total else 0.0


def execucoes_por_dia(dias: int = 30, hoje: dt.date | None = None) -> list[Dia]:
    """As execuções do robô (download e SAT) criadas em cada um dos últimos `dias` dias (hora
    local), e quantas terminaram bem ou com falha. Uma consulta, pelo índice de `criado_em`."""
    hoje = hoje or timezone.localdate()
    primeiro = hoje - dt.timedelta(days=dias - 1)
    inicio = timezone.make_aware(dt.datetime.combine(primeiro, dt.time.min))
    contagem = {
        linha["dia"]: linha
        for linha in Execucao.objects.filter(criado_em__gte=inicio)
        .exclude(tipo=TipoExecucao.UPLOAD_MANUAL)
        .annotate(dia=TruncDate("criado_em"))
        .order_by()
        .values("dia")
        .annotate(
            total=Count("id"),
            concluidas=Count("id", filter=Q(status=StatusExecucao.CONCLUIDO)),
            com_falha=Count(
                "id", filter=Q(status__in=(StatusExecucao.FALHOU, StatusExecucao.TIMEOUT))
            ),
        )
    }
    maior = max((linha["total"] for linha in contagem.values()), default=0)
    vazio = {"total": 0, "concluidas": 0, "com_falha": 0}
    return [
        Dia(
            data=data,
            concluidas=contagem.get(data, vazio)["concluidas"],
            com_falha=contagem.get(data, vazio)["com_falha"],
            total=contagem.get(data, vazio)["total"],
            maior=maior,
        )
        for data in (primeiro + dt.timedelta(days=n) for n in range(dias))
    ]
