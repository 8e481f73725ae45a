"""As notificações: a caixa de saída (uma linha por destinatário e canal), as preferências de cada
pessoa e os webhooks que o administrador configura.

Quem recebe cada tipo é uma capacidade (`DESTINO_DO_TIPO`): quem pode agir sobre o assunto. Cada
pessoa liga e desliga, na página do perfil, o que recebe por e-mail e no sino; sem escolha
guardada, vale o padrão do tipo.
"""

from dataclasses import dataclass

from django.conf import settings
from django.db import models
from django.utils import timezone

from nucleo.criptografia import CampoCifrado
from nucleo.modelos import CampoURL, ModeloBase
from nucleo.permissoes import Capacidade, pode


class TipoNotificacao(models.TextChoices):
    RESUMO_APROVACAO = "RESUMO_APROVACAO", "Faturas esperando aprovação (resumo diário)"
    TENTATIVAS_ESGOTADAS = "TENTATIVAS_ESGOTADAS", "Execução falhou sem nova tentativa"
    DOWNLOADS_ATRASADOS = "DOWNLOADS_ATRASADOS", "Downloads ainda faltando"
    VENCIMENTO_SEM_SAT = "VENCIMENTO_SEM_SAT", "Faturas vencendo sem registro no SAT"
    TOKEN_EXPIRANDO = "TOKEN_EXPIRANDO", "Token da API RPA perto de expirar"
    TOKEN_RECUSADO = "TOKEN_RECUSADO", "Token da API RPA recusado"
    AGENDAMENTO_FALHOU = "AGENDAMENTO_FALHOU", "Agendamento com falha"
    RESUMO_MENSAL = "RESUMO_MENSAL", "Resumo do mês"


class Canal(models.TextChoices):
    EMAIL = "EMAIL", "E-mail"
    WEBHOOK = "WEBHOOK", "Webhook"
    APP = "APP", "No sistema (sino)"


# Os canais que cada pessoa escolhe; o webhook é do sistema (configurado pelo administrador).
CANAIS_DA_PESSOA = (Canal.EMAIL, Canal.APP)


class StatusNotificacao(models.TextChoices):
    PENDENTE = "PENDENTE", "Pendente"
    ENVIANDO = "ENVIANDO", "Enviando"
    ENVIADA = "ENVIADA", "Enviada"
    FALHOU = "FALHOU", "Falhou"


COR_DO_STATUS = {
    StatusNotificacao.PENDENTE: "cinza",
    StatusNotificacao.ENVIANDO: "azul",
    StatusNotificacao.ENVIADA: "verde",
    StatusNotificacao.FALHOU: "vermelho",
}


@dataclass(frozen=True)
class Destino:
    """Quem pode receber um tipo (a capacidade de agir sobre ele) e quem o recebe sem ter
    escolhido (por padrão, os mesmos)."""

    capacidade: str
    sem_escolha: str | None = None

    @property
    def ligado_para(self) -> str:
        return self.sem_escolha or self.capacidade


# Quem recebe o quê: o único lugar desta regra.
DESTINO_DO_TIPO: dict[str, Destino] = {
    TipoNotificacao.RESUMO_APROVACAO: Destino(Capacidade.APROVAR),
    TipoNotificacao.TENTATIVAS_ESGOTADAS: Destino(Capacidade.OPERAR),
    TipoNotificacao.DOWNLOADS_ATRASADOS: Destino(Capacidade.OPERAR),
    TipoNotificacao.VENCIMENTO_SEM_SAT: Destino(Capacidade.OPERAR),
    TipoNotificacao.TOKEN_EXPIRANDO: Destino(Capacidade.GERIR_TOKEN),
    TipoNotificacao.TOKEN_RECUSADO: Destino(Capacidade.GERIR_TOKEN),
    TipoNotificacao.AGENDAMENTO_FALHOU: Destino(Capacidade.GERIR_EQUIPE),
    # Toda a equipe pode assinar; os administradores recebem sem ter escolhido.
    TipoNotificacao.RESUMO_MENSAL: Destino(Capacidade.LER, sem_escolha=Capacidade.GERIR_EQUIPE),
}


