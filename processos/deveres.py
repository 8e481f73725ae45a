"""Os deveres de `processos` no worker (nucleo.deveres): a criação mensal automática."""

import logging

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from nucleo.deveres import Dever
from processos.criacao import criar_processos_mensais
from processos.models import CriacaoMensal, Origem

logger = logging.getLogger(__name__)


def criacao_mensal() -> None:
    """Cria os processos do mês uma vez por competência, do dia `PROCESSOS_DIA_CRIACAO` em diante
    (se o worker estava parado no dia, cria quando voltar)."""
    hoje = timezone.localdate()
    if hoje.day < settings.PROCESSOS_DIA_CRIACAO:
        return
    competencia = hoje.replace(day=1)
    if CriacaoMensal.objects.filter(competencia=competencia).exists():
        return
    with transaction.atomic():
        # O registro e os processos entram juntos: se a criação falha, nada fica marcado e a
        # próxima volta tenta de novo. Outro worker que chega junto espera a chave e desiste.
        registro, nova = CriacaoMensal.objects.get_or_create(competencia=competencia)
        if not nova:
            return
        resultado = criar_processos_mensais(competencia=competencia, origem=Origem.WORKER)
        registro.criados = resultado.criados
        registro.save(update_fields=["criados"])
    logger.info("Monthly creation: %s", resultado.mensagem())


DEVERES = [
    Dever("criacao_mensal", 60, fazer=criacao_mensal),
]
