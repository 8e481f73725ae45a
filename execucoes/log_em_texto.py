"""O log inteiro de uma execução como texto, na hora local com o fuso (para baixar ou anexar num
chamado): `2026-03-05 10:00:00.500 -0300 [INFO] Login realizado`."""

from django.db.models import TextField
from django.db.models.functions import Cast, Coalesce
from django.utils import timezone

from execucoes.models import LogExecucao
from nucleo.horas import texto_local_de_utc

LINHAS_POR_LOTE = 5000


def texto_do_log(execucao_id) -> str:
    """Na ordem em que o robô emitiu (as linhas recuperadas pelo /status no seu lugar).

    Só as colunas, sem um objeto por linha, e o momento lido como texto (`nucleo.horas`): com o
    conversor de datas e o `strftime`, um log de 20 mil linhas levava mais de 150 ms.
    """
    momento = Coalesce("momento", "recebido_em")
    linhas = (
        LogExecucao.objects.filter(execucao_id=execucao_id)
        .order_by(momento, "id")
        .values_list(Cast(momento, TextField()), "nivel", "mensagem")
    )
    zona = timezone.get_current_timezone()
    return "".join(
        f"{_hora(momento, zona)} [{nivel}] {mensagem}\n"
        for momento, nivel, mensagem in linhas.iterator(chunk_size=LINHAS_POR_LOTE)
    )


def _hora(momento_utc: str, zona) -> str:
    return texto_local_de_utc(momento_utc, zona)
