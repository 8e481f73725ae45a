"""/metrics para o Prometheus: só para quem está na lista de endereços ou mostra o token."""

import asyncio

import pytest
from prometheus_client import REGISTRY

from brm.fabricas import criar_cliente, criar_operadora, criar_processo
from execucoes import transmissao
from execucoes.models import EstadoRPA, Execucao, StatusExecucao, TipoExecucao
from notificacoes.models import Canal, Notificacao, StatusNotificacao, TipoNotificacao

pytestmark = pytest.mark.django_db

DE_FORA = {"REMOTE_ADDR": "203.0.113.9"}


def test_de_fora_da_lista_de_enderecos_e_sem_token_e_403(client):
    resposta = client.get("/metrics", **DE_FORA)
    assert resposta.status_code == 403
    assert b"brm_" not in resposta.content


def test_de_fora_com_o_token_certo_e_200(client, settings):
    settings.METRICAS_TOKEN = "token-das-metricas-123"
    resposta = client.get("/metrics", HTTP_AUTHORIZATION="Bearer token-das-metricas-123", **DE_FORA)
    assert resposta.status_code == 200
    assert resposta["Content-Type"].startswith("text/plain")


def test_token_errado_ou_token_vazio_nao_abrem(client, settings):
    settings.METRICAS_TOKEN = "token-das-metricas-123"
    assert client.get("/metrics", HTTP_AUTHORIZATION="Bearer outro", **DE_FORA).status_code == 403
    settings.METRICAS_TOKEN = ""
    assert client.get("/metrics", HTTP_AUTHORIZATION="Bearer ", **DE_FORA).status_code == 403


def test_da_propria_maquina_mostra_pedidos_e_o_dominio(client):
    vivo = criar_processo(cliente=criar_cliente(criar_operadora("VIVO")))
    Execucao.objects.create(processo=vivo, tipo=TipoExecucao.DOWNLOAD_FATURA)
    oi = criar_processo(cliente=criar_cliente(criar_operadora("OI")))
    Execucao.objects.create(
        processo=oi, tipo=TipoExecucao.DOWNLOAD_FATURA, status=StatusExecucao.EXECUTANDO
    )
    EstadoRPA.objects.update_or_create(id=1, defaults={"stream_conectado": True})
    client.get("/healthz")

    texto = client.get("/metrics").content.decode()

    assert 'brm_execucoes_ativas{operadora="VIVO",status="PENDENTE"} 1.0' in texto
    assert 'brm_execucoes_ativas{operadora="OI",status="EXECUTANDO"} 1.0' in texto
    assert "brm_despacho_pausado 0.0" in texto
    assert "brm_stream_eventos_conectado 1.0" in texto
    assert "brm_notificacoes_pendentes 0.0" in texto
    assert "brm_agendamentos_execucoes" in texto
    assert "brm_consulta_status_atraso_segundos_bucket" in texto
    assert 'brm_http_pedidos_total{metodo="GET",rota="healthz",status="200"}' in texto
    assert "brm_http_duracao_segundos_bucket" in texto


def test_a_caixa_de_saida_pendente_aparece(client, administrador):
    Notificacao.objects.create(
        chave="teste-1",
        tipo=TipoNotificacao.TOKEN_RECUSADO,
        evento="teste",
        destinatario=administrador,
        canal=Canal.EMAIL,
        status=StatusNotificacao.PENDENTE,
        assunto="Aviso",
        texto="Aviso",
    )
    assert "brm_notificacoes_pendentes 1.0" in client.get("/metrics").content.decode()


@pytest.mark.django_db(transaction=True)
def test_quem_assiste_a_um_log_ao_vivo_conta_nas_metricas_enquanto_assiste(client):
    execucao = Execucao.objects.create(
        processo=criar_processo(),
        tipo=TipoExecucao.DOWNLOAD_FATURA,
        status=StatusExecucao.EXECUTANDO,
        job_id="job-assistido",
    )
    central = transmissao.Central()

    def espectadores() -> float:
        return REGISTRY.get_sample_value("brm_logs_ao_vivo_espectadores")

    antes = espectadores()

    async def assistir_e_sair():
        inscricoes = [
            await central.inscrever(transmissao.Chave("execucao", execucao.pk)) for _ in range(2)
        ]
        durante = espectadores()
        for inscricao in inscricoes:
            central.cancelar(inscricao)
            central.cancelar(inscricao)  # sair duas vezes (aba fechada e erro) conta uma
        await central.tarefa
        return durante

    try:
        assert asyncio.run(assistir_e_sair()) == antes + 2
    finally:
        central.ao_vivo.shutdown()
        central.chegadas.shutdown()
    assert espectadores() == antes
    assert "brm_logs_ao_vivo_espectadores" in client.get("/metrics").content.decode()
