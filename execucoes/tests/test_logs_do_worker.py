"""Um ciclo inteiro com o worker de verdade: as linhas do worker levam a execução e o job, e
nenhuma leva o token da API RPA, a senha do portal ou a chave de cifragem."""

import io
import json
import logging

import pytest
import requests
from django.conf import settings

from brm.fabricas import criar_cliente, criar_processo, criar_usuario, esperar
from execucoes.models import Execucao
from nucleo import logs
from processos import acoes
from processos.acoes import Pedido
from processos.models import Origem, Processo, StatusProcesso

pytestmark = [pytest.mark.lento, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def saida_do_log():
    saida = io.StringIO()
    handler = logging.StreamHandler(saida)
    handler.setFormatter(logs.formatador_json())
    handler.addFilter(logs.CamposDoContexto())
    raiz = logging.getLogger()
    nivel = raiz.level
    raiz.addHandler(handler)
    raiz.setLevel(logging.DEBUG)
    yield saida
    raiz.removeHandler(handler)
    raiz.setLevel(nivel)


def test_ciclo_completo_sem_segredos_no_log_e_com_a_execucao_nas_linhas(
    saida_do_log, worker, simulador_exclusivo
):
    ajustes = requests.post(
        f"{simulador_exclusivo.url}/__simulador/ajustes",
        json={"forma_resultado": "objeto"},
        timeout=5,
    )
    assert ajustes.status_code == 200  # valor e vencimento no resultado do job
    cliente = criar_cliente(senha_portal="senha-do-portal-que-nao-pode-vazar")
    processo = criar_processo(cliente=cliente)
    pedido = Pedido(usuario=criar_usuario("ADMINISTRADOR"), origem=Origem.WEB)
    acoes.executar_download(processo, pedido)
    esperar(
        lambda: Processo.objects.get(pk=processo.pk).status == StatusProcesso.AGUARDANDO_APROVACAO,
        prazo=30,
    )
    acoes.aprovar(processo, pedido)
    acoes.enviar_ao_sat(processo, pedido)
    esperar(
        lambda: Processo.objects.get(pk=processo.pk).status == StatusProcesso.UPLOAD_REALIZADO,
        prazo=30,
    )

    texto = saida_do_log.getvalue()
    linhas = [json.loads(linha) for linha in texto.splitlines()]
    assert linhas, "o ciclo não deixou nenhuma linha de log"
    segredos = [
        settings.API_EXTERNA_TOKEN,
        "senha-do-portal-que-nao-pode-vazar",
        *settings.FIELD_ENCRYPTION_KEY,
        settings.SECRET_KEY,
    ]
    for segredo in segredos:
        assert segredo not in texto
    execucoes = {str(pk): job for pk, job in processo.execucoes.values_list("pk", "job_id")}
    assert len(execucoes) == 2  # o download e o envio ao SAT
    # Uma thread que sobrou de um teste anterior no mesmo processo do pytest ainda pode escrever
    # com a execução dela (que não existe mais neste banco): fica de fora. Nenhuma linha atribui
    # o trabalho de uma execução a outra que exista.
    existentes = {str(pk) for pk in Execucao.objects.values_list("pk", flat=True)}
    com_execucao = [linha for linha in linhas if linha.get("execucao_id") in existentes]
    # Toda conversa do worker com o robô sobre estas execuções diz de qual execução e job é.
    assert {linha["execucao_id"] for linha in com_execucao} == set(execucoes)
    assert {linha.get("job_id") for linha in com_execucao} - {None} == set(execucoes.values())
    for linha in com_execucao:
        job = execucoes[linha["execucao_id"]]
        assert linha.get("job_id", job) == job
