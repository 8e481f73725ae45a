"""Os detectores: o que o worker procura e transforma em notificação, cada evento com uma chave
estável (dispara uma vez), e os avisos que outros apps pedem (agendamentos: resumo do mês,
agendamento com falha, downloads atrasados).

Cada detector é um dever do worker (`notificacoes/deveres.py`); a fila e o envio estão em
`notificacoes/envio.py`.
"""

import datetime as dt
import hashlib
from collections.abc import Iterable

from django.conf import settings
from django.db.models import Count, Exists, F, OuterRef, Q, QuerySet, Sum
from django.urls import reverse
from django.utils import timezone

from execucoes.models import EstadoRPA, Execucao
from execucoes.token_rpa import situacao, token_global, token_recusado
from notificacoes.envio import conteudo, ja_notificado, notificar
from notificacoes.models import Notificacao, TipoNotificacao
from processos.competencia import formatar_competencia
from processos.indicadores import indicadores
from processos.models import STATUS_DE_FALHA, TIPOS_DO_ROBO, Processo, StatusProcesso

# Quantas faturas um resumo lista (as outras ficam no “e mais N”, com o link da lista completa).
LISTADOS = 50
DIAS_ATE_O_VENCIMENTO = 3
MARCOS_DO_TOKEN = (30, 7, 1)
# Nenhum texto mostra a senha do portal: decifrá-la a cada linha listada seria à toa.
SEGREDOS = ("cliente__senha_portal",)  # dias antes de expirar
# Uma falha mais antiga que isso não é avisada (não inunda a caixa na primeira partida).
JANELA_DAS_FALHAS = dt.timedelta(days=3)


def link_do_processo(processo: Processo) -> str:
    return reverse("processo_detalhe", args=[processo.pk])


def _passou_da_hora_do_resumo(agora: dt.datetime) -> bool:
    hora, minuto = (int(parte) for parte in settings.NOTIFICACOES_HORA_RESUMO.split(":"))
    return timezone.localtime(agora).time() >= dt.time(hora, minuto)


def _lista(processos, total: int) -> dict:
    return {"processos": processos, "total": total, "mais": max(0, total - len(processos))}


# --- Resumo diário para quem aprova ---------------------------------------------------------------
def resumo_de_aprovacao() -> int:
    """Uma vez por dia, da hora do resumo em diante (America/Sao_Paulo): as faturas esperando
    aprovação, o vencimento mais próximo primeiro, cada uma com o link do seu processo. Nada é
    mandado quando não há o que aprovar."""
    agora = timezone.now()
    hoje = timezone.localdate(agora)
    chave = f"{hoje:%Y-%m-%d}"
    if not _passou_da_hora_do_resumo(agora) or ja_notificado(
        TipoNotificacao.RESUMO_APROVACAO, chave
    ):
        return 0
    esperando = Processo.objects.filter(status=StatusProcesso.AGUARDANDO_APROVACAO)
    total = esperando.count()
    if not total:
        return 0
    processos = list(
        esperando.select_related("cliente__operadora")
        .defer(*SEGREDOS)
        .order_by(F("vencimento").asc(nulls_last=True), "criado_em")[:LISTADOS]
    )
    texto, html = conteudo(
        "resumo_aprovacao",
        {
            **_lista(processos, total),
            "hoje": hoje,
            "link_da_lista": reverse("admin:processos_processo_changelist")
            + f"?status__exact={StatusProcesso.AGUARDANDO_APROVACAO}",
        },
    )
    return notificar(
        TipoNotificacao.RESUMO_APROVACAO,
        chave=chave,
        assunto=f"{total} fatura(s) esperando aprovação — {hoje:%d/%m/%Y}",
        texto=texto,
        html=html,
        link=reverse("admin:processos_processo_changelist")
        + f"?status__exact={StatusProcesso.AGUARDANDO_APROVACAO}",
    )


# --- Faturas vencendo sem registro no SAT ---------------------------------------------------
def vencimentos_sem_sat() -> int:
    """Uma vez por dia, na hora do resumo: as faturas que vencem em até 3 dias (ou já venceram
    hoje) e ainda não foram registradas no SAT."""
    agora = timezone.now()
    hoje = timezone.localdate(agora)
    chave = f"{hoje:%Y-%m-%d}"
    if not _passou_da_hora_do_resumo(agora) or ja_notificado(
        TipoNotificacao.VENCIMENTO_SEM_SAT, chave
    ):
        return 0
    ate = hoje + dt.timedelta(days=DIAS_ATE_O_VENCIMENTO)
    vencendo = Processo.objects.filter(vencimento__gte=hoje, vencimento__lte=ate).exclude(
        status=StatusProcesso.UPLOAD_REALIZADO
    )
    total = vencendo.count()
    if not total:
        return 0
    processos = list(
        vencendo.select_related("cliente__operadora")
        .defer(*SEGREDOS)
        .order_by("vencimento", "criado_em")[:LISTADOS]
    )
    texto, html = conteudo("vencimento_sem_sat", {**_lista(processos, total), "ate": ate})
    return notificar(
        TipoNotificacao.VENCIMENTO_SEM_SAT,
        chave=chave,
        assunto=f"{total} fatura(s) vencendo em até {DIAS_ATE_O_VENCIMENTO} dias sem registro "
        "no SAT",
        texto=texto,
        html=html,
        link=reverse("admin:processos_processo_changelist"),
    )


