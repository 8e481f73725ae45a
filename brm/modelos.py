import uuid

from django.db import models


class ModeloBase(models.Model):
    """Chave UUID e datas de criação/alteração, comuns a todas as entidades (SPEC §2)."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    criado_em = models.DateTimeField("criado em", auto_now_add=True)
    atualizado_em = models.DateTimeField("atualizado em", auto_now=True)

    class Meta:
        abstract = True
