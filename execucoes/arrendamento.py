"""Arrendamento com prazo no banco: um dono por vez; se ele some, outro assume no vencimento."""

import datetime as dt

from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone

from execucoes.models import Arrendamento


def obter(nome: str, dono: str, prazo: dt.timedelta) -> bool:
    """Obtém ou renova; verdadeiro se `dono` é o dono até agora + prazo."""
    agora = timezone.now()
    renovado = (
        Arrendamento.objects.filter(nome=nome)
        .filter(Q(dono=dono) | Q(expira_em__lt=agora) | Q(dono=""))
        .update(dono=dono, expira_em=agora + prazo)
    )
    if renovado:
        return True
    try:
        with transaction.atomic():
            Arrendamento.objects.create(nome=nome, dono=dono, expira_em=agora + prazo)
    except IntegrityError:
        return False
    return True


def liberar(nome: str, dono: str) -> None:
    Arrendamento.objects.filter(nome=nome, dono=dono).update(dono="", expira_em=timezone.now())
