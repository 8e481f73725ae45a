import datetime as dt
import hashlib
import hmac

import pytest
from django.db import connection

from notificacoes.envio import enviar_pendentes, notificar
from notificacoes.models import Canal, Notificacao, StatusNotificacao, TipoNotificacao, Webhook

pytestmark = pytest.mark.django_db

SEGREDO = "segredo-do-chat-123"


@pytest.fixture
def webhook(receptor_de_webhook):
    return Webhook.objects.create(
        nome="Chat da equipe",
        url=receptor_de_webhook.url,
        segredo=SEGREDO,
        tipos=[TipoNotificacao.TOKEN_RECUSADO, TipoNotificacao.TENTATIVAS_ESGOTADAS],
    )


def _aviso(tipo=TipoNotificacao.TOKEN_RECUSADO, chave="recusa-1"):
    return notificar(
        tipo, chave=chave, assunto="Token recusado", texto="Os robôs pararam.", link="/admin/"
    )


def test_o_webhook_recebe_um_post_json_assinado_com_hmac(webhook, receptor_de_webhook, settings):
    settings.SITE_URL = "https://brm.example.com"
    _aviso()
    assert enviar_pendentes() == 1

    [recebido] = receptor_de_webhook.recebidos
    esperada = hmac.new(SEGREDO.encode(), recebido["corpo"], hashlib.sha256).hexdigest()
    assert recebido["cabecalhos"]["X-BRM-Assinatura"] == f"sha256={esperada}"
    assert recebido["cabecalhos"]["X-BRM-Evento"] == "TOKEN_RECUSADO"
    corpo = receptor_de_webhook.json()
    assert corpo["assunto"] == "Token recusado"
    assert corpo["texto"] == "Os robôs pararam."
    assert corpo["link"] == "https://brm.example.com/admin/"
    assert recebido["cabecalhos"]["X-BRM-Entrega"] == corpo["id"]


def test_so_os_tipos_escolhidos_vao_ao_webhook(webhook, receptor_de_webhook):
    _aviso(TipoNotificacao.RESUMO_MENSAL, chave="2026-03")
    assert not Notificacao.objects.filter(canal=Canal.WEBHOOK).exists()


def test_webhook_desligado_nao_recebe(webhook):
    webhook.ativo = False
    webhook.save()
    _aviso()
    assert not Notificacao.objects.filter(canal=Canal.WEBHOOK).exists()


def test_o_webhook_recebe_uma_vez_mesmo_com_o_evento_repetido(webhook, receptor_de_webhook):
    _aviso()
    _aviso()
    enviar_pendentes()
    enviar_pendentes()
    assert len(receptor_de_webhook.recebidos) == 1


def test_resposta_de_erro_tenta_de_novo_com_o_mesmo_id(webhook, receptor_de_webhook, relogio):
    receptor_de_webhook.respostas = [500]
    _aviso()
    assert enviar_pendentes() == 0
    linha = Notificacao.objects.get(canal=Canal.WEBHOOK)
    assert linha.status == StatusNotificacao.PENDENTE
    assert linha.erro == "O webhook “Chat da equipe” respondeu HTTP 500."

    relogio.avancar(dt.timedelta(minutes=5))
    assert enviar_pendentes() == 1
    primeiro, segundo = receptor_de_webhook.recebidos
    assert primeiro["cabecalhos"]["X-BRM-Entrega"] == segundo["cabecalhos"]["X-BRM-Entrega"]


def test_webhook_fora_do_ar_nao_expoe_o_endereco_no_erro(webhook, receptor_de_webhook):
    webhook.url = "http://127.0.0.1:9/segredo-na-url"
    webhook.save()
    _aviso()
    enviar_pendentes()
    linha = Notificacao.objects.get(canal=Canal.WEBHOOK)
    assert linha.erro == "Não foi possível conectar ao webhook “Chat da equipe”."
    assert "segredo-na-url" not in linha.erro


def test_o_segredo_fica_cifrado_no_banco(webhook):
    with connection.cursor() as cursor:
        cursor.execute("SELECT segredo FROM notificacoes_webhook")
        [(guardado,)] = cursor.fetchall()
    assert guardado.startswith("fernet:")
    assert SEGREDO not in guardado


def test_o_administrador_edita_o_webhook_sem_ver_o_segredo(webhook, administrador, navegador_de):
    navegador = navegador_de(administrador)
    url = f"/admin/notificacoes/webhook/{webhook.pk}/change/"
    pagina = navegador.get(url)
    assert pagina.status_code == 200
    assert SEGREDO not in pagina.content.decode()

    resposta = navegador.post(
        url,
        {
            "nome": "Chat da equipe",
            "url": webhook.url,
            "novo_segredo": "",
            "tipos": [TipoNotificacao.AGENDAMENTO_FALHOU],
            "ativo": "on",
        },
    )
    assert resposta.status_code == 302
    webhook.refresh_from_db()
    assert webhook.segredo == SEGREDO  # vazio mantém
    assert webhook.tipos == [TipoNotificacao.AGENDAMENTO_FALHOU]


def test_url_do_webhook_precisa_ser_http(administrador, navegador_de):
    resposta = navegador_de(administrador).post(
        "/admin/notificacoes/webhook/add/",
        {"nome": "x", "url": "ftp://exemplo.test/x", "tipos": [], "ativo": "on"},
    )
    assert resposta.status_code == 200
    assert not Webhook.objects.exists()
    assert "http" in resposta.content.decode()


@pytest.mark.parametrize("persona", ["operador", "aprovador"])
def test_so_o_administrador_ve_webhooks_e_a_caixa_de_saida(persona, request, navegador_de):
    navegador = navegador_de(request.getfixturevalue(persona))
    assert navegador.get("/admin/notificacoes/webhook/").status_code == 403
    assert navegador.get("/admin/notificacoes/notificacao/").status_code == 403


def test_o_administrador_ve_a_caixa_de_saida_com_filtros(administrador, navegador_de):
    _aviso()
    pagina = navegador_de(administrador).get(
        "/admin/notificacoes/notificacao/?status__exact=ENVIADA&canal__exact=APP"
    )
    assert pagina.status_code == 200
    assert "Token recusado" in pagina.content.decode()


def test_o_administrador_testa_o_webhook_e_ve_o_resultado(
    webhook, receptor_de_webhook, administrador, navegador_de
):
    receptor_de_webhook.respostas = [200, 403]
    navegador = navegador_de(administrador)
    dados = {"action": "enviar_teste", "_selected_action": [webhook.pk]}

    resposta = navegador.post("/admin/notificacoes/webhook/", dados, follow=True)
    assert "O webhook “Chat da equipe” recebeu o teste (HTTP 2xx)." in resposta.content.decode()
    recebido = receptor_de_webhook.recebidos[0]
    esperada = hmac.new(SEGREDO.encode(), recebido["corpo"], hashlib.sha256).hexdigest()
    assert recebido["cabecalhos"]["X-BRM-Assinatura"] == f"sha256={esperada}"
    assert receptor_de_webhook.json()["tipo"] == "TESTE"

    resposta = navegador.post("/admin/notificacoes/webhook/", dados, follow=True)
    assert "O webhook “Chat da equipe” respondeu HTTP 403." in resposta.content.decode()
    assert not Notificacao.objects.exists()  # o teste não passa pela caixa de saída
