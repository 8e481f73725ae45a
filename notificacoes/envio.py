"""Pôr notificações na fila (`notificar`) e mandá-las (`enviar_pendentes`, um dever do worker).

**No máximo uma vez.** Cada evento tem uma chave; cada linha da fila, a chave do evento com o
destinatário e o canal, única no banco: detectar o mesmo evento de novo (outra volta, outro worker,
depois de reiniciar) não cria outra linha. O remetente reivindica uma linha por vez
(`SELECT … FOR UPDATE SKIP LOCKED` no PostgreSQL; no SQLite a transação já começa com a trava de
escrita) e a marca ENVIANDO, com mais uma tentativa, **antes** de falar com a rede. Dois workers
nunca pegam a mesma linha, e um worker que morre no meio do envio não a reenvia ao voltar: não se
sabe se o e-mail saiu, e preferimos perder um aviso a mandá-lo duas vezes. Passado
`PRAZO_DO_ENVIO` (maior que os prazos do SMTP e do webhook), a linha presa em ENVIANDO vira FALHOU
com o motivo — fica na caixa de saída do admin para alguém ver.

Um erro que o envio devolve (SMTP recusou ou caiu, webhook respondeu 4xx/5xx, não conectou, tempo
esgotado) volta a linha para a fila com espera crescente, até `NOTIFICACOES_MAX_TENTATIVAS`; então
ela fica FALHOU com o erro. O webhook leva o id da notificação (`X-BRM-Entrega`): se um tempo
esgotado escondia uma entrega que chegou, quem recebe reconhece a repetição pelo id.
"""

import datetime as dt
import hashlib
import hmac
import json
import logging
import uuid
from collections.abc import Iterable
from concurrent.futures import Future, ThreadPoolExecutor

import requests
from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db import close_old_connections, connection, transaction
from django.db.models import F, Q
from django.template.loader import render_to_string
from django.utils import timezone

from contas.models import Usuario
from execucoes.prazos import espera_crescente
from notificacoes.models import (
    CANAIS_DA_PESSOA,
    DESTINO_DO_TIPO,
    Canal,
    Notificacao,
    StatusNotificacao,
    Webhook,
    absoluto,
    escolhas_de,
)
from nucleo.permissoes import pode

logger = logging.getLogger(__name__)

PRAZO_DO_ENVIO = dt.timedelta(minutes=10)
ESPERA_MAXIMA = 3600.0
TEMPO_DO_WEBHOOK = (3.05, 10.0)  # conectar, ler a resposta
TAMANHO_DA_CHAVE = 255


# --- Pôr na fila --------------------------------------------------------------------------------
def destinatarios_padrao(tipo: str) -> list[Usuario]:
    """As pessoas ativas com a capacidade de agir sobre o tipo (`DESTINO_DO_TIPO`)."""
    capacidade = DESTINO_DO_TIPO[tipo].capacidade
    ativos = Usuario.objects.filter(is_active=True).defer("api_externa_token")
    return [pessoa for pessoa in ativos if pode(pessoa, capacidade)]


def notificar(
    tipo: str,
    *,
    chave: str,
    assunto: str,
    texto: str,
    html: str = "",
    link: str = "",
    para: Iterable[Usuario] | None = None,
) -> int:
    """Põe na fila o evento `chave` do `tipo` para cada pessoa (por padrão, quem tem a capacidade
    do tipo) em cada canal que ela escolheu, e para cada webhook que recebe o tipo.

    Idempotente pela chave: chamar de novo com a mesma chave não cria nada. Devolve quantas linhas
    novas entraram na fila. `link` é um caminho do site (`/processos/<id>/`); o e-mail e o webhook
    o levam absoluto (`SITE_URL`).
    """
    assunto = assunto[:200]
    pessoas = destinatarios_padrao(tipo) if para is None else list(para)
    novas = 0
    # Tudo ou nada: os detectores perguntam `ja_notificado` antes, e um evento enfileirado pela
    # metade (o worker caiu no meio) nunca seria completado.
    with transaction.atomic():
        for pessoa in pessoas:
            escolhas = escolhas_de(pessoa)
            for canal in CANAIS_DA_PESSOA:
                if not escolhas.get((tipo, canal), False):
                    continue
                if canal == Canal.EMAIL and not pessoa.email:
                    continue
                novas += _enfileirar(
                    tipo, chave, canal, assunto, texto, html, link, destinatario=pessoa
                )
        for webhook in Webhook.objects.filter(ativo=True).defer("segredo"):
            if webhook.recebe(tipo):
                novas += _enfileirar(
                    tipo, chave, Canal.WEBHOOK, assunto, texto, html, link, webhook=webhook
                )
    if novas:
        logger.info("Notification %s %s queued %d row(s)", tipo, chave, novas)
    return novas


