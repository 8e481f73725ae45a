"""O que quem aprova precisa ver de uma fatura, num lugar só (a página do processo e a fila de
aprovação): os meses anteriores do cliente, a variação do valor, o PDF repetido e os avisos."""

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from django.conf import settings
from django.utils import timezone

from processos.models import Processo

MESES_ANTERIORES = 6
DIAS_PARA_VENCER = 3  # vencimento a este ponto (ou já passado) vira aviso


def mesma_fatura(processo: Processo) -> list[Processo]:
    """Outros processos com o mesmo PDF (mesmo SHA-256): o robô pode ter trazido a fatura errada."""
    if not processo.fatura_sha256:
        return []
    return list(
        Processo.objects.filter(fatura_sha256=processo.fatura_sha256)
        .exclude(pk=processo.pk)
        .select_related("cliente")[:5]
    )


def meses_anteriores(processo: Processo) -> list[dict]:
    """Os últimos 6 processos do cliente antes deste, do mais recente ao mais antigo, cada um
    com a variação do mês seguinte em relação a ele."""
    anteriores = list(
        Processo.objects.filter(cliente=processo.cliente, competencia__lt=processo.competencia)
        .order_by("-competencia")
        .only("competencia", "valor", "vencimento", "status")[:MESES_ANTERIORES]
    )
    linhas = []
    for indice, anterior in enumerate(anteriores):
        base = processo.valor if indice == 0 else anteriores[indice - 1].valor
        linhas.append({"processo": anterior, "variacao_seguinte": variacao(base, anterior.valor)})
    return linhas


def variacao(valor: Decimal | None, base: Decimal | None) -> Decimal | None:
    """Quanto `valor` muda em relação a `base`, em %; None sem os dois ou com base zero."""
    if valor is None or not base:
        return None
    return (valor - base) / base * 100


@dataclass(frozen=True)
class Comparacao:
    rotulo: str  # “em relação a 02/2026”
    percentual: Decimal | None

    @property
    def destaque(self) -> bool:
        """Além do limiar (APROVACAO_LIMIAR_VARIACAO, ±20 % por padrão), para cima ou para baixo."""
        limiar = Decimal(str(settings.APROVACAO_LIMIAR_VARIACAO))
        return self.percentual is not None and abs(self.percentual) > limiar


def comparacoes(processo: Processo, anteriores: list[dict]) -> list[Comparacao]:
    """O valor desta fatura contra o último mês com valor e contra a média dos 6 anteriores."""
    com_valor = [linha["processo"] for linha in anteriores if linha["processo"].valor is not None]
    if processo.valor is None or not com_valor:
        return []
    ultimo = com_valor[0]
    media = sum(anterior.valor for anterior in com_valor) / len(com_valor)
    return [
        Comparacao(
            f"em relação a {ultimo.competencia_display}", variacao(processo.valor, ultimo.valor)
        ),
        Comparacao(
            f"em relação à média de {len(com_valor)} mês(es) (R$ {_reais(media)})",
            variacao(processo.valor, media),
        ),
    ]


def _reais(valor: Decimal) -> str:
    inteiro, _, centavos = f"{valor:,.2f}".partition(".")
    return f"{inteiro.replace(',', '.')},{centavos}"


def avisos(processo: Processo, hoje: dt.date | None = None) -> list[str]:
    """O que pede atenção antes de aprovar: vencimento passado ou próximo, sem vencimento, valor
    zero. O PDF repetido vem à parte (`mesma_fatura`), com os links dos outros processos."""
    hoje = hoje or timezone.localdate()
    encontrados = []
    vencimento = processo.vencimento
    if vencimento is None:
        encontrados.append("Sem vencimento: informe-o antes de aprovar.")
    elif vencimento < hoje:
        dias = (hoje - vencimento).days
        encontrados.append(f"Vencida em {vencimento:%d/%m/%Y} (há {dias} dia(s)).")
    elif vencimento == hoje:
        encontrados.append(f"Vence hoje ({vencimento:%d/%m/%Y}).")
    elif vencimento <= hoje + dt.timedelta(days=DIAS_PARA_VENCER):
        dias = (vencimento - hoje).days
        encontrados.append(f"Vence em {dias} dia(s) ({vencimento:%d/%m/%Y}).")
    if processo.valor is not None and processo.valor == 0:
        encontrados.append("Valor zero: confira se a fatura é mesmo sem cobrança.")
    return encontrados
