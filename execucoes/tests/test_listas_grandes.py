"""As listas de execuções e de linhas de log com milhões de linhas: índices para a ordem e os
filtros, nenhuma contagem da tabela inteira, e a busca pelo job exato."""

import datetime as dt
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from brm.fabricas import api_de, criar_cliente, criar_processo
from execucoes.admin import ExecucaoAdmin
from execucoes.models import Execucao, LogExecucao, NivelLog, StatusExecucao, TipoExecucao
from nucleo.admin_base import PaginadorSemContagem

pytestmark = pytest.mark.django_db

LISTA_DE_EXECUCOES = reverse("admin:execucoes_execucao_changelist")
LISTA_DE_LINHAS = reverse("admin:execucoes_logexecucao_changelist")
SO_NO_POSTGRESQL = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="índice e planos do PostgreSQL"
)


def criar_execucoes(quantidade: int, **campos) -> list[Execucao]:
    return [
        Execucao.objects.create(processo=criar_processo(), tipo=TipoExecucao.UPLOAD_SAT, **campos)
        for _ in range(quantidade)
    ]


def indices(tabela: str) -> dict[str, dict]:
    with connection.cursor() as cursor:
        restricoes = connection.introspection.get_constraints(cursor, tabela)
    return {nome: dados for nome, dados in restricoes.items() if dados["index"]}


def colunas_dos_indices(tabela: str) -> list[list[str]]:
    return [dados["columns"] for dados in indices(tabela).values()]


def consultas_da_pagina(navegador, url: str) -> list[str]:
    with CaptureQueriesContext(connection) as consultas:
        resposta = navegador.get(url)
    assert resposta.status_code == 200
    return [consulta["sql"] for consulta in consultas]


def contagens_sem_limite(consultas: list[str]) -> list[str]:
    return [sql for sql in consultas if "COUNT(" in sql.upper() and "LIMIT" not in sql.upper()]


def test_a_ordem_e_os_filtros_das_listas_tem_indice():
    execucao = colunas_dos_indices(Execucao._meta.db_table)
    assert ["criado_em", "id"] in execucao
    assert ["status", "criado_em"] in execucao
    assert ["tipo", "criado_em"] in execucao
    linhas = colunas_dos_indices(LogExecucao._meta.db_table)
    assert ["nivel", "id"] in linhas
    assert ["execucao_id", "id"] in linhas


@pytest.mark.parametrize(
    "filtro", ["", "?status__exact=FALHOU", "?tipo__exact=UPLOAD_SAT", "?q=EMPRESA"]
)
def test_lista_de_execucoes_nao_conta_a_tabela_inteira(filtro, administrador, navegador_de):
    criar_execucoes(3, status=StatusExecucao.FALHOU)
    consultas = consultas_da_pagina(navegador_de(administrador), LISTA_DE_EXECUCOES + filtro)
    assert any("COUNT(" in sql.upper() for sql in consultas)
    assert contagens_sem_limite(consultas) == []


@pytest.mark.parametrize("filtro", ["", "?nivel__exact=ERROR", "?q=fatura"])
def test_lista_de_linhas_nao_conta_a_tabela_inteira(filtro, administrador, navegador_de):
    for execucao in criar_execucoes(2):
        LogExecucao.objects.create(execucao=execucao, nivel=NivelLog.ERROR, mensagem="A fatura")
    consultas = consultas_da_pagina(navegador_de(administrador), LISTA_DE_LINHAS + filtro)
    assert contagens_sem_limite(consultas) == []


def test_busca_pelo_job_acha_so_o_job_exato_sem_upper(administrador, navegador_de):
    procurada, mesmo_nome_em_maiusculas, outra = criar_execucoes(3)
    Execucao.objects.filter(pk=procurada.pk).update(job_id="job-abc-1")
    Execucao.objects.filter(pk=mesmo_nome_em_maiusculas.pk).update(job_id="JOB-ABC-1")
    Execucao.objects.filter(pk=outra.pk).update(job_id="job-abc-2")
    navegador = navegador_de(administrador)
    with CaptureQueriesContext(connection) as consultas:
        resposta = navegador.get(LISTA_DE_EXECUCOES, {"q": "job-abc-1"})
    assert list(resposta.context["cl"].result_list) == [procurada]
    sql = " ".join(consulta["sql"] for consulta in consultas)
    assert 'UPPER("execucoes_execucao"."job_id"' not in sql


def test_busca_de_execucoes_pelo_cliente_continua(administrador, navegador_de):
    cliente = criar_cliente(razao_social="Transportes Serra Azul Ltda")
    do_cliente = Execucao.objects.create(
        processo=criar_processo(cliente), tipo=TipoExecucao.DOWNLOAD_FATURA
    )
    criar_execucoes(2)
    navegador = navegador_de(administrador)
    for termo in ("serra azul", cliente.cnpj, _pontuado(cliente.cnpj)):
        resposta = navegador.get(LISTA_DE_EXECUCOES, {"q": termo})
        assert list(resposta.context["cl"].result_list) == [do_cliente], termo


def _pontuado(cnpj: str) -> str:
    return f"{cnpj[:2]}.{cnpj[2:5]}.{cnpj[5:8]}/{cnpj[8:12]}-{cnpj[12:]}"


