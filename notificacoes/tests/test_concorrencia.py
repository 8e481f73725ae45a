"""Dois workers ao mesmo tempo no PostgreSQL: nenhuma notificação sai duas vezes."""

from collections import Counter

import pytest
from django.core import mail
from django.db import connection

from brm.fabricas import criar_usuario, em_paralelo
from contas.models import Perfil
from notificacoes.envio import enviar_pendentes, notificar
from notificacoes.models import Canal, Notificacao, StatusNotificacao, TipoNotificacao

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.postgres]


@pytest.fixture(autouse=True)
def _so_no_postgres():
    if connection.vendor != "postgresql":
        pytest.skip("concorrência real só no PostgreSQL (SKIP LOCKED, FOR UPDATE)")


def _operadores(quantos: int):
    pessoas = [criar_usuario(Perfil.OPERADOR) for _ in range(quantos)]
    for pessoa in pessoas:
        pessoa.email = f"{pessoa.username}@brm.example"
        pessoa.save()
    return pessoas


def test_dois_remetentes_nunca_mandam_a_mesma_notificacao(settings):
    settings.EMAIL_BACKEND = "notificacoes.tests.backends.SMTPLento"
    _operadores(4)
    for numero in range(40):
        notificar(
            TipoNotificacao.TENTATIVAS_ESGOTADAS,
            chave=f"execucao:{numero}",
            assunto=f"Aviso {numero}",
            texto="Falhou.",
        )
    esperadas = Notificacao.objects.filter(canal=Canal.EMAIL).count()
    assert esperadas == 160

    def remetente():
        total = 0
        while entregues := enviar_pendentes(limite=10):
            total += entregues
        return total

    resultados = em_paralelo(remetente, 3)

    assert all(isinstance(r, int) for r in resultados), resultados
    assert sum(resultados) == esperadas
    assert sum(1 for r in resultados if r) >= 2, "os remetentes não se cruzaram"
    enviados = Counter((m.to[0], m.subject) for m in mail.outbox)
    assert len(enviados) == esperadas
    assert max(enviados.values()) == 1
    assert not Notificacao.objects.exclude(status=StatusNotificacao.ENVIADA).exists()


def test_dois_detectores_do_mesmo_evento_poem_uma_linha_por_destino():
    _operadores(3)

    def detector():
        return notificar(
            TipoNotificacao.TENTATIVAS_ESGOTADAS,
            chave="execucao:unica",
            assunto="Aviso",
            texto="Falhou.",
        )

    resultados = em_paralelo(detector, 6)

    assert all(isinstance(r, int) for r in resultados), resultados
    assert sum(resultados) == 6  # 3 pessoas, e-mail e sino cada uma, entre todos os detectores
    assert Notificacao.objects.count() == 6
