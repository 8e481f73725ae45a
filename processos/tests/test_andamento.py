"""O que o robô está fazendo num processo aparece na lista e na página, e “Tentar agora” tira a
espera de uma nova tentativa (admin, página e API pelo mesmo serviço)."""

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from brm.fabricas import api_de, criar_cliente, criar_operadora, criar_processo
from execucoes.models import Execucao, LogExecucao, StatusExecucao, TipoExecucao
from nucleo.erros import AcaoRecusada
from processos import acoes
from processos.acoes import Pedido
from processos.andamento import Andamento
from processos.models import Origem

pytestmark = pytest.mark.django_db

LISTA = "/admin/processos/processo/"


def _com_execucao(status, **campos):
    processo = criar_processo(criar_cliente(criar_operadora("VIVO")))
    Execucao.objects.create(
        processo=processo, tipo=TipoExecucao.DOWNLOAD_FATURA, status=status, **campos
    )
    return processo


def _esperando(segundos=45):
    return _com_execucao(
        StatusExecucao.PENDENTE,
        numero_tentativa=2,
        executar_apos=timezone.now() + dt.timedelta(seconds=segundos),
    )


@pytest.mark.parametrize(
    ("andamento", "rotulo"),
    [
        (Andamento(StatusExecucao.PENDENTE, TipoExecucao.DOWNLOAD_FATURA, 0, None), "Na fila"),
        (
            Andamento(StatusExecucao.EXECUTANDO, TipoExecucao.DOWNLOAD_FATURA, 66, None),
            "Baixando… 66 %",
        ),
        (
            Andamento(StatusExecucao.EXECUTANDO, TipoExecucao.UPLOAD_SAT, 0, None),
            "Enviando ao SAT…",
        ),
    ],
)
def test_o_andamento_em_palavras(andamento, rotulo):
    assert andamento.rotulo == rotulo


def test_nova_tentativa_conta_segundos_e_depois_minutos():
    daqui = timezone.now()
    em_45 = Andamento(StatusExecucao.PENDENTE, "", 0, daqui + dt.timedelta(seconds=45.4))
    em_10_min = Andamento(StatusExecucao.PENDENTE, "", 0, daqui + dt.timedelta(minutes=10))
    passou = Andamento(StatusExecucao.PENDENTE, "", 0, daqui - dt.timedelta(seconds=1))
    assert em_45.rotulo == "Nova tentativa em 45 s"
    assert em_10_min.rotulo == "Nova tentativa em 10 min"
    assert passou.rotulo == "Na fila"  # a hora chegou: espera o despacho como as outras


def test_a_lista_diz_o_que_o_robo_esta_fazendo_em_cada_processo(operador, navegador_de):
    na_fila = _com_execucao(StatusExecucao.PENDENTE)
    baixando = _com_execucao(StatusExecucao.EXECUTANDO, progresso=66)
    esperando = _esperando(segundos=600)
    parado = _com_execucao(StatusExecucao.FALHOU)
    html = navegador_de(operador).get(LISTA).content.decode()

    def linha(processo):
        inicio = html.index(f'data-processo="{processo.pk}"')
        return html[inicio : html.index("</tr>", inicio)]

    assert "Na fila" in linha(na_fila)
    assert "Baixando… 66 %" in linha(baixando)
    assert "Nova tentativa em 10 min" in linha(esperando)
    assert 'class="andamento' not in linha(parado)


def test_a_lista_custa_o_mesmo_com_e_sem_robos_rodando(administrador, navegador_de):
    navegador = navegador_de(administrador)

    def consultas():
        with CaptureQueriesContext(connection) as contexto:
            assert navegador.get(LISTA).status_code == 200
        return len(contexto)

    for _ in range(3):
        criar_processo()
    parados = consultas()
    for status in (StatusExecucao.PENDENTE, StatusExecucao.EXECUTANDO):
        for _ in range(5):
            _com_execucao(status, progresso=10)
    _esperando()
    assert consultas() == parados