def ja_notificado(tipo: str, chave: str) -> bool:
    """O evento já entrou na fila (para alguém)? Os detectores perguntam antes de montar o texto."""
    return Notificacao.objects.filter(tipo=tipo, evento=chave[:200]).exists()


def _chave_da_linha(tipo: str, evento: str, canal: str, destino) -> str:
    chave = f"{tipo}:{evento}:{canal}:{destino.pk}"
    if len(chave) <= TAMANHO_DA_CHAVE:
        return chave
    return f"{tipo}:sha256:{hashlib.sha256(chave.encode()).hexdigest()}"


def _enfileirar(
    tipo, evento, canal, assunto, texto, html, link, *, destinatario=None, webhook=None
) -> int:
    entregue = canal == Canal.APP  # o sino é a própria linha
    agora = timezone.now()
    _, criada = Notificacao.objects.get_or_create(
        chave=_chave_da_linha(tipo, evento, canal, destinatario or webhook),
        defaults={
            "tipo": tipo,
            "canal": canal,
            "destinatario": destinatario,
            "webhook": webhook,
            "evento": evento[:200],
            "assunto": assunto,
            "texto": texto,
            "html": html,
            "link": link,
            "status": StatusNotificacao.ENVIADA if entregue else StatusNotificacao.PENDENTE,
            "enviada_em": agora if entregue else None,
        },
    )
    return int(criada)


# --- Mandar ------------------------------------------------------------------------------------
class FalhaNoEnvio(Exception):
    """`str(erro)` diz à equipe, em pt-BR e sem segredos, por que o envio não saiu. Definitiva:
    tentar de novo não adianta (a pessoa foi desativada, não tem e-mail)."""

    def __init__(self, mensagem: str, *, definitiva: bool = False) -> None:
        super().__init__(mensagem)
        self.definitiva = definitiva


def enviar_pendentes(limite: int = 50) -> int:
    """Manda até `limite` notificações vencidas, uma reivindicada por vez. Devolve quantas foram
    entregues. Na primeira falha, pára: com o SMTP ou o webhook fora do ar, cada tentativa
    esperaria o prazo inteiro, e as outras linhas esperam a próxima volta."""
    encerrar_interrompidas()
    entregues = 0
    for _ in range(limite):
        notificacao = reivindicar()
        if notificacao is None:
            break
        if not entregar(notificacao):
            break
        entregues += 1
    return entregues


class Remetente:
    """O dever do worker (`nucleo.deveres.Tarefa`): `enviar_pendentes` numa thread própria, uma
    rodada por vez. Um SMTP pendurado (até `EMAIL_TIMEOUT`) não segura o despacho dos robôs."""

    def __init__(self, worker: str) -> None:
        self._thread = ThreadPoolExecutor(1, thread_name_prefix="notificacoes")
        self._rodada: Future | None = None

    def __call__(self) -> None:
        if self._rodada is None or self._rodada.done():
            self._rodada = self._thread.submit(_rodada_em_thread)

    def encerrar(self) -> None:
        self._thread.shutdown(wait=True, cancel_futures=True)


def _rodada_em_thread() -> None:
    close_old_connections()
    try:
        enviar_pendentes()
    except Exception:
        logger.exception("Notification sender round failed")
    finally:
        connection.close()


