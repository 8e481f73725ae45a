"""A regra entre o tempo de um envio e a reconciliação (lida pelas settings, pelo cliente e pelo
worker).

Um POST que cria job tem um prazo total. A reconciliação só olha um envio sem resposta depois de
`RPA_ENVIO_SEM_RESPOSTA_SEGUNDOS`; se ela pudesse agir antes de o POST terminar, veria "nenhum
job" enquanto o robô ainda o cria e mandaria de novo — dois jobs para uma execução. Por isso o
prazo do POST é, por construção, o configurado (`RPA_TEMPO_ENVIO_SEGUNDOS`) limitado ao limiar
menos uma folga; a partida avisa quando limita, e recusa um limiar curto demais para qualquer envio.
"""

import logging

from django.core.exceptions import ImproperlyConfigured

logger = logging.getLogger(__name__)

TEMPO_CONEXAO = 3.05
FOLGA_DEPOIS_DO_ENVIO = 0.5  # entre a resposta do POST e a gravação do job_id
ENVIO_MINIMO = 0.25
# 2**32 vezes a base passa de qualquer máximo; sem o limite, as milhares de tentativas de dias com a
# API fora do ar estourariam o float (OverflowError) antes de o máximo valer.
EXPOENTE_MAXIMO = 32


def tempo_do_envio(*, configurado: float, sem_resposta: float) -> float:
    """O prazo total de um POST que cria job: nunca alcança o limiar da reconciliação."""
    return min(configurado, sem_resposta - FOLGA_DEPOIS_DO_ENVIO)


def conferir_prazos_do_envio(*, tempo_envio: float, sem_resposta: float) -> None:
    if tempo_envio <= 0:
        raise ImproperlyConfigured("RPA_TEMPO_ENVIO_SEGUNDOS deve ser positivo.")
    if sem_resposta - FOLGA_DEPOIS_DO_ENVIO < ENVIO_MINIMO:
        raise ImproperlyConfigured(
            f"RPA_ENVIO_SEM_RESPOSTA_SEGUNDOS ({sem_resposta:g}) é curto demais: a reconciliação "
            f"precisa esperar pelo menos {ENVIO_MINIMO + FOLGA_DEPOIS_DO_ENVIO:g} s."
        )
    efetivo = tempo_do_envio(configurado=tempo_envio, sem_resposta=sem_resposta)
    if efetivo < tempo_envio:
        logger.warning(
            "RPA_TEMPO_ENVIO_SEGUNDOS=%g lowered to %g s so that it ends before the "
            "reconciliation threshold (RPA_ENVIO_SEM_RESPOSTA_SEGUNDOS=%g)",
            tempo_envio,
            efetivo,
            sem_resposta,
        )


def espera_crescente(tentativa: int, *, base: float, maximo: float | None = None) -> float:
    """A espera antes da próxima tentativa: base, o dobro, o quádruplo… (tentativa 1, 2, 3…), até
    `maximo`. Uma fórmula só para novas tentativas, envios adiados, sondagens do token e
    reconexões ao stream de eventos."""
    espera = base * 2 ** min(max(0, tentativa - 1), EXPOENTE_MAXIMO)
    return espera if maximo is None else min(espera, maximo)