def test_busca_nas_linhas_pelo_job_ou_pela_mensagem(administrador, navegador_de):
    do_job, em_maiusculas, outra = criar_execucoes(3)
    Execucao.objects.filter(pk=do_job.pk).update(job_id="job-xyz")
    Execucao.objects.filter(pk=em_maiusculas.pk).update(job_id="JOB-XYZ")
    linha_do_job = LogExecucao.objects.create(execucao=do_job, mensagem="Iniciando")
    LogExecucao.objects.create(execucao=em_maiusculas, mensagem="Iniciando")
    baixando = LogExecucao.objects.create(execucao=outra, mensagem="Baixando a fatura de março")
    LogExecucao.objects.create(execucao=outra, mensagem="Iniciando")
    navegador = navegador_de(administrador)
    with CaptureQueriesContext(connection) as consultas:
        resposta = navegador.get(LISTA_DE_LINHAS, {"q": "job-xyz"})
    assert list(resposta.context["cl"].result_list) == [linha_do_job]
    assert 'UPPER("execucoes_execucao"."job_id"' not in " ".join(c["sql"] for c in consultas)
    resposta = navegador.get(LISTA_DE_LINHAS, {"q": "FATURA de março"})
    assert list(resposta.context["cl"].result_list) == [baixando]
    resposta = navegador.get(LISTA_DE_LINHAS, {"q": "de"})  # curta demais para o índice
    assert list(resposta.context["cl"].result_list) == []


def test_lista_de_execucoes_custa_o_mesmo_com_10_e_100_linhas(
    administrador, navegador_de, monkeypatch
):
    monkeypatch.setattr(ExecucaoAdmin, "list_per_page", 100)
    navegador = navegador_de(administrador)
    criar_execucoes(10)
    com_10 = len(consultas_da_pagina(navegador, LISTA_DE_EXECUCOES))
    criar_execucoes(90)
    assert len(consultas_da_pagina(navegador, LISTA_DE_EXECUCOES)) == com_10


@pytest.fixture
def lista_alem_do_limite(monkeypatch):
    """8 execuções, 2 por página, contando no máximo 5: a contagem para na 6ª."""
    monkeypatch.setattr(PaginadorSemContagem, "limite", 5)
    monkeypatch.setattr(ExecucaoAdmin, "list_per_page", 2)
    agora = timezone.now()
    execucoes = criar_execucoes(8)
    for minutos, execucao in enumerate(execucoes):
        Execucao.objects.filter(pk=execucao.pk).update(
            criado_em=agora - dt.timedelta(minutes=minutos)
        )
    return execucoes  # da mais recente à mais antiga, a ordem da lista


def test_paginas_alem_do_limite_seguem_por_offset(
    lista_alem_do_limite, administrador, navegador_de
):
    navegador = navegador_de(administrador)
    terceira = navegador.get(LISTA_DE_EXECUCOES, {"p": 3})
    assert list(terceira.context["cl"].result_list) == lista_alem_do_limite[4:6]
    assert 'href="?p=4"' in terceira.text  # a seguinte, que a contagem não alcançou
    assert "mais de 5 execuções" in terceira.text  # o rodapé não finge saber o total
    quarta = navegador.get(LISTA_DE_EXECUCOES, {"p": 4})
    assert list(quarta.context["cl"].result_list) == lista_alem_do_limite[6:8]
    assert 'href="?p=5"' not in quarta.text
    depois_do_fim = navegador.get(LISTA_DE_EXECUCOES, {"p": 5})
    assert depois_do_fim.status_code == 302  # o admin volta à lista com ?e=1


def test_paginador_conta_exato_ate_o_limite():
    criar_execucoes(3)
    paginador = PaginadorSemContagem(Execucao.objects.order_by("-criado_em", "-id"), 2)
    assert (paginador.count, paginador.num_pages, paginador.passou_do_limite) == (3, 2, False)
    assert len(paginador.page(2).object_list) == 1


def test_api_de_execucoes_nao_repete_nem_pula_as_criadas_no_mesmo_instante(administrador):
    execucoes = criar_execucoes(5)
    Execucao.objects.update(criado_em=timezone.now())
    api = api_de(administrador)
    vistas, url = [], "/api/execucoes/?tamanho=2"
    while url:
        with CaptureQueriesContext(connection) as consultas:
            resposta = api.get(url).json()
        vistas += [item["id"] for item in resposta["results"]]
        url = resposta["next"]
    assert sorted(vistas) == sorted(str(execucao.pk) for execucao in execucoes)
    lista = next(c["sql"] for c in consultas if 'FROM "execucoes_execucao"' in c["sql"])
    assert re.search(r'ORDER BY .*"criado_em" DESC, .*"id" DESC', lista)


def _plano(queryset) -> str:
    """O plano com a varredura sequencial desencorajada: numa tabela pequena de teste o
    planejador a prefere, e o que se quer saber é se o índice serve à consulta."""
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
    return queryset.explain()


@SO_NO_POSTGRESQL
def test_no_postgresql_a_busca_na_mensagem_usa_o_indice_de_trigramas():
    assert indices(LogExecucao._meta.db_table)["log_mensagem_trgm_idx"]["type"] == "gin"
    assert "log_mensagem_trgm_idx" in _plano(
        LogExecucao.objects.filter(mensagem__icontains="fatura")
    )


@SO_NO_POSTGRESQL
def test_no_postgresql_as_listas_usam_os_indices():
    recentes = Execucao.objects.order_by("-criado_em", "-id")[:100]
    assert "execucao_criado_idx" in _plano(recentes)
    assert "execucao_job" in _plano(Execucao.objects.filter(job_id="job-1"))
    linhas = LogExecucao.objects.filter(nivel=NivelLog.ERROR).order_by("-id")[:100]
    assert "log_nivel_idx" in _plano(linhas)
