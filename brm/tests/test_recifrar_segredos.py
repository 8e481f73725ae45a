"""Troca da chave de cifragem (README, Produção): depois de `recifrar_segredos`, a chave antiga
pode sair — todo segredo guardado se lê só com a nova, inclusive o dos webhooks."""

import io

import pytest
from cryptography.fernet import Fernet
from django.core.management import call_command

from brm.fabricas import criar_cliente, criar_usuario
from clientes.models import Cliente
from contas.models import Usuario
from notificacoes.models import Webhook

pytestmark = pytest.mark.django_db


def test_recifrar_deixa_todos_os_segredos_legiveis_so_com_a_chave_nova(settings):
    antiga, nova = Fernet.generate_key().decode(), Fernet.generate_key().decode()
    settings.FIELD_ENCRYPTION_KEY = [antiga]
    cliente = criar_cliente(senha_portal="senha-do-portal")
    pessoa = criar_usuario("ADMINISTRADOR")
    Usuario.objects.filter(pk=pessoa.pk).update(api_externa_token="")
    pessoa.api_externa_token = "token-guardado"
    pessoa.save(update_fields=["api_externa_token"])
    webhook = Webhook.objects.create(
        nome="Chat", url="https://chat.exemplo.com/x", segredo="segredo-do-webhook"
    )

    settings.FIELD_ENCRYPTION_KEY = [nova, antiga]
    saida = io.StringIO()
    call_command("recifrar_segredos", stdout=saida)
    settings.FIELD_ENCRYPTION_KEY = [nova]

    assert Cliente.objects.get(pk=cliente.pk).senha_portal == "senha-do-portal"
    assert Usuario.objects.get(pk=pessoa.pk).api_externa_token == "token-guardado"
    assert Webhook.objects.get(pk=webhook.pk).segredo == "segredo-do-webhook"
    assert "webhooks: 1 segredo(s) recifrado(s)." in saida.getvalue()
