"""Um processo com milhares de execuções: as páginas mostram só as mais recentes (com o caminho
para a lista inteira) e custam o mesmo número de consultas que um processo com três; a busca da
lista de processos não junta as execuções."""

import datetime as dt
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from brm.fabricas import criar_cliente, criar_processo
from execucoes.models import Execucao, StatusExecucao, TipoExecucao
from processos.models import Origem, Processo, StatusProcesso, Transicao

pytestmark = pytest.mark.django_db

LISTA = reverse("admin:processos_processo_changelist")
PARTES_DA_PAGINA = [
    "processo_detalhe",
    "processo_resumo",
    "processo_execucoes",
    "processo_historico",
]


def com_historico(quantas: int, quem=None) -> Processo:
    """Um processo com `quantas` execuções do robô (que falharam) e `quantas` transições (feitas
    por `quem`), uma por minuto: a mais antiga é a de número 0."""
    processo = criar_processo(criar_cliente())
    inicio = timezone.now() - dt.timedelta(days=1)
    execucoes = Execucao.objects.bulk_create(
        Execucao(
            processo=processo,
            tipo=TipoExecucao.DOWNLOAD_FATURA,
            status=StatusExecucao.FALHOU,
            numero_tentativa=numero + 1,
            job_id=f"job-{processo.pk.hex[:8]}-{numero:04d}",
            erro=f"falha número {numero:04d}",
        )
        for numero in range(quantas)
    )
    idas_e_voltas = [StatusProcesso.AGUARDANDO_APROVACAO, StatusProcesso.AGUARDANDO_DOWNLOAD]
    transicoes = Transicao.objects.bulk_create(
        Transicao(
            processo=processo,
            de=idas_e_voltas[(numero + 1) % 2],
            para=idas_e_voltas[numero % 2],
            usuario=quem,
            origem=Origem.WEB if quem else Origem.WORKER,
            motivo=f"volta número {numero:04d}",
        )
        for numero in range(quantas)
    )
    for numero, (execucao, transicao) in enumerate(zip(execucoes, transicoes, strict=True)):
        execucao.criado_em = transicao.criado_em = inicio + dt.timedelta(minutes=numero)
    Execucao.objects.bulk_update(execucoes, ["criado_em"])
    Transicao.objects.bulk_update(transicoes, ["criado_em"])
    return processo


def consultas_e_html(navegador, url: str) -> tuple[int, str]:
    navegador.get(url)  # o que o Django guarda na primeira vez (tipos de conteúdo) fica de fora
    with CaptureQueriesContext(connection) as capturadas:
        resposta = navegador.get(url)
    assert resposta.status_code == 200, url
    return len(capturadas), resposta.content.decode()


def linhas_de_execucao(html: str) -> int:
    """As execuções desenhadas: na página, as linhas da tabela; no admin, o link de cada uma."""
    return len(re.findall(r'data-execucao="|/admin/execucoes/execucao/[0-9a-f-]{36}/change/', html))


def ver_todas(html: str, quais: str) -> str:
    achado = re.search(rf'<a href="([^"]+)"[^>]*>\s*[Vv]er todas as \d+ {quais}', html)
    assert achado, f"sem o link para todas as {quais}"
    return achado.group(1).replace("&amp;", "&")


def test_pagina_do_admin_custa_o_mesmo_com_3_e_com_60_execucoes(administrador, navegador_de):
    navegador = navegador_de(administrador)
    poucas, muitas = com_historico(3, administrador), com_historico(60, administrador)
    consultas_poucas, html_poucas = consultas_e_html(
        navegador, reverse("admin:processos_processo_change", args=[poucas.pk])
    )
    consultas_muitas, html_muitas = consultas_e_html(
        navegador, reverse("admin:processos_processo_change", args=[muitas.pk])
    )
    assert consultas_poucas == consultas_muitas
    assert linhas_de_execucao(html_poucas) == 3
    assert linhas_de_execucao(html_muitas) == 20
    assert "falha número 0059" in html_muitas and "falha número 0039" not in html_muitas
    assert "volta número 0059" in html_muitas and "volta número 0039" not in html_muitas
    assert "Ver todas as 60 execuções" in html_muitas
    assert "Ver todas as 60 transições" in html_muitas
    assert "Ver todas as" not in html_poucas


@pytest.mark.parametrize("parte", PARTES_DA_PAGINA)
def test_pagina_do_processo_e_suas_partes_custam_o_mesmo_com_3_e_com_60_execucoes(
    parte, operador, navegador_de
):
    navegador = navegador_de(operador)
    poucas, muitas = com_historico(3, operador), com_historico(60, operador)
    consultas_poucas, _ = consultas_e_html(navegador, reverse(parte, args=[poucas.pk]))
    consultas_muitas, html_muitas = consultas_e_html(navegador, reverse(parte, args=[muitas.pk]))
    assert consultas_poucas == consultas_muitas
    assert linhas_de_execucao(html_muitas) <= 20
    assert html_muitas.count("volta número") <= 20


