"""Operadoras na API REST: toda a equipe lê, só o administrador escreve."""

import pytest

from brm.fabricas import api_de, criar_operadora
from operadoras.models import Operadora

pytestmark = pytest.mark.django_db


def test_operadoras_toda_equipe_le_so_administrador_escreve():
    criar_operadora("VIVO")
    for perfil in ("OPERADOR", "APROVADOR"):
        api = api_de(perfil)
        assert api.get("/api/operadoras/").json()["count"] == 1
        resposta = api.post("/api/operadoras/", {"nome": "Claro"}, format="json")
        assert resposta.status_code == 403
        assert "perfil" in resposta.json()["detail"]
    assert not Operadora.objects.filter(nome="Claro").exists()

    resposta = api_de("ADMINISTRADOR").post(
        "/api/operadoras/", {"nome": "Claro Empresas", "possui_rpa": True}, format="json"
    )
    assert resposta.status_code == 201, resposta.content
    assert resposta.json()["codigo"] == "CLARO_EMPRESAS"  # a mesma normalização do admin
