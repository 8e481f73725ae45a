from django.core.management.base import BaseCommand
from django.db import transaction

from clientes.models import Cliente
from contas.models import Usuario

CAMPOS_CIFRADOS = [(Cliente, "senha_portal"), (Usuario, "api_externa_token")]


class Command(BaseCommand):
    help = (
        "Recifra os segredos com a primeira chave de FIELD_ENCRYPTION_KEY (depois de uma rotação, "
        "antes de remover a chave antiga)."
    )

    def handle(self, *args, **options):
        for modelo, campo in CAMPOS_CIFRADOS:
            total = 0
            with transaction.atomic():
                for objeto in modelo.objects.exclude(**{campo: ""}).only("pk", campo).iterator():
                    objeto.save(update_fields=[campo])  # lê com qualquer chave, grava com a nova
                    total += 1
            self.stdout.write(
                f"{modelo._meta.verbose_name_plural}: {total} segredo(s) recifrado(s)."
            )