def test_a_razao_social_leva_ao_formulario_do_processo(operador, navegador_de):
    processo = criar_processo()
    html = navegador_de(operador).get(LISTA).content.decode()
    formulario = reverse("admin:processos_processo_change", args=[processo.pk])
    assert f'<a href="{formulario}' in html
    assert f'<a href="{formulario}"></a>' not in html  # o <a> vazio de antes
    assert reverse("processo_detalhe", args=[processo.pk]) in html  # e o “Abrir” continua


def test_a_pagina_mostra_a_espera_e_oferece_tentar_agora_e_cancelar(operador, navegador_de):
    processo = _esperando(segundos=45)
    html = navegador_de(operador).get(reverse("processo_detalhe", args=[processo.pk]))
    html = html.content.decode()
    assert "Nova tentativa em 4" in html  # 45 s ou 44 s, conforme o relógio
    assert 'data-acao="tentar_agora"' in html and 'data-acao="cancelar_execucao"' in html
    assert "o robô ainda não mandou o log" in html


def test_a_pagina_so_oferece_tentar_agora_quando_algo_espera(operador, navegador_de):
    processo = _com_execucao(StatusExecucao.PENDENTE)
    html = navegador_de(operador).get(reverse("processo_detalhe", args=[processo.pk]))
    html = html.content.decode()
    assert "Na fila" in html
    assert 'data-acao="tentar_agora"' not in html


def test_tentar_agora_pelo_botao_tira_a_espera_e_registra_quem(operador, navegador_de):
    processo = _esperando()
    resposta = navegador_de(operador).post(
        reverse("admin:processos_processo_acao", args=[processo.pk, "tentar_agora"]),
        follow=True,
    )
    assert "vai para o robô agora" in resposta.content.decode()
    execucao = Execucao.objects.get(processo=processo)
    assert execucao.executar_apos is None and execucao.status == StatusExecucao.PENDENTE
    assert execucao.numero_tentativa == 2  # não gasta tentativa nem cria execução
    linha = LogExecucao.objects.get(execucao=execucao)
    assert operador.username in linha.mensagem.lower()


def test_tentar_agora_sem_nada_esperando_e_recusado_sem_mudar_nada(operador):
    processo = _com_execucao(StatusExecucao.EXECUTANDO)
    with pytest.raises(AcaoRecusada, match="esperando uma nova tentativa"):
        acoes.tentar_agora(processo, Pedido(usuario=operador, origem=Origem.WEB))
    assert not LogExecucao.objects.exists()


def test_tentar_agora_pela_api(operador):
    processo = _esperando()
    api = api_de(operador)
    resposta = api.post(f"/api/processos/{processo.pk}/tentar-agora/")
    assert resposta.status_code == 200, resposta.content
    assert resposta.json()["executar_apos"] is None
    de_novo = api.post(f"/api/processos/{processo.pk}/tentar-agora/")
    assert de_novo.status_code == 409
    assert "esperando uma nova tentativa" in de_novo.json()["detail"]


def test_tentar_agora_pela_api_exige_login():
    processo = _esperando()
    from rest_framework.test import APIClient

    assert APIClient().post(f"/api/processos/{processo.pk}/tentar-agora/").status_code == 401


def test_tentar_agora_em_lote_diz_quantos_e_por_que_os_outros_nao(operador, navegador_de):
    esperando, rodando = _esperando(), _com_execucao(StatusExecucao.EXECUTANDO)
    resposta = navegador_de(operador).post(
        LISTA,
        {"action": "tentar_agora", "_selected_action": [esperando.pk, rodando.pk]},
        follow=True,
    )
    texto = resposta.content.decode()
    assert "1 processo(s) antecipado(s)" in texto and "1 ignorado(s)" in texto
    assert Execucao.objects.get(processo=esperando).executar_apos is None
