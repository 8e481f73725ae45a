import uuid

from django.db import models


class ModeloBase(models.Model):
    """Chave UUID e datas de criação/alteração, comuns a todas as entidades."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    criado_em = models.DateTimeField("criado em", auto_now_add=True)
    atualizado_em = models.DateTimeField("atualizado em", auto_now=True)

    class Meta:
        abstract = True


class CampoURL(models.URLField):
    """URL em que um endereço digitado sem esquema vira https:// (padrão do Django 6)."""

    def formfield(self, **kwargs):
        kwargs.setdefault("assume_scheme", "https")
        return super().formfield(**kwargs)
