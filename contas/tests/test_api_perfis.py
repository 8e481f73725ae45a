"""Quem pode e quem não pode, em cada endpoint da API (perfis como no admin)."""

import pytest
from rest_framework.test import APIClient

from brm.fabricas import criar_cliente, criar_processo, criar_usuario
from processos.models import StatusProcesso

pytestmark = pytest.mark.django_db

LEITURAS = [
    "/api/",
    "/api/operadoras/",
    "/api/clientes/",
    "/api/processos/",
    "/api/execucoes/",
    "/api/esquema/",
    "/api/processos/{processo}/",
    "/api/processos/{processo}/historico/",
]
# (método, caminho, quem passa da checagem de perfil)
ESCRITAS = [
    ("post", "/api/operadoras/", {"ADMINISTRADOR"}),
    ("patch", "/api/operadoras/{operadora}/", {"ADMINISTRADOR"}),
    ("delete", "/api/operadoras/{operadora}/", {"ADMINISTRADOR"}),
    ("post", "/api/clientes/", {"ADMINISTRADOR"}),
    ("patch", "/api/clientes/{cliente}/", {"ADMINISTRADOR"}),
    ("post", "/api/processos/", {"OPERADOR", "APROVADOR", "ADMINISTRADOR"}),
    ("post", "/api/processos/criar-mensais/", {"OPERADOR", "APROVADOR", "ADMINISTRADOR"}),
    ("post", "/api/processos/{aprovacao}/aprovar/", {"APROVADOR", "ADMINISTRADOR"}),
    ("post", "/api/processos/{aprovacao}/rejeitar/", {"APROVADOR", "ADMINISTRADOR"}),
    (
        "post",
        "/api/processos/{processo}/executar-download/",
        {"OPERADOR", "APROVADOR", "ADMINISTRADOR"},
    ),
]
PERFIS = ["OPERADOR", "APROVADOR", "ADMINISTRADOR"]


@pytest.fixture
def ids():
    cliente = criar_cliente()
    return {
        "operadora": cliente.operadora.pk,
        "cliente": cliente.pk,
        "processo": criar_processo(cliente).pk,
        "aprovacao": criar_processo(
            criar_cliente(cliente.operadora), status=StatusProcesso.AGUARDANDO_APROVACAO
        ).pk,
    }


def logado(perfil: str | None, ativo: bool = True) -> APIClient:
    cliente = APIClient()
    if perfil:
        usuario = criar_usuario(perfil)
        usuario.is_active = ativo
        usuario.save()
        cliente.force_login(usuario)
    return cliente


@pytest.mark.parametrize("caminho", LEITURAS)
def test_toda_a_equipe_le_e_quem_nao_e_da_equipe_nao(caminho, ids):
    url = caminho.format(**ids)
    for perfil in PERFIS:
        assert logado(perfil).get(url).status_code == 200, (perfil, url)
    assert logado(None).get(url).status_code == 401, url
    assert logado("OPERADOR", ativo=False).get(url).status_code == 401, url


@pytest.mark.parametrize("metodo, caminho, quem_pode", ESCRITAS)
def test_escritas_so_para_o_perfil_certo(metodo, caminho, quem_pode, ids):
    url = caminho.format(**ids)
    for perfil in PERFIS:
        resposta = getattr(logado(perfil), metodo)(url, {}, format="json")
        if perfil in quem_pode:
            assert resposta.status_code not in (401, 403), (perfil, url, resposta.content)
        else:
            assert resposta.status_code == 403, (perfil, url, resposta.status_code)
    assert getattr(logado(None), metodo)(url, {}, format="json").status_code == 401
