import datetime as dt

import pytest
from django.core import mail

from notificacoes.envio import PRAZO_DO_ENVIO, enviar_pendentes, notificar, reivindicar
from notificacoes.models import Canal, Notificacao, StatusNotificacao, TipoNotificacao

pytestmark = pytest.mark.django_db


@pytest.fixture
def aviso_por_email(operador):
    operador.email = "olga@brm.example"
    operador.save()
    notificar(
        TipoNotificacao.TENTATIVAS_ESGOTADAS,
        chave="execucao:1",
        assunto="Download falhou: EMPRESA X",
        texto="O download falhou.",
        html="<p>O download <strong>falhou</strong>.</p>",
        link="/processos/123/",
    )
    return Notificacao.objects.get(canal=Canal.EMAIL)


def test_o_email_sai_uma_vez_mesmo_rodando_o_remetente_de_novo(aviso_por_email):
    assert enviar_pendentes() == 1
    assert enviar_pendentes() == 0  # outra volta do worker
    assert enviar_pendentes() == 0  # um worker que acabou de reiniciar
    assert len(mail.outbox) == 1
    aviso_por_email.refresh_from_db()
    assert aviso_por_email.status == StatusNotificacao.ENVIADA
    assert aviso_por_email.enviada_em is not None


def test_o_email_tem_texto_e_html_com_o_link_absoluto(aviso_por_email, settings):
    settings.SITE_URL = "https://brm.example.com"
    enviar_pendentes()
    mensagem = mail.outbox[0]
    assert mensagem.to == ["olga@brm.example"]
    assert mensagem.subject == "[BRM RPA] Download falhou: EMPRESA X"
    assert "O download falhou." in mensagem.body
    assert "https://brm.example.com/processos/123/" in mensagem.body
    html, tipo = mensagem.alternatives[0]
    assert tipo == "text/html"
    assert "<strong>falhou</strong>" in html
    assert 'href="https://brm.example.com/processos/123/"' in html
    assert "https://brm.example.com/contas/perfil/" in html


def test_worker_que_morre_entre_reivindicar_e_enviar_nao_reenvia(aviso_por_email, relogio):
    """No máximo uma vez: reivindicada (ENVIANDO) e o worker morreu antes de saber se saiu."""
    assert reivindicar().pk == aviso_por_email.pk  # ... e aqui o worker morre

    assert enviar_pendentes() == 0  # o worker volta: a linha não é dele para reenviar
    relogio.avancar(PRAZO_DO_ENVIO + dt.timedelta(seconds=1))
    assert enviar_pendentes() == 0

    assert mail.outbox == []
    aviso_por_email.refresh_from_db()
    assert aviso_por_email.status == StatusNotificacao.FALHOU
    assert "interrompido" in aviso_por_email.erro


def test_queda_do_smtp_tenta_de_novo_depois_de_esperar(aviso_por_email, smtp_que_cai, relogio):
    smtp_que_cai.falhas = 1
    assert enviar_pendentes() == 0
    aviso_por_email.refresh_from_db()
    assert aviso_por_email.status == StatusNotificacao.PENDENTE
    assert aviso_por_email.tentativas == 1
    assert "servidor de e-mail" in aviso_por_email.erro
    assert aviso_por_email.proxima_tentativa_em > relogio.agora

    assert enviar_pendentes() == 0  # ainda esperando
    relogio.avancar(dt.timedelta(minutes=2))
    assert enviar_pendentes() == 1

    assert len(mail.outbox) == 1
    aviso_por_email.refresh_from_db()
    assert (aviso_por_email.status, aviso_por_email.tentativas, aviso_por_email.erro) == (
        StatusNotificacao.ENVIADA,
        2,
        "",
    )


def test_desiste_depois_do_maximo_de_tentativas_e_guarda_o_erro(
    aviso_por_email, smtp_que_cai, relogio, settings
):
    settings.NOTIFICACOES_MAX_TENTATIVAS = 3
    smtp_que_cai.falhas = 10
    for _ in range(5):
        enviar_pendentes()
        relogio.avancar(dt.timedelta(hours=2))
    aviso_por_email.refresh_from_db()
    assert aviso_por_email.status == StatusNotificacao.FALHOU
    assert aviso_por_email.tentativas == 3
    assert "SMTPServerDisconnected" in aviso_por_email.erro
    assert smtp_que_cai.falhas == 7  # nenhuma tentativa depois de desistir
    assert mail.outbox == []


def test_quem_foi_desativada_antes_do_envio_nao_recebe_e_nao_se_insiste(aviso_por_email):
    pessoa = aviso_por_email.destinatario
    pessoa.is_active = False
    pessoa.save()
    assert enviar_pendentes() == 0
    aviso_por_email.refresh_from_db()
    assert (aviso_por_email.status, aviso_por_email.tentativas) == (StatusNotificacao.FALHOU, 1)
    assert mail.outbox == []


def test_com_o_smtp_fora_uma_rodada_para_na_primeira_falha(operador, smtp_que_cai):
    operador.email = "olga@brm.example"
    operador.save()
    for numero in range(3):
        notificar(TipoNotificacao.TENTATIVAS_ESGOTADAS, chave=str(numero), assunto="a", texto="t")
    smtp_que_cai.falhas = 10
    assert enviar_pendentes() == 0
    emails = Notificacao.objects.filter(canal=Canal.EMAIL)
    assert sorted(emails.values_list("tentativas", flat=True)) == [0, 0, 1]