# --- Execução que falhou sem nova tentativa --------------------------------------------------
def tentativas_esgotadas() -> int:
    """Cada processo cuja última execução do robô falhou sem nova tentativa na fila (usou todas,
    ou o erro não admite repetir): alguém precisa decidir. Um aviso por execução.

    Lê só as falhas recentes (pelo índice de status e data das execuções), as que ainda são a
    última do seu processo."""
    mais_nova = Execucao.objects.filter(
        processo=OuterRef("processo"), criado_em__gt=OuterRef("criado_em")
    )
    falhas = list(
        Execucao.objects.filter(
            status__in=STATUS_DE_FALHA,
            tipo__in=TIPOS_DO_ROBO,
            criado_em__gte=timezone.now() - JANELA_DAS_FALHAS,
            processo__ultima_execucao_falhou=True,
        )
        .exclude(Exists(mais_nova))
        .select_related("processo__cliente__operadora")
        .defer(*(f"processo__{campo}" for campo in SEGREDOS))
        .order_by("criado_em")
    )
    avisadas = set(
        Notificacao.objects.filter(
            tipo=TipoNotificacao.TENTATIVAS_ESGOTADAS,
            evento__in=[f"execucao:{execucao.pk}" for execucao in falhas],
        ).values_list("evento", flat=True)
    )
    novas = 0
    for execucao in falhas:
        chave = f"execucao:{execucao.pk}"
        if chave in avisadas:
            continue
        processo = execucao.processo
        texto, html = conteudo(
            "tentativas_esgotadas",
            {"processo": processo, "execucao": execucao, "link": link_do_processo(processo)},
        )
        novas += notificar(
            TipoNotificacao.TENTATIVAS_ESGOTADAS,
            chave=chave,
            assunto=f"{execucao.get_tipo_display()} falhou na tentativa "
            f"{execucao.numero_tentativa}: {processo.cliente.razao_social} "
            f"({processo.competencia_display})",
            texto=texto,
            html=html,
            link=link_do_processo(processo),
        )
    return novas


# --- O token da API RPA -------------------------------------------------------------------------
def _impressao(token: str) -> str:
    """Identifica o token na chave do evento sem guardá-lo (um token novo avisa de novo)."""
    return hashlib.sha256(token.encode()).hexdigest()[:16]


def avisos_do_token() -> int:
    return token_expirando() + token_foi_recusado()


def token_expirando() -> int:
    """30, 7 e 1 dia antes de o token global expirar (e quando expira): um aviso por marco e por
    token. Um token que já chega perto avisa só o marco mais urgente."""
    atual = situacao()
    if not atual.existe or atual.expira_em is None:
        return 0
    falta = atual.expira_em - timezone.now()
    if falta > dt.timedelta(days=MARCOS_DO_TOKEN[0]):
        return 0
    marco = min((dias for dias in MARCOS_DO_TOKEN if falta <= dt.timedelta(days=dias)), default=0)
    if falta <= dt.timedelta(0):
        marco = 0
    chave = f"{_impressao(token_global())}:{marco}"
    if ja_notificado(TipoNotificacao.TOKEN_EXPIRANDO, chave):
        return 0
    quando = timezone.localtime(atual.expira_em)
    assunto = (
        f"O token da API RPA expirou em {quando:%d/%m/%Y}"
        if marco == 0
        else f"O token da API RPA expira em até {marco} dia(s) ({quando:%d/%m/%Y})"
    )
    texto, html = conteudo(
        "token_expirando", {"marco": marco, "quando": quando, "assunto": assunto}
    )
    return notificar(
        TipoNotificacao.TOKEN_EXPIRANDO,
        chave=chave,
        assunto=assunto,
        texto=texto,
        html=html,
        link=reverse("admin:contas_usuario_changelist"),
    )


def token_foi_recusado() -> int:
    """A API recusou o token global e o despacho parou: um aviso por recusa."""
    if not token_recusado():
        return 0
    estado = EstadoRPA.atual()
    chave = f"{estado.token_recusado_digest[:16]}:{estado.token_recusado_em:%Y%m%d%H%M%S}"
    if ja_notificado(TipoNotificacao.TOKEN_RECUSADO, chave):
        return 0
    texto, html = conteudo("token_recusado", {"quando": estado.token_recusado_em})
    return notificar(
        TipoNotificacao.TOKEN_RECUSADO,
        chave=chave,
        assunto="A API RPA recusou o token: os robôs estão parados",
        texto=texto,
        html=html,
        link=reverse("admin:contas_usuario_changelist"),
    )


