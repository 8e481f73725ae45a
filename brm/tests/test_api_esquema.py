"""A API como um todo: o esquema OpenAPI (válido, sem avisos) e a documentação, sem CDN."""

import pytest
from django.core.management import call_command
from rest_framework.test import APIClient

from brm.fabricas import criar_usuario

pytestmark = pytest.mark.django_db


def test_esquema_openapi_e_documentacao_sem_cdn(client):
    assert APIClient().get("/api/esquema/").status_code in (401, 403)
    client.force_login(criar_usuario("OPERADOR"))
    esquema = client.get("/api/esquema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")
    assert esquema.status_code == 200
    caminhos = esquema.json()["paths"]
    assert "/api/processos/{id}/aprovar/" in caminhos
    assert "/api/execucoes/{id}/logs/" in caminhos
    docs = client.get("/api/docs/")
    assert docs.status_code == 200
    pagina = docs.content.decode()
    assert "swagger-ui" in pagina
    assert "cdn" not in pagina.lower() and "https://" not in pagina


def test_esquema_openapi_valido_e_sem_avisos(tmp_path):
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(tmp_path / "e.yml"))
    esquema = (tmp_path / "e.yml").read_text()
    assert "/api/processos/{id}/upload-manual/" in esquema
    assert "PaginatedLinhaDeLogList" not in esquema  # as linhas de log vêm numa lista simples