def tipos_que_recebe(usuario) -> list[str]:
    """Os tipos que a pessoa pode receber (as linhas da grade do perfil), na ordem das escolhas."""
    return [
        tipo for tipo in TipoNotificacao.values if pode(usuario, DESTINO_DO_TIPO[tipo].capacidade)
    ]


def ligado_por_padrao(usuario, tipo: str) -> bool:
    """Recebe sem ter escolhido? (Sem linha em `Preferencia` para o tipo e o canal.)"""
    return pode(usuario, DESTINO_DO_TIPO[tipo].ligado_para)


class Preferencia(models.Model):
    """A escolha de uma pessoa para um tipo num canal. Sem linha, vale o padrão do tipo."""

    usuario = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="preferencias"
    )
    tipo = models.CharField("tipo", max_length=30, choices=TipoNotificacao.choices)
    canal = models.CharField("canal", max_length=10, choices=Canal.choices)
    ligada = models.BooleanField("recebe", default=True)

    class Meta:
        verbose_name = "preferência de notificação"
        verbose_name_plural = "preferências de notificação"
        constraints = [
            models.UniqueConstraint(fields=["usuario", "tipo", "canal"], name="preferencia_unica"),
            models.CheckConstraint(
                condition=models.Q(tipo__in=TipoNotificacao.values), name="preferencia_tipo_valido"
            ),
            models.CheckConstraint(
                condition=models.Q(canal__in=[Canal.EMAIL, Canal.APP]),
                name="preferencia_canal_da_pessoa",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.usuario} — {self.get_tipo_display()} por {self.get_canal_display()}"


def escolhas_de(usuario) -> dict[tuple[str, str], bool]:
    """(tipo, canal) → recebe? para todos os tipos que a pessoa pode receber (uma consulta)."""
    guardadas = {
        (tipo, canal): ligada
        for tipo, canal, ligada in Preferencia.objects.filter(usuario=usuario).values_list(
            "tipo", "canal", "ligada"
        )
    }
    return {
        (tipo, canal): guardadas.get((tipo, canal), ligado_por_padrao(usuario, tipo))
        for tipo in tipos_que_recebe(usuario)
        for canal in CANAIS_DA_PESSOA
    }


class Webhook(ModeloBase):
    """Um endereço que recebe as notificações escolhidas num POST JSON assinado (HMAC-SHA256)."""

    nome = models.CharField("nome", max_length=100, unique=True)
    url = CampoURL(
        "URL", max_length=500, help_text="Recebe um POST JSON por notificação (http ou https)."
    )
    segredo = CampoCifrado(
        "segredo",
        blank=True,
        help_text="Assina o corpo (cabeçalho X-BRM-Assinatura: sha256=…). Guardado cifrado.",
    )
    tipos = models.JSONField("tipos enviados", default=list, blank=True)
    ativo = models.BooleanField("ativo", default=True)

    class Meta:
        verbose_name = "webhook"
        verbose_name_plural = "webhooks"
        ordering = ["nome"]

    def __str__(self) -> str:
        return self.nome

    def recebe(self, tipo: str) -> bool:
        return self.ativo and tipo in (self.tipos or [])


class Notificacao(ModeloBase):
    """Uma linha da caixa de saída: um evento para um destinatário num canal.

    A `chave` (tipo, evento, destinatário, canal) é única: um evento entra na fila uma vez só, e
    quem o detecta de novo (outra volta do worker, outro worker, depois de reiniciar) não cria
    outra linha. No sino (canal APP), a linha já nasce entregue.
    """

    tipo = models.CharField("tipo", max_length=30, choices=TipoNotificacao.choices)
    canal = models.CharField("canal", max_length=10, choices=Canal.choices)
    destinatario = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="notificacoes",
        verbose_name="destinatário",
    )
    webhook = models.ForeignKey(
        Webhook, on_delete=models.CASCADE, null=True, blank=True, related_name="notificacoes"
    )
    evento = models.CharField("evento", max_length=200)
    chave = models.CharField("chave", max_length=255, unique=True, editable=False)
    assunto = models.CharField("assunto", max_length=200)
    texto = models.TextField("texto")
    html = models.TextField("HTML", blank=True)
    link = models.CharField("link", max_length=300, blank=True)
    status = models.CharField(
        "status",
        max_length=10,
        choices=StatusNotificacao.choices,
        default=StatusNotificacao.PENDENTE,
    )
    tentativas = models.PositiveSmallIntegerField("tentativas", default=0)
    proxima_tentativa_em = models.DateTimeField("próxima tentativa", null=True, blank=True)
    enviando_desde = models.DateTimeField("enviando desde", null=True, blank=True)
    erro = models.TextField("erro", blank=True)
    enviada_em = models.DateTimeField("enviada em", null=True, blank=True)
    lida_em = models.DateTimeField("lida em", null=True, blank=True)

    class Meta:
        verbose_name = "notificação"
        verbose_name_plural = "notificações"
        ordering = ["-criado_em"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(tipo__in=TipoNotificacao.values), name="notificacao_tipo_valido"
            ),
            models.CheckConstraint(
                condition=models.Q(status__in=StatusNotificacao.values),
                name="notificacao_status_valido",
            ),
            # O webhook não é de ninguém; e-mail e sino são sempre de uma pessoa.
            models.CheckConstraint(
                condition=(
                    models.Q(canal=Canal.WEBHOOK, webhook__isnull=False, destinatario__isnull=True)
                    | models.Q(
                        canal__in=[Canal.EMAIL, Canal.APP],
                        webhook__isnull=True,
                        destinatario__isnull=False,
                    )
                ),
                name="notificacao_destino_do_canal",
            ),
        ]
        indexes = [
            # O que o remetente procura: as pendentes, pela hora da próxima tentativa.
            models.Index(
                fields=["proxima_tentativa_em", "criado_em"],
                condition=models.Q(status=StatusNotificacao.PENDENTE),
                name="notificacao_pendentes_idx",
            ),
            models.Index(
                fields=["enviando_desde"],
                condition=models.Q(status=StatusNotificacao.ENVIANDO),
                name="notificacao_enviando_idx",
            ),
            # O sino: as não lidas de uma pessoa.
            models.Index(
                fields=["destinatario"],
                condition=models.Q(canal=Canal.APP, lida_em__isnull=True),
                name="notificacao_nao_lidas_idx",
            ),
            models.Index(
                fields=["destinatario", "-criado_em"],
                condition=models.Q(canal=Canal.APP),
                name="notificacao_caixa_idx",
            ),
            models.Index(fields=["tipo", "evento"], name="notificacao_evento_idx"),
            models.Index(fields=["criado_em", "id"], name="notificacao_criado_idx"),
        ]

    def __str__(self) -> str:
        return self.assunto

    @property
    def lida(self) -> bool:
        return self.lida_em is not None

    def url_absoluta(self) -> str:
        return absoluto(self.link)


def absoluto(link: str) -> str:
    """O link como se abre de fora (e-mail, chat): a base do site (`SITE_URL`) mais o caminho."""
    if not link or "://" in link:
        return link
    return settings.SITE_URL.rstrip("/") + "/" + link.lstrip("/")


def marcar_lidas(usuario, ids=None) -> int:
    """Marca como lidas as notificações do sino da pessoa (todas, ou só as de `ids`)."""
    nao_lidas = Notificacao.objects.filter(destinatario=usuario, canal=Canal.APP, lida_em=None)
    if ids is not None:
        nao_lidas = nao_lidas.filter(pk__in=ids)
    return nao_lidas.update(lida_em=timezone.now())


LIMITE_DO_SINO = 99


def nao_lidas(usuario) -> int:
    """Quantas o sino mostra (uma consulta; conta até 100 para mostrar “99+”)."""
    if usuario is None or not usuario.is_authenticated:
        return 0
    return (
        Notificacao.objects.filter(destinatario=usuario, canal=Canal.APP, lida_em=None)
        .order_by()[: LIMITE_DO_SINO + 1]
        .count()
    )
