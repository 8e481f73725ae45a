"""O painel (página inicial do admin): números do mês, gráficos, falhas e atividade recente."""

import datetime as dt
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from brm.fabricas import criar_cliente, criar_operadora, criar_processo, criar_usuario
from execucoes import fila
from execucoes.models import Execucao, StatusExecucao, TipoExecucao
from processos.indicadores import com_falha, indicadores
from processos.models import Processo, StatusProcesso, Transicao

pytestmark = pytest.mark.django_db

MARCO = dt.date(2026, 3, 1)


def execucao(processo, status, tipo=TipoExecucao.DOWNLOAD_FATURA, tentativa=1):
    """Uma execução já no status dado, guardada no processo como as ações e os desfechos fazem."""
    criada = Execucao.objects.create(
        processo=processo, tipo=tipo, status=status, numero_tentativa=tentativa
    )
    Processo.registrar_execucao(criada)
    return criada


@pytest.fixture
def mes_movimentado():
    vivo, oi = criar_operadora("VIVO"), criar_operadora("OI")
    falhou = criar_processo(criar_cliente(vivo), competencia=MARCO)
    execucao(falhou, StatusExecucao.FALHOU)
    tentando_de_novo = criar_processo(criar_cliente(vivo), competencia=MARCO)
    execucao(tentando_de_novo, StatusExecucao.FALHOU)
    execucao(tentando_de_novo, StatusExecucao.PENDENTE, tentativa=2)
    aprovacao = criar_processo(
        criar_cliente(oi), competencia=MARCO, status=StatusProcesso.AGUARDANDO_APROVACAO
    )
    execucao(aprovacao, StatusExecucao.CONCLUIDO)
    feito = criar_processo(
        criar_cliente(oi), competencia=MARCO, status=StatusProcesso.UPLOAD_REALIZADO
    )
    execucao(feito, StatusExecucao.CONCLUIDO)
    execucao(feito, StatusExecucao.CONCLUIDO, tipo=TipoExecucao.UPLOAD_SAT)
    criar_processo(criar_cliente(oi), competencia=dt.date(2026, 4, 1))  # outro mês
    Transicao.objects.create(
        processo=feito,
        de=StatusProcesso.AGUARDANDO_ENVIO_SAT,
        para=StatusProcesso.UPLOAD_REALIZADO,
        origem="worker",
    )
    return {"falhou": falhou, "tentando_de_novo": tentando_de_novo}


def test_indicadores_do_mes(mes_movimentado):
    i = indicadores(MARCO)
    assert i.total == 4
    assert {f.status: f.total for f in i.por_status} == {
        StatusProcesso.AGUARDANDO_DOWNLOAD: 2,
        StatusProcesso.AGUARDANDO_APROVACAO: 1,
        StatusProcesso.AGUARDANDO_ENVIO_SAT: 0,
        StatusProcesso.UPLOAD_REALIZADO: 1,
    }
    assert [(o.codigo, o.total) for o in i.por_operadora] == [("OI", 2), ("VIVO", 2)]
    assert i.aguardando_aprovacao == 1 and i.concluidos == 1 and i.percentual_concluido == 25
    # Só a que falhou e não tem nova tentativa na fila espera alguém.
    assert i.com_falha == 1
    assert (i.execucoes_concluidas, i.execucoes_com_falha) == (3, 2)
    assert i.taxa_de_sucesso == 60
    assert [t.para for t in i.atividade_recente] == [StatusProcesso.UPLOAD_REALIZADO]


def test_com_falha_e_a_ultima_execucao(mes_movimentado):
    escolhidos = set(com_falha(Processo.objects.all()).values_list("pk", flat=True))
    assert escolhidos == {mes_movimentado["falhou"].pk}


def test_mes_vazio_nao_divide_por_zero():
    i = indicadores(MARCO)
    assert i.total == 0 and i.taxa_de_sucesso is None and i.percentual_concluido == 0


