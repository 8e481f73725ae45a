"""A lista de transições (auditoria, centenas de milhares de linhas) busca o cliente numa
subconsulta e filtra por índices da sua ordem."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from brm.fabricas import criar_cliente, criar_processo
from processos.models import Origem, StatusProcesso, Transicao

pytestmark = pytest.mark.django_db

LISTA = reverse("admin:processos_transicao_changelist")


def _transicao(cliente):
    processo = criar_processo(cliente)
    return Transicao.objects.create(
        processo=processo, de="", para=StatusProcesso.AGUARDANDO_DOWNLOAD, origem=Origem.WEB
    )


def test_busca_pelo_nome_ou_cnpj_do_cliente_sem_juntar_as_tabelas(administrador, navegador_de):
    procurado = criar_cliente(razao_social="TELEFONIA ACME LTDA")
    achada = _transicao(procurado)
    _transicao(criar_cliente(razao_social="OUTRA EMPRESA SA"))
    navegador = navegador_de(administrador)
    for termo in ("acme", procurado.cnpj, procurado.cnpj_formatado):
        with CaptureQueriesContext(connection) as consultas:
            resposta = navegador.get(LISTA, {"q": termo})
        assert list(resposta.context["cl"].result_list) == [achada], termo
        lista = [c["sql"] for c in consultas if 'FROM "processos_transicao"' in c["sql"]]
        # O filtro pelo cliente é uma subconsulta (apelidos U0, V0…), não a junção da lista.
        filtros = [sql.split(" WHERE ", 1)[1] for sql in lista]
        assert filtros and all(
            " IN (SELECT " in filtro and '"clientes_cliente"."razao_social"' not in filtro
            for filtro in filtros
        )


def test_filtros_da_lista_tem_indice_na_ordem_dela():
    with connection.cursor() as cursor:
        restricoes = connection.introspection.get_constraints(cursor, "processos_transicao")
    colunas = {tuple(r["columns"]) for r in restricoes.values() if r["index"]}
    assert {("para", "criado_em"), ("origem", "criado_em")} <= colunas