def test_pagina_mostra_as_execucoes_e_transicoes_mais_recentes_e_o_caminho_para_todas(
    operador, navegador_de
):
    processo = com_historico(60)
    html = navegador_de(operador).get(reverse("processo_detalhe", args=[processo.pk]))
    html = html.content.decode()
    assert linhas_de_execucao(html) == 20
    assert "falha número 0059" in html and "falha número 0039" not in html
    # O histórico segue do mais antigo ao mais novo, a partir da 20ª transição mais recente.
    assert html.index("volta número 0040") < html.index("volta número 0059")
    assert "volta número 0039" not in html
    assert "processo__id__exact=" in ver_todas(html, "execuções")
    assert "processo__id__exact=" in ver_todas(html, "transições")


def test_salvar_a_pagina_do_admin_com_muitas_execucoes(operador, navegador_de):
    """O formulário leva só as linhas que a página mostrou, e o admin as aceita de volta."""
    processo = com_historico(60, operador)
    url = reverse("admin:processos_processo_change", args=[processo.pk])
    navegador = navegador_de(operador)
    html = navegador.get(url).content.decode()
    ocultos = dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)"', html))
    assert ocultos["execucoes-INITIAL_FORMS"] == ocultos["transicoes-INITIAL_FORMS"] == "20"
    with CaptureQueriesContext(connection) as capturadas:
        resposta = navegador.post(url, {**ocultos, "observacoes": "Cliente pediu segunda via"})
    assert resposta.status_code == 302, resposta.context["errors"] if resposta.context else ""
    processo.refresh_from_db()
    assert processo.observacoes == "Cliente pediu segunda via"
    assert len(capturadas) < 40


@pytest.mark.parametrize(
    ("pagina", "quais"),
    [
        ("admin:processos_processo_change", "execuções"),
        ("processo_detalhe", "execuções"),
        ("admin:processos_processo_change", "transições"),
        ("processo_detalhe", "transições"),
    ],
)
def test_ver_todas_leva_a_lista_do_admin_so_com_as_deste_processo(
    pagina, quais, operador, navegador_de
):
    navegador = navegador_de(operador)
    processo, outro = com_historico(25), com_historico(25)
    html = navegador.get(reverse(pagina, args=[processo.pk])).content.decode()
    resposta = navegador.get(ver_todas(html, quais))
    assert resposta.status_code == 200
    linhas = resposta.context["cl"].result_list
    assert len(linhas) == 25 and {linha.processo_id for linha in linhas} == {processo.pk}
    assert outro.cliente.razao_social not in resposta.content.decode()


def test_busca_por_job_id_exato_sem_juntar_as_execucoes(operador, navegador_de):
    processo, outro = com_historico(3), com_historico(3)
    job_id = processo.execucoes.order_by("criado_em").first().job_id
    navegador = navegador_de(operador)
    with CaptureQueriesContext(connection) as capturadas:
        resposta = navegador.get(LISTA, {"q": f"  {job_id} "})
    assert resposta.status_code == 200
    achados = list(resposta.context["cl"].result_list)
    assert achados == [processo] and outro not in achados
    sql = "\n".join(consulta["sql"] for consulta in capturadas.captured_queries)
    assert not re.search(r'JOIN\s+"?execucoes_execucao', sql, re.I)
    assert not re.search(r"UPPER\([^)]*job_id", sql, re.I)
    assert '"job_id" = ' in sql
    # O job é um identificador: exato, como o robô o deu.
    assert not navegador.get(LISTA, {"q": job_id.upper()}).context["cl"].result_list


@pytest.mark.parametrize(
    "termo",
    [
        lambda cliente: "pantanal",  # um pedaço do nome, em minúsculas
        lambda cliente: cliente.cnpj,
        lambda cliente: cliente.cnpj_formatado,
    ],
    ids=["pedaco_do_nome", "cnpj", "cnpj_com_pontuacao"],
)
def test_busca_pelo_cliente_continua_achando(termo, operador, navegador_de):
    cliente = criar_cliente(razao_social="TELEFONIA PANTANAL LTDA")
    processo, _outro = criar_processo(cliente), criar_processo(criar_cliente())
    resposta = navegador_de(operador).get(LISTA, {"q": termo(cliente)})
    assert list(resposta.context["cl"].result_list) == [processo]
