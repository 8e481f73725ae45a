"""O worker de verdade contra o simulador: a falha do robô e o token recusado chegam por e-mail,
uma vez, sem ninguém chamar nada."""

import pytest
import requests
from django.core import mail

from brm.fabricas import criar_processo, criar_usuario, esperar
from contas.models import Perfil
from execucoes.models import StatusExecucao
from notificacoes.models import Canal, Notificacao, StatusNotificacao, TipoNotificacao
from processos import acoes
from processos.acoes import Pedido
from processos.models import Origem

pytestmark = [pytest.mark.lento, pytest.mark.django_db(transaction=True)]


def _controle(sim, nome, **dados):
    resposta = requests.post(f"{sim.url}/__simulador/{nome}", json=dados, timeout=5)
    assert resposta.status_code == 200, resposta.text


def _com_email(perfil: str):
    pessoa = criar_usuario(perfil)
    pessoa.email = f"{pessoa.username}@brm.example"
    pessoa.save()
    return pessoa


def _emails(tipo):
    return Notificacao.objects.filter(
        tipo=tipo, canal=Canal.EMAIL, status=StatusNotificacao.ENVIADA
    )


def test_tentativas_esgotadas_chegam_por_email_uma_vez(worker, simulador_exclusivo, settings):
    settings.RPA_MAX_TENTATIVAS = 2
    operador = _com_email(Perfil.OPERADOR)
    _controle(simulador_exclusivo, "falhas/proximos-jobs", quantidade=10)
    processo = criar_processo()
    acoes.executar_download(processo, Pedido(usuario=operador, origem=Origem.WEB))

    esperar(
        lambda: _emails(TipoNotificacao.TENTATIVAS_ESGOTADAS).exists(),
        prazo=30,
        mensagem="o aviso da falha não saiu",
    )
    assert processo.execucoes.filter(status=StatusExecucao.FALHOU).count() == 2
    worker.parar.wait(6)  # uma volta inteira do detector depois do envio: nada se repete
    para_o_operador = [m for m in mail.outbox if m.to == [operador.email]]
    assert len(para_o_operador) == 1
    assert "tentativa 2" in para_o_operador[0].subject
    assert f"/processos/{processo.pk}/" in para_o_operador[0].body


def test_token_recusado_chega_aos_administradores_uma_vez(worker, simulador_exclusivo):
    administrador = _com_email(Perfil.ADMINISTRADOR)
    operador = _com_email(Perfil.OPERADOR)
    _controle(simulador_exclusivo, "token", expirado=True)
    acoes.executar_download(criar_processo(), Pedido(usuario=operador, origem=Origem.WEB))

    esperar(
        lambda: _emails(TipoNotificacao.TOKEN_RECUSADO).exists(),
        prazo=30,
        mensagem="o aviso do token recusado não saiu",
    )
    worker.parar.wait(11)  # uma volta inteira do detector do token
    recusas = [m for m in mail.outbox if "recusou o token" in m.subject]
    assert [m.to for m in recusas] == [[administrador.email]]
