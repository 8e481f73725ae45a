"""Campos cifrados em repouso (senha do portal, token da RPA API).

Fernet com várias chaves (`FIELD_ENCRYPTION_KEY=nova,antiga`): cifra com a primeira, decifra com
qualquer uma — trocar a chave não exige migrar os dados de uma vez (`manage.py recifrar_segredos`).
"""

import base64
import hashlib
from functools import cache

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings
from django.core.exceptions import FieldDoesNotExist, ImproperlyConfigured
from django.db import models
from django.db.models.constants import LOOKUP_SEP

PREFIXO = "fernet:"


@cache
def _cifrador(chaves: tuple[str, ...]) -> MultiFernet:
    if not chaves:
        # Só em desenvolvimento (settings exige a variável com DEBUG=false).
        derivada = base64.urlsafe_b64encode(hashlib.sha256(settings.SECRET_KEY.encode()).digest())
        chaves = (derivada.decode(),)
    try:
        return MultiFernet([Fernet(chave.encode()) for chave in chaves])
    except ValueError as erro:
        raise ImproperlyConfigured(
            "FIELD_ENCRYPTION_KEY inválida: cada chave deve ser uma chave Fernet "
            "(32 bytes em base64 url-safe)."
        ) from erro


def cifrador() -> MultiFernet:
    return _cifrador(tuple(settings.FIELD_ENCRYPTION_KEY))


def cifrar(texto: str) -> str:
    return PREFIXO + cifrador().encrypt(texto.encode()).decode()


def decifrar(valor: str) -> str:
    if not valor.startswith(PREFIXO):
        raise ImproperlyConfigured("Valor cifrado sem o prefixo esperado.")
    try:
        return cifrador().decrypt(valor.removeprefix(PREFIXO).encode()).decode()
    except InvalidToken as erro:
        raise ImproperlyConfigured(
            "Não foi possível decifrar um segredo: a chave que o cifrou não está em "
            "FIELD_ENCRYPTION_KEY."
        ) from erro


class CampoCifrado(models.TextField):
    """Texto guardado cifrado; em Python o valor é o texto puro ('' quando vazio)."""

    def from_db_value(self, value, expression, connection):
        if not value:
            return ""
        return decifrar(value)

    def get_prep_value(self, value):
        value = super().get_prep_value(value)
        if not value:
            return ""
        return cifrar(value)


def passa_por_campo_cifrado(modelo: type[models.Model], caminho: str) -> bool:
    """Se um caminho de consulta (`processo__cliente__senha_portal__regex`, `-senha_portal`,
    `=cliente__cnpj`) chega a um campo cifrado.

    Filtrar, ordenar ou buscar pela coluna cifrada responde diferente conforme o palpite acerta:
    a cifra vaza aos poucos (e com ela o que a chave protege). Nada pode consultá-la.
    """
    for parte in caminho.lstrip("-^=@$").split(LOOKUP_SEP):
        try:
            campo = modelo._meta.get_field(parte)
        except FieldDoesNotExist:
            return False
        if isinstance(campo, CampoCifrado):
            return True
        if not campo.is_relation or campo.related_model is None:
            return False
        modelo = campo.related_model
    return False
