"""O painel leva a cada lista, diz quem fez o quê, mostra as execuções por dia e o sucesso de
cada operadora, e se atualiza sozinho — com o mesmo número de consultas seja qual for o volume."""

import datetime as dt
import re
from urllib.parse import unquote

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from brm.fabricas import criar_cliente, criar_operadora, criar_processo, criar_usuario
from execucoes.models import Execucao, StatusExecucao, TipoExecucao
from execucoes.painel import execucoes_por_dia
from processos.indicadores import indicadores
from processos.models import Origem, Processo, StatusProcesso, Transicao

pytestmark = pytest.mark.django_db

MARCO = dt.date(2026, 3, 1)


def _execucao(processo, status, tipo=TipoExecucao.DOWNLOAD_FATURA, criada_em=None):
    execucao = Execucao.objects.create(processo=processo, tipo=tipo, status=status)
    if criada_em is not None:
        Execucao.objects.filter(pk=execucao.pk).update(criado_em=criada_em)
    Processo.registrar_execucao(execucao)
    return execucao


def _links(html: str) -> list[str]:
    achados = re.findall(r'href="(/admin/[^"]*\?[^"]*)"', html)
    return [unquote(href.replace("&amp;", "&")) for href in achados]


def test_cada_numero_do_painel_leva_a_uma_lista_que_abre(client):
    client.force_login(criar_usuario("OPERADOR"))
    processo = criar_processo(competencia=MARCO)
    _execucao(processo, StatusExecucao.CONCLUIDO)
    _execucao(criar_processo(competencia=MARCO), StatusExecucao.EXECUTANDO)
    html = client.get("/admin/", {"competencia": "03/2026"}).content.decode()
    links = _links(html)
    assert any("status__exact=EXECUTANDO" in link for link in links)  # “rodando”
    assert any("status__exact=PENDENTE" in link for link in links)  # “na fila”
    assert any("execucao/?competencia=03/2026&operadora=" in link for link in links)
    assert any("execucao/?competencia=03/2026" in link for link in links)  # sucesso
    assert any("execucao/?dia=" in link for link in links)  # um dia do gráfico
    for link in links:
        resposta = client.get(link)
        assert resposta.status_code == 200, link
        assert "cl" in resposta.context, link  # a lista, não um erro “?e=1”


def test_link_rodando_mostra_so_as_execucoes_rodando(client):
    client.force_login(criar_usuario("OPERADOR"))
    rodando = _execucao(criar_processo(), StatusExecucao.EXECUTANDO)
    _execucao(criar_processo(), StatusExecucao.PENDENTE)
    html = client.get("/admin/").content.decode()
    link = re.search(r'id="link-rodando" href="([^"]+)"', html).group(1).replace("&amp;", "&")
    assert list(client.get(link).context["cl"].result_list) == [rodando]


def test_um_dia_do_grafico_leva_as_execucoes_daquele_dia(client):
    client.force_login(criar_usuario("OPERADOR"))
    hoje = timezone.localdate()
    de_hoje = _execucao(criar_processo(), StatusExecucao.CONCLUIDO)
    ontem = timezone.now() - dt.timedelta(days=1)
    _execucao(criar_processo(), StatusExecucao.FALHOU, criada_em=ontem)
    html = client.get("/admin/").content.decode()
    dia = re.findall(r'<a class="dia" href="([^"]+)"', html)[-1].replace("&amp;", "&")
    assert len(re.findall(r'<a class="dia"', html)) == 30
    assert list(client.get(dia).context["cl"].result_list) == [de_hoje]
    assert execucoes_por_dia()[-1].data == hoje