# --- Pedidos de outros apps (agendamentos) -------------------------------------------------------
def resumo_mensal(competencia: dt.date) -> tuple[str, str, str]:
    """(assunto, texto, html) do resumo da competência: processos por status e por operadora,
    valores, falhas e a taxa de sucesso do robô."""
    competencia = competencia.replace(day=1)
    numeros = indicadores(competencia)
    do_mes = Processo.objects.filter(competencia=competencia).order_by()
    valores = do_mes.aggregate(
        total=Sum("valor"),
        aprovado=Sum("valor", filter=Q(status__in=_APROVADOS)),
        com_valor=Count("pk", filter=Q(valor__isnull=False)),
    )
    valor_por_operadora = dict(
        do_mes.values_list("cliente__operadora__codigo").annotate(total=Sum("valor"))
    )
    falhas = list(
        do_mes.filter(ultima_execucao_falhou=True)
        .select_related("cliente__operadora")
        .defer(*SEGREDOS)
        .order_by("cliente__razao_social")[:LISTADOS]
    )
    contexto = {
        "competencia": formatar_competencia(competencia),
        "numeros": numeros,
        "valores": valores,
        "operadoras": [
            {"operadora": op, "valor": valor_por_operadora.get(op.codigo)}
            for op in numeros.por_operadora
        ],
        "falhas": falhas,
        "mais_falhas": max(0, numeros.com_falha - len(falhas)),
    }
    texto, html = conteudo("resumo_mensal", contexto)
    assunto = f"Resumo de {formatar_competencia(competencia)}: {numeros.total} processo(s)"
    return assunto, texto, html


_APROVADOS = (StatusProcesso.AGUARDANDO_ENVIO_SAT, StatusProcesso.UPLOAD_REALIZADO)


def enviar_resumo_mensal(competencia: dt.date) -> int:
    """Põe na fila o resumo da competência para quem o assina; uma vez por competência (chamar de
    novo não manda outro). Devolve quantas linhas novas entraram na fila."""
    chave = f"{competencia:%Y-%m}"
    if ja_notificado(TipoNotificacao.RESUMO_MENSAL, chave):
        return 0
    assunto, texto, html = resumo_mensal(competencia)
    return notificar(
        TipoNotificacao.RESUMO_MENSAL,
        chave=chave,
        assunto=assunto,
        texto=texto,
        html=html,
        link=reverse("relatorio_mensal") + f"?competencia={competencia:%m/%Y}",
    )


def avisar_agendamento_falhou(nome: str, erro: str, chave: str, link: str = "") -> int:
    """Avisa os administradores que uma execução do agendamento `nome` falhou. `chave` identifica
    essa execução do agendamento (o id do registro dela): a mesma chave não avisa de novo."""
    texto, html = conteudo("agendamento_falhou", {"nome": nome, "erro": erro})
    return notificar(
        TipoNotificacao.AGENDAMENTO_FALHOU,
        chave=chave,
        assunto=f"O agendamento “{nome}” falhou",
        texto=texto,
        html=html,
        link=link,
    )


def avisar_downloads_atrasados(
    *, nome: str, chave: str, processos: Iterable[Processo], dias: int, link: str = ""
) -> int:
    """Avisa quem opera que os downloads destes processos ainda faltam `dias` dia(s) depois de o
    agendamento `nome` rodar. `chave` identifica a execução do agendamento (a mesma chave não
    avisa de novo). `processos` pode ser um QuerySet (só os 50 primeiros são lidos, e contados
    no banco) ou uma lista. Nada é mandado quando não falta nenhum."""
    if isinstance(processos, QuerySet):
        total = processos.count()
        listados = list(
            processos.select_related("cliente__operadora")
            .defer(*SEGREDOS)
            .order_by("cliente__razao_social", "competencia")[:LISTADOS]
        )
    else:
        todos = sorted(processos, key=lambda p: (p.cliente.razao_social, p.competencia))
        total, listados = len(todos), todos[:LISTADOS]
    if not total:
        return 0
    texto, html = conteudo(
        "downloads_atrasados", {"nome": nome, "dias": dias, **_lista(listados, total)}
    )
    return notificar(
        TipoNotificacao.DOWNLOADS_ATRASADOS,
        chave=chave,
        assunto=f"{total} download(s) ainda faltando {dias} dia(s) depois de “{nome}”",
        texto=texto,
        html=html,
        link=link
        or reverse("admin:processos_processo_changelist")
        + f"?status__exact={StatusProcesso.AGUARDANDO_DOWNLOAD}",
    )