def reivindicar() -> Notificacao | None:
    """A próxima pendente vencida, já marcada ENVIANDO (com mais uma tentativa), ou None."""
    agora = timezone.now()
    with transaction.atomic():
        notificacao = (
            Notificacao.objects.select_for_update(skip_locked=True, of=("self",))
            .filter(status=StatusNotificacao.PENDENTE)
            .filter(Q(proxima_tentativa_em__isnull=True) | Q(proxima_tentativa_em__lte=agora))
            .order_by("criado_em")
            .first()
        )
        if notificacao is None:
            return None
        Notificacao.objects.filter(pk=notificacao.pk).update(
            status=StatusNotificacao.ENVIANDO, tentativas=F("tentativas") + 1, enviando_desde=agora
        )
    notificacao.refresh_from_db()
    return notificacao


def entregar(notificacao: Notificacao) -> bool:
    """Manda uma notificação já reivindicada e grava o desfecho. Verdadeiro se foi entregue."""
    try:
        if notificacao.canal == Canal.EMAIL:
            _mandar_email(notificacao)
        elif notificacao.canal == Canal.WEBHOOK:
            _mandar_webhook(notificacao)
    except FalhaNoEnvio as erro:
        _falhou(notificacao, str(erro), definitiva=erro.definitiva)
        return False
    Notificacao.objects.filter(pk=notificacao.pk, status=StatusNotificacao.ENVIANDO).update(
        status=StatusNotificacao.ENVIADA,
        enviada_em=timezone.now(),
        enviando_desde=None,
        proxima_tentativa_em=None,
        erro="",
    )
    return True


def _falhou(notificacao: Notificacao, erro: str, *, definitiva: bool) -> None:
    if definitiva or notificacao.tentativas >= settings.NOTIFICACOES_MAX_TENTATIVAS:
        logger.error(
            "Notification %s gave up after %d attempt(s)", notificacao.pk, notificacao.tentativas
        )
        campos = {"status": StatusNotificacao.FALHOU, "proxima_tentativa_em": None}
    else:
        espera = espera_crescente(
            notificacao.tentativas,
            base=settings.NOTIFICACOES_ESPERA_BASE_SEGUNDOS,
            maximo=ESPERA_MAXIMA,
        )
        logger.warning(
            "Notification %s attempt %d failed; retry in %.0f s",
            notificacao.pk,
            notificacao.tentativas,
            espera,
        )
        campos = {
            "status": StatusNotificacao.PENDENTE,
            "proxima_tentativa_em": timezone.now() + dt.timedelta(seconds=espera),
        }
    Notificacao.objects.filter(pk=notificacao.pk, status=StatusNotificacao.ENVIANDO).update(
        erro=erro[:1000], enviando_desde=None, **campos
    )


def encerrar_interrompidas() -> int:
    """Linhas presas em ENVIANDO (o worker morreu no meio): não se sabe se saíram, então não
    saem de novo — ficam FALHOU, com o motivo."""
    limite = timezone.now() - PRAZO_DO_ENVIO
    presas = Notificacao.objects.filter(
        status=StatusNotificacao.ENVIANDO, enviando_desde__lt=limite
    ).update(
        status=StatusNotificacao.FALHOU,
        enviando_desde=None,
        erro="O envio foi interrompido (o worker parou no meio); pode ter chegado ou não, e não "
        "é repetido para não chegar duas vezes.",
    )
    if presas:
        logger.error("%d notification(s) interrupted while sending; not resent", presas)
    return presas


def _mandar_email(notificacao: Notificacao) -> None:
    destinatario = notificacao.destinatario
    if not destinatario.is_active or not destinatario.email:
        raise FalhaNoEnvio("A pessoa não está ativa ou não tem e-mail.", definitiva=True)
    contexto = {"notificacao": notificacao, "link": notificacao.url_absoluta()}
    mensagem = EmailMultiAlternatives(
        subject=f"[BRM RPA] {notificacao.assunto}",
        body=render_to_string("notificacoes/email/mensagem.txt", contexto),
        to=[destinatario.email],
    )
    mensagem.attach_alternative(
        render_to_string("notificacoes/email/mensagem.html", contexto), "text/html"
    )
    try:
        mensagem.send()
    except Exception as erro:  # smtplib, socket, SSL: o backend pode levantar de tudo
        raise FalhaNoEnvio(
            f"O servidor de e-mail recusou ou não respondeu ({type(erro).__name__})."
        ) from erro


