"""Clientes na API REST: validação em pt-BR, CNPJ normalizado, senha cifrada, busca e
exclusão sem perder o que está ligado."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from brm.fabricas import api_de, criar_cliente, criar_operadora, criar_processo, gerar_cnpj
from clientes.models import Cliente
from operadoras.models import Operadora

pytestmark = pytest.mark.django_db


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
