from django.apps import apps
from django.core.management.base import BaseCommand
from django.db import transaction

from nucleo.criptografia import CampoCifrado


def campos_cifrados() -> list[tuple[type, str]]:
    """Todo CampoCifrado de todo modelo: um segredo novo (o do webhook) entra sozinho."""
    return [
        (modelo, campo.name)
        for modelo in apps.get_models()
        for campo in modelo._meta.concrete_fields
        if isinstance(campo, CampoCifrado)
    ]


class Command(BaseCommand):
    help = (
        "Recifra os segredos com a primeira chave de FIELD_ENCRYPTION_KEY (depois de uma rotação, "
        "antes de remover a chave antiga)."
    )

    def handle(self, *args, **options):
        for modelo, campo in campos_cifrados():
            total = 0
            with transaction.atomic():
                for objeto in modelo.objects.exclude(**{campo: ""}).only("pk", campo).iterator():
                    objeto.save(update_fields=[campo])  # lê com qualquer chave, grava com a nova
                    total += 1
            self.stdout.write(
                f"{modelo._meta.verbose_name_plural}: {total} segredo(s) recifrado(s)."
            )