def corpo_do_webhook(notificacao: Notificacao) -> bytes:
    return _json(
        {
            "id": str(notificacao.pk),
            "tipo": notificacao.tipo,
            "tipo_rotulo": notificacao.get_tipo_display(),
            "assunto": notificacao.assunto,
            "texto": notificacao.texto,
            "link": notificacao.url_absoluta(),
            "criada_em": notificacao.criado_em.isoformat(),
        }
    )


def _json(dados: dict) -> bytes:
    return json.dumps(dados, ensure_ascii=False).encode()


def assinatura(segredo: str, corpo: bytes) -> str:
    """O valor do cabeçalho `X-BRM-Assinatura`: `sha256=` e o HMAC-SHA256 do corpo, em hex."""
    return "sha256=" + hmac.new(segredo.encode(), corpo, hashlib.sha256).hexdigest()


def _mandar_webhook(notificacao: Notificacao) -> None:
    _postar(
        notificacao.webhook,
        corpo_do_webhook(notificacao),
        evento=notificacao.tipo,
        entrega=str(notificacao.pk),
    )


def testar_webhook(webhook: Webhook) -> None:
    """Um POST de teste (tipo TESTE), assinado como os outros, fora da fila: o administrador vê
    na hora se o endereço e o segredo estão certos. Levanta `FalhaNoEnvio` dizendo o que houve."""
    entrega = f"teste-{uuid.uuid4()}"
    corpo = _json(
        {
            "id": entrega,
            "tipo": "TESTE",
            "tipo_rotulo": "Teste",
            "assunto": "Teste do webhook do BRM RPA",
            "texto": "Se você está lendo isto, o webhook está funcionando.",
            "link": absoluto("/admin/"),
            "criada_em": timezone.now().isoformat(),
        }
    )
    _postar(webhook, corpo, evento="TESTE", entrega=entrega)


def _postar(webhook: Webhook, corpo: bytes, *, evento: str, entrega: str) -> None:
    cabecalhos = {
        "Content-Type": "application/json; charset=utf-8",
        "User-Agent": "BRM-RPA-Notificacoes/1",
        "X-BRM-Evento": evento,
        "X-BRM-Entrega": entrega,
    }
    if webhook.segredo:
        cabecalhos["X-BRM-Assinatura"] = assinatura(webhook.segredo, corpo)
    # A URL não vai para mensagens nem para o log: a de muitos chats é o próprio segredo.
    try:
        resposta = requests.post(
            webhook.url,
            data=corpo,
            headers=cabecalhos,
            timeout=TEMPO_DO_WEBHOOK,
            allow_redirects=False,
        )
    except requests.Timeout:
        raise FalhaNoEnvio(f"O webhook “{webhook.nome}” não respondeu a tempo.") from None
    except requests.RequestException:
        raise FalhaNoEnvio(f"Não foi possível conectar ao webhook “{webhook.nome}”.") from None
    if not 200 <= resposta.status_code < 300:
        raise FalhaNoEnvio(f"O webhook “{webhook.nome}” respondeu HTTP {resposta.status_code}.")


def conteudo(modelo: str, contexto: dict) -> tuple[str, str]:
    """O texto e o HTML de uma notificação, dos modelos `notificacoes/<modelo>.txt` e `.html`
    (com `site_url` para os links absolutos)."""
    contexto = {"site_url": settings.SITE_URL.rstrip("/"), "absoluto": absoluto, **contexto}
    return (
        render_to_string(f"notificacoes/{modelo}.txt", contexto).strip() + "\n",
        render_to_string(f"notificacoes/{modelo}.html", contexto).strip(),
    )
