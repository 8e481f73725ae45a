"""A regra entre o tempo de um envio e a reconciliação (lida pelas settings e pelo worker).

Um POST que cria job tem um prazo total (`RPA_TEMPO_ENVIO_SEGUNDOS`, conexão incluída). A
reconciliação só olha um envio sem resposta depois de `RPA_ENVIO_SEM_RESPOSTA_SEGUNDOS`; se ela
pudesse agir antes de o POST terminar, veria "nenhum job" enquanto o robô ainda cria o job e
mandaria de novo — dois jobs para uma execução. Por isso a partida recusa essa combinação.
"""

from django.core.exceptions import ImproperlyConfigured

TEMPO_CONEXAO = 3.05
FOLGA_DEPOIS_DO_ENVIO = 0.5  # entre a resposta do POST e a gravação do job_id


def conferir_prazos_do_envio(*, tempo_envio: float, sem_resposta: float) -> None:
    if tempo_envio <= 0:
        raise ImproperlyConfigured("RPA_TEMPO_ENVIO_SEGUNDOS deve ser positivo.")
    if sem_resposta < tempo_envio + FOLGA_DEPOIS_DO_ENVIO:
        raise ImproperlyConfigured(
            f"RPA_ENVIO_SEM_RESPOSTA_SEGUNDOS ({sem_resposta:g}) deve ser pelo menos "
            f"RPA_TEMPO_ENVIO_SEGUNDOS ({tempo_envio:g}) + {FOLGA_DEPOIS_DO_ENVIO:g}: a "
            "reconciliação não pode agir enquanto um envio ainda espera resposta."
        )