def test_pagina_inicial_mostra_os_cartoes_e_graficos(client, mes_movimentado):
    client.force_login(criar_usuario("OPERADOR"))
    pagina = client.get("/admin/", {"competencia": "03/2026"}).content.decode()

    def cartao(nome):
        bloco = re.search(rf'id="cartao-{nome}".*?<span class="numero">(.*?)</span>', pagina, re.S)
        return bloco.group(1).strip()

    assert cartao("total") == "4"
    assert cartao("aprovacao") == "1"
    assert cartao("falhas") == "1"
    assert cartao("concluidos") == "25%"
    assert cartao("sucesso") == "60%"
    assert 'id="grafico-status"' in pagina and 'id="grafico-operadoras"' in pagina
    assert "width: 50.00%" in pagina  # metade dos processos aguarda download
    assert 'id="atividade-recente"' in pagina and "Upload realizado" in pagina


def test_competencia_invalida_avisa_e_mostra_o_mes_atual(client):
    client.force_login(criar_usuario("OPERADOR"))
    resposta = client.get("/admin/", {"competencia": "março"})
    assert resposta.status_code == 200
    assert "Competência inválida" in resposta.content.decode()


def test_links_dos_cartoes_filtram_a_lista(client, mes_movimentado):
    client.force_login(criar_usuario("OPERADOR"))
    lista = "/admin/processos/processo/"
    falhas = client.get(lista, {"competencia": "03/2026", "falha": "sim"})
    assert list(falhas.context["cl"].result_list) == [mes_movimentado["falhou"]]
    pagina = client.get("/admin/", {"competencia": "03/2026"}).content.decode()
    link_da_oi = re.search(r'href="([^"]+)">OI</a>', pagina).group(1).replace("&amp;", "&")
    por_operadora = client.get(link_da_oi)
    assert por_operadora.status_code == 200
    assert len(por_operadora.context["cl"].result_list) == 2


def test_consultas_do_painel_nao_crescem_com_os_dados(client):
    client.force_login(criar_usuario("OPERADOR"))
    operadoras = [criar_operadora(codigo) for codigo in ("VIVO", "OI", "EMBRATEL")]
    client.get("/admin/")  # a primeira visita da sessão tem consultas próprias

    def consultas(total):
        while Processo.objects.count() < total:
            n = Processo.objects.count()
            processo = criar_processo(criar_cliente(operadoras[n % 3]), competencia=MARCO)
            execucao(processo, StatusExecucao.FALHOU)
            # A fila do robô: uma nova tentativa esperando a vez, e o ritmo da última hora.
            execucao(processo, StatusExecucao.PENDENTE, tentativa=2)
            Execucao.objects.filter(processo=processo, status=StatusExecucao.FALHOU).update(
                competencia=MARCO, operadora=operadoras[n % 3], finalizada_em=timezone.now()
            )
            Transicao.objects.create(processo=processo, de="", para=processo.status, origem="web")
        fila.enfileirar()
        with CaptureQueriesContext(connection) as contexto:
            assert client.get("/admin/", {"competencia": "03/2026"}).status_code == 200
        return len(contexto)

    assert consultas(3) == consultas(30)
    assert 'class="fila-vivo"' in client.get("/admin/").content.decode()


def test_painel_do_mes_nao_le_o_historico(mes_movimentado):
    antes = indicadores(MARCO)
    fevereiro = dt.date(2026, 2, 1)
    for _ in range(3):  # um mês antigo cheio de execuções, falhas inclusive
        antigo = criar_processo(criar_cliente(), competencia=fevereiro)
        for status in (StatusExecucao.CONCLUIDO, StatusExecucao.FALHOU, StatusExecucao.TIMEOUT):
            execucao(antigo, status)

    with CaptureQueriesContext(connection) as contexto:
        depois = indicadores(MARCO)

    numeros = ("total", "por_status", "por_operadora", "com_falha", "execucoes_concluidas")
    assert [getattr(depois, n) for n in numeros] == [getattr(antes, n) for n in numeros]
    assert depois.execucoes_com_falha == antes.execucoes_com_falha
    consultas = [c["sql"] for c in contexto.captured_queries]
    assert len(consultas) == 2
    assert not any("execucoes_execucao" in sql for sql in consultas)
    # Os números: só os processos da competência. A atividade recente (de todo o sistema, como
    # sempre foi): as 10 mais novas pelo índice de criado_em.
    [numeros_do_mes, atividade] = consultas
    assert "2026-03-01" in numeros_do_mes and "processos_processo" in numeros_do_mes
    assert "processos_transicao" in atividade and "LIMIT 10" in atividade