def test_execucoes_por_dia_contam_ok_e_falhas_e_deixam_de_fora_o_upload_manual():
    agora = timezone.now()
    processo = criar_processo()
    _execucao(processo, StatusExecucao.CONCLUIDO)
    _execucao(processo, StatusExecucao.FALHOU)
    _execucao(processo, StatusExecucao.TIMEOUT)
    _execucao(processo, StatusExecucao.CONCLUIDO, tipo=TipoExecucao.UPLOAD_MANUAL)
    _execucao(processo, StatusExecucao.CONCLUIDO, criada_em=agora - dt.timedelta(days=3))
    _execucao(processo, StatusExecucao.CONCLUIDO, criada_em=agora - dt.timedelta(days=40))
    dias = execucoes_por_dia()
    assert len(dias) == 30
    hoje, ha_3_dias = dias[-1], dias[-4]
    assert (hoje.total, hoje.concluidas, hoje.com_falha) == (3, 1, 2)
    assert ha_3_dias.total == 1 and ha_3_dias.altura == pytest.approx(100 / 3)
    assert sum(dia.total for dia in dias) == 4  # a de 40 dias atrás não entra


def test_execucoes_por_dia_custam_uma_consulta_seja_qual_for_o_volume():
    processo = criar_processo()
    for dias_atras in range(0, 60, 2):
        criada = timezone.now() - dt.timedelta(days=dias_atras)
        _execucao(processo, StatusExecucao.CONCLUIDO, criada_em=criada)
    with CaptureQueriesContext(connection) as contexto:
        execucoes_por_dia()
    assert len(contexto) == 1
    assert "criado_em" in contexto[0]["sql"] and ">=" in contexto[0]["sql"]


def test_sucesso_do_robo_por_operadora():
    vivo, oi = criar_operadora("VIVO"), criar_operadora("OI")
    do_vivo = criar_processo(criar_cliente(vivo), competencia=MARCO)
    for status in (StatusExecucao.CONCLUIDO, StatusExecucao.CONCLUIDO, StatusExecucao.FALHOU):
        _execucao(do_vivo, status)
    criar_processo(criar_cliente(oi), competencia=MARCO)
    por_operadora = {o.codigo: o for o in indicadores(MARCO).por_operadora}
    assert por_operadora["VIVO"].taxa_de_sucesso == pytest.approx(200 / 3)
    assert por_operadora["OI"].taxa_de_sucesso is None  # nada terminou: “—”, não 0 %


def test_atividade_recente_diz_quem_fez(client):
    client.force_login(criar_usuario("OPERADOR"))
    paulo = criar_usuario("APROVADOR", "paulo")
    processo = criar_processo()
    Transicao.objects.create(
        processo=processo,
        de=StatusProcesso.AGUARDANDO_APROVACAO,
        para=StatusProcesso.AGUARDANDO_ENVIO_SAT,
        usuario=paulo,
        origem=Origem.WEB,
    )
    Transicao.objects.create(
        processo=processo, de="", para=StatusProcesso.AGUARDANDO_DOWNLOAD, origem=Origem.WORKER
    )
    html = client.get("/admin/").content.decode()
    atividade = html[html.index('id="atividade-recente"') :]
    assert '<th scope="col">Quem</th>' in atividade
    assert "Paulo" in atividade and "sistema (worker)" in atividade


def test_o_painel_se_atualiza_sozinho_mantendo_a_competencia(client):
    client.force_login(criar_usuario("OPERADOR"))
    html = client.get("/admin/", {"competencia": "03/2026"}).content.decode()
    assert "brm/painel.js" in html and 'data-atualizar-a-cada="30"' in html


def test_consultas_do_painel_inteiro_nao_crescem_com_execucoes_e_operadoras(client):
    client.force_login(criar_usuario("OPERADOR"))
    client.get("/admin/")

    def consultas():
        with CaptureQueriesContext(connection) as contexto:
            assert client.get("/admin/", {"competencia": "03/2026"}).status_code == 200
        return len(contexto)

    _execucao(criar_processo(competencia=MARCO), StatusExecucao.CONCLUIDO)
    poucas = consultas()
    for indice, codigo in enumerate(("VIVO", "OI", "EMBRATEL", "DIGITALNET")):
        processo = criar_processo(criar_cliente(criar_operadora(codigo)), competencia=MARCO)
        for dias_atras in range(indice * 5, 30, 3):
            criada = timezone.now() - dt.timedelta(days=dias_atras)
            _execucao(processo, StatusExecucao.FALHOU, criada_em=criada)
        _execucao(processo, StatusExecucao.EXECUTANDO)
    assert consultas() == poucas
