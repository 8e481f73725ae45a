"""A API REST (SPEC §6): JWT, perfis como no admin, validação em pt-BR, esquema e documentação."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from brm.fabricas import (
    api_de,
    criar_cliente,
    criar_operadora,
    criar_processo,
    criar_usuario,
    gerar_cnpj,
)
from clientes.models import Cliente
from operadoras.models import Operadora

pytestmark = pytest.mark.django_db


def test_jwt_da_acesso_e_renovacao():
    usuario = criar_usuario("OPERADOR")
    resposta = APIClient().post(
        "/api/token/", {"username": usuario.username, "password": "senha-de-teste-1"}
    )
    assert resposta.status_code == 200
    par = resposta.json()
    cliente = APIClient()
    cliente.credentials(HTTP_AUTHORIZATION=f"Bearer {par['access']}")
    assert cliente.get("/api/processos/").status_code == 200

    renovado = APIClient().post("/api/token/renovar/", {"refresh": par["refresh"]})
    assert renovado.status_code == 200
    assert renovado.json()["access"] != par["access"]


def test_sem_credencial_ou_com_token_invalido_e_401_em_portugues():
    assert APIClient().get("/api/processos/").status_code == 401
    cliente = APIClient()
    cliente.credentials(HTTP_AUTHORIZATION="Bearer nao-e-um-jwt")
    resposta = cliente.get("/api/processos/")
    assert resposta.status_code == 401
    assert "token" in resposta.json()["detail"].lower()


def test_senha_errada_conta_junto_com_o_login_da_equipe_e_bloqueia_a_conta(client):
    usuario = criar_usuario("OPERADOR")
    errada = {"username": usuario.username, "password": "errada"}
    # Cada tentativa de um "IP" diferente pelo X-Forwarded-For: não adianta.
    for numero in range(3):
        resposta = APIClient().post("/api/token/", errada, HTTP_X_FORWARDED_FOR=f"10.0.0.{numero}")
        assert resposta.status_code == 401
        assert resposta.json()["detail"] == "Usuário e/ou senha incorreto(s)"
    for _ in range(2):  # as do formulário de login contam na mesma conta
        client.post("/contas/login/", {"login": usuario.username, "password": "errada"})

    certa = APIClient().post("/api/token/", {**errada, "password": "senha-de-teste-1"})
    assert certa.status_code == 429
    assert "Muitas tentativas" in certa.json()["detail"]


def test_muitos_pedidos_de_token_do_mesmo_ip_sao_limitados_mesmo_mudando_o_cabecalho():
    usuario = criar_usuario("OPERADOR")
    dados = {"username": usuario.username, "password": "senha-de-teste-1"}
    respostas = [
        APIClient().post("/api/token/", dados, HTTP_X_FORWARDED_FOR=f"10.1.0.{numero}")
        for numero in range(11)
    ]
    assert [r.status_code for r in respostas[:10]] == [200] * 10
    assert respostas[10].status_code == 429


def test_entra_pela_api_com_o_email():
    usuario = criar_usuario("OPERADOR")
    usuario.email = "ana@brm.example"
    usuario.save()
    resposta = APIClient().post(
        "/api/token/", {"username": "ana@brm.example", "password": "senha-de-teste-1"}
    )
    assert resposta.status_code == 200


def test_usuario_inativo_nao_obtem_token():
    usuario = criar_usuario("ADMINISTRADOR")
    usuario.is_active = False
    usuario.save()
    resposta = APIClient().post(
        "/api/token/", {"username": usuario.username, "password": "senha-de-teste-1"}
    )
    assert resposta.status_code == 401


def test_sessao_do_navegador_tambem_autentica(client):
    client.force_login(criar_usuario("APROVADOR"))
    assert client.get("/api/operadoras/").status_code == 200


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


def test_cliente_com_cnpj_invalido_e_recusado_com_o_campo_e_nada_gravado():
    criar_operadora("VIVO")
    api = api_de("ADMINISTRADOR")
    resposta = api.post(
        "/api/clientes/",
        {"razao_social": "ACME", "cnpj": "11.111.111/1111-11", "operadora": "VIVO"},
        format="json",
    )
    assert resposta.status_code == 400
    assert "CNPJ" in " ".join(resposta.json()["cnpj"])
    assert not Cliente.objects.exists()

    resposta = api.post(
        "/api/clientes/",
        {"razao_social": "ACME", "cnpj": "NAO-EXISTE", "operadora": "XPTO"},
        format="json",
    )
    assert resposta.status_code == 400
    assert set(resposta.json()) >= {"operadora"}


def test_cliente_criado_pela_api_normaliza_o_cnpj_e_guarda_a_senha_cifrada():
    criar_operadora("VIVO")
    cnpj = gerar_cnpj()
    formatado = f"{cnpj[:2]}.{cnpj[2:5]}.{cnpj[5:8]}/{cnpj[8:12]}-{cnpj[12:]}"
    resposta = api_de("ADMINISTRADOR").post(
        "/api/clientes/",
        {
            "razao_social": "ACME LTDA",
            "cnpj": formatado,
            "operadora": "VIVO",
            "senha_portal": "senha-do-portal-123",
        },
        format="json",
    )
    assert resposta.status_code == 201, resposta.content
    corpo = resposta.json()
    assert "senha_portal" not in corpo and corpo["tem_senha_portal"] is True
    assert "senha-do-portal-123" not in resposta.content.decode()
    cliente = Cliente.objects.get(pk=corpo["id"])
    assert cliente.cnpj == cnpj and cliente.hash_unico
    chave = Cliente._meta.pk.get_db_prep_value(cliente.pk, connection)
    with connection.cursor() as cursor:
        cursor.execute("SELECT senha_portal FROM clientes_cliente WHERE id = %s", [chave])
        linha = cursor.fetchone()
    assert "senha-do-portal-123" not in str(linha[0])
    assert cliente.senha_portal == "senha-do-portal-123"


def test_cliente_duplicado_e_recusado_em_portugues():
    existente = criar_cliente()
    resposta = api_de("ADMINISTRADOR").post(
        "/api/clientes/",
        {
            "razao_social": "Outra",
            "cnpj": existente.cnpj,
            "operadora": existente.operadora.codigo,
            "unidade": existente.unidade,
            "servico": existente.servico,
        },
        format="json",
    )
    assert resposta.status_code == 400
    assert "Já existe um cliente" in str(resposta.json())


def test_clientes_filtro_por_operadora_e_busca():
    vivo, oi = criar_operadora("VIVO"), criar_operadora("OI")
    alvo = criar_cliente(vivo, razao_social="PADARIA ESTRELA")
    criar_cliente(oi, razao_social="PADARIA LUA")
    api = api_de("OPERADOR")
    por_operadora = api.get("/api/clientes/", {"operadora": "vivo"}).json()
    assert [c["id"] for c in por_operadora["results"]] == [str(alvo.pk)]
    busca = api.get("/api/clientes/", {"busca": "estrela"}).json()
    assert [c["id"] for c in busca["results"]] == [str(alvo.pk)]


def test_consultas_da_lista_de_clientes_nao_crescem_com_a_pagina():
    api = api_de("OPERADOR")
    operadora = criar_operadora("VIVO")

    def consultas(total):
        while Cliente.objects.count() < total:
            criar_cliente(operadora)
        with CaptureQueriesContext(connection) as contexto:
            assert api.get("/api/clientes/", {"tamanho": 100}).status_code == 200
        return len(contexto)

    assert consultas(3) == consultas(30)


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
    from django.core.management import call_command

    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(tmp_path / "e.yml"))
    esquema = (tmp_path / "e.yml").read_text()
    assert "/api/processos/{id}/upload-manual/" in esquema
    assert "PaginatedLinhaDeLogList" not in esquema  # as linhas de log vêm numa lista simples


def test_apagar_operadora_ou_cliente_com_registros_ligados_e_409_sem_apagar():
    cliente = criar_cliente()
    api = api_de("ADMINISTRADOR")
    resposta = api.delete(f"/api/operadoras/{cliente.operadora.pk}/")
    assert resposta.status_code == 409
    assert "clientes" in resposta.json()["detail"]
    assert Operadora.objects.filter(pk=cliente.operadora.pk).exists()

    criar_processo(cliente)
    resposta = api.delete(f"/api/clientes/{cliente.pk}/")
    assert resposta.status_code == 409
    assert "processos" in resposta.json()["detail"]
    assert Cliente.objects.filter(pk=cliente.pk).exists()


def test_apagar_cliente_sem_processos():
    cliente = criar_cliente()
    assert api_de("ADMINISTRADOR").delete(f"/api/clientes/{cliente.pk}/").status_code == 204
    assert not Cliente.objects.filter(pk=cliente.pk).exists()


def test_conflito_no_banco_vira_409_em_portugues():
    from django.db import IntegrityError

    from nucleo.api_erros import tratar_excecao

    resposta = tratar_excecao(IntegrityError("duplicate key value"), {})
    assert resposta.status_code == 409
    assert "duplicate" not in resposta.data["detail"]
    assert "Conflito" in resposta.data["detail"]


def test_senha_do_portal_vazia_mantem_a_atual():
    cliente = criar_cliente(senha_portal="a-senha-que-vale")
    api = api_de("ADMINISTRADOR")
    resposta = api.patch(f"/api/clientes/{cliente.pk}/", {"senha_portal": "", "observacoes": "x"})
    assert resposta.status_code == 200
    cliente.refresh_from_db()
    assert cliente.senha_portal == "a-senha-que-vale" and cliente.observacoes == "x"
    api.patch(f"/api/clientes/{cliente.pk}/", {"senha_portal": "nova-senha"})
    cliente.refresh_from_db()
    assert cliente.senha_portal == "nova-senha"


def test_mesmo_hash_de_outro_cliente_e_400_com_o_campo():
    """O hash calculado (nome SAT, operadora, serviço, dados SAT, filtro, unidade) repetido."""
    criar_operadora("VIVO")
    api = api_de("ADMINISTRADOR")
    dados = {
        "razao_social": "ACME",
        "operadora": "VIVO",
        "filtro": "f1",
        "servico": "Internet",
        "unidade": "SP",
    }
    assert api.post("/api/clientes/", {**dados, "cnpj": gerar_cnpj()}).status_code == 201
    resposta = api.post("/api/clientes/", {**dados, "cnpj": gerar_cnpj()})
    assert resposta.status_code == 400, resposta.content
    assert "mesmo hash" in str(resposta.json())
    assert Cliente.objects.count() == 1
