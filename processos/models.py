import datetime as dt
import uuid
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import F
from django.db.models.functions import Coalesce
from django.db.models.lookups import In

from execucoes.models import Execucao, StatusExecucao, TipoExecucao
from nucleo.modelos import ModeloBase
from processos.competencia import formatar_competencia


class StatusProcesso(models.TextChoices):
    AGUARDANDO_DOWNLOAD = "AGUARDANDO_DOWNLOAD", "Aguardando download"
    AGUARDANDO_APROVACAO = "AGUARDANDO_APROVACAO", "Aguardando aprovação"
    AGUARDANDO_ENVIO_SAT = "AGUARDANDO_ENVIO_SAT", "Aguardando envio ao SAT"
    UPLOAD_REALIZADO = "UPLOAD_REALIZADO", "Upload realizado"


COR_DO_STATUS = {  # o selo de cada status nas listas, na página e no painel
    StatusProcesso.AGUARDANDO_DOWNLOAD: "cinza",
    StatusProcesso.AGUARDANDO_APROVACAO: "amarelo",
    StatusProcesso.AGUARDANDO_ENVIO_SAT: "azul",
    StatusProcesso.UPLOAD_REALIZADO: "verde",
}


# A tabela do fluxo: de onde se pode ir para onde. É o único lugar desta regra.
TRANSICOES_PERMITIDAS: dict[str, frozenset[str]] = {
    StatusProcesso.AGUARDANDO_DOWNLOAD: frozenset({StatusProcesso.AGUARDANDO_APROVACAO}),
    StatusProcesso.AGUARDANDO_APROVACAO: frozenset(
        {StatusProcesso.AGUARDANDO_ENVIO_SAT, StatusProcesso.AGUARDANDO_DOWNLOAD}
    ),
    StatusProcesso.AGUARDANDO_ENVIO_SAT: frozenset({StatusProcesso.UPLOAD_REALIZADO}),
    StatusProcesso.UPLOAD_REALIZADO: frozenset(),
}


@dataclass(frozen=True)
class EtapaDoRobo:
    """Um passo do fluxo feito por um robô: o status em que o processo espera a execução deste
    tipo, e aonde a execução concluída o leva."""

    tipo: str
    aguardando: str
    concluida_leva_a: str


# Status do processo ↔ tipo de execução: lido pelas ações (que robô rodar agora), pelos
# desfechos (o que uma execução concluída muda; se cabe nova tentativa) e pelo painel.
ETAPAS_DO_ROBO = (
    EtapaDoRobo(
        TipoExecucao.DOWNLOAD_FATURA,
        aguardando=StatusProcesso.AGUARDANDO_DOWNLOAD,
        concluida_leva_a=StatusProcesso.AGUARDANDO_APROVACAO,
    ),
    EtapaDoRobo(
        TipoExecucao.UPLOAD_SAT,
        aguardando=StatusProcesso.AGUARDANDO_ENVIO_SAT,
        concluida_leva_a=StatusProcesso.UPLOAD_REALIZADO,
    ),
)
ETAPA_DO_STATUS = {etapa.aguardando: etapa for etapa in ETAPAS_DO_ROBO}
ETAPA_DO_TIPO = {etapa.tipo: etapa for etapa in ETAPAS_DO_ROBO}
TIPOS_DO_ROBO = tuple(ETAPA_DO_TIPO)

# Uma execução que terminou assim espera alguém decidir (executar de novo, corrigir o cadastro).
STATUS_DE_FALHA = (StatusExecucao.FALHOU, StatusExecucao.TIMEOUT)


class TransicaoInvalida(ValidationError):
    pass


class Origem(models.TextChoices):
    WEB = "web", "Web"
    API = "api", "API"
    WORKER = "worker", "Worker"
    COMANDO = "command", "Comando"


# Os campos que só `Processo.registrar_execucao` escreve.
CAMPOS_DO_RESUMO = ("ultima_execucao_falhou", "execucoes_concluidas", "execucoes_com_falha")


class Processo(ModeloBase):
    """A fatura de um cliente num mês, do download até o registro no SAT."""

    cliente = models.ForeignKey(
        "clientes.Cliente", on_delete=models.PROTECT, related_name="processos"
    )
    competencia = models.DateField("competência", help_text="Primeiro dia do mês (MM/AAAA).")
    status = models.CharField(
        "status",
        max_length=30,
        choices=StatusProcesso.choices,
        default=StatusProcesso.AGUARDANDO_DOWNLOAD,
    )
    fatura = models.FileField("fatura (PDF)", upload_to="faturas/%Y/%m/", blank=True)
    fatura_sha256 = models.CharField("SHA-256 da fatura", max_length=64, blank=True, db_index=True)
    valor = models.DecimalField("valor", max_digits=15, decimal_places=2, null=True, blank=True)
    vencimento = models.DateField("vencimento", null=True, blank=True)
    # O robô não informou e o valor veio do texto do PDF (`processos.leitura_da_fatura`): quem
    # aprova confere. Uma pessoa que informa o campo (aprovando, no upload) desfaz a marca.
    valor_lido_do_pdf = models.BooleanField(
        "valor lido do PDF", default=False, help_text="O robô não informou; lido do PDF — confira."
    )
    vencimento_lido_do_pdf = models.BooleanField(
        "vencimento lido do PDF",
        default=False,
        help_text="O robô não informou; lido do PDF — confira.",
    )
    criado_por = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="processos_criados",
        verbose_name="criado por",
    )
    criado_automaticamente = models.BooleanField("criado automaticamente", default=False)
    upload_manual = models.BooleanField("upload manual", default=False)
    aprovado_por = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="processos_aprovados",
        verbose_name="aprovado por",
    )
    aprovado_em = models.DateTimeField("aprovado em", null=True, blank=True)
    enviado_sat_em = models.DateTimeField("enviado ao SAT em", null=True, blank=True)
    observacoes = models.TextField("observações", blank=True)
    # O que a lista de falhas e o painel perguntam das execuções, guardado por `registrar_execucao`
    # para que perguntem só ao processo, sem percorrer as execuções (que só crescem).
    ultima_execucao_falhou = models.BooleanField(
        "última execução falhou",
        default=False,
        editable=False,
        help_text="A execução mais recente terminou em falha ou estourou o tempo.",
    )
    execucoes_concluidas = models.PositiveIntegerField(
        "execuções do robô concluídas", default=0, editable=False
    )
    execucoes_com_falha = models.PositiveIntegerField(
        "execuções do robô com falha", default=0, editable=False
    )

    class Meta:
        verbose_name = "processo"
        verbose_name_plural = "processos"
        ordering = ["-competencia", "cliente__razao_social"]
        constraints = [
            models.UniqueConstraint(
                fields=["cliente", "competencia"],
                name="processo_unico_por_cliente_e_competencia",
                violation_error_message="Já existe um processo deste cliente nesta competência.",
            ),
            models.CheckConstraint(
                condition=models.Q(status__in=StatusProcesso.values), name="processo_status_valido"
            ),
            models.CheckConstraint(
                condition=models.Q(competencia__day=1), name="processo_competencia_dia_1"
            ),
            models.CheckConstraint(
                condition=models.Q(valor__isnull=True) | models.Q(valor__gte=0),
                name="processo_valor_nao_negativo",
            ),
        ]
        indexes = [
            models.Index(fields=["status", "competencia"], name="processo_status_comp_idx"),
            models.Index(fields=["competencia", "status"], name="processo_comp_status_idx"),
            # Só as falhas: `falha=sim`, com ou sem competência, lê um índice pequeno.
            models.Index(
                fields=["competencia"],
                condition=models.Q(ultima_execucao_falhou=True),
                name="processo_falhou_idx",
            ),
            # A lista ordena pelo valor (e pelo id, que o admin acrescenta); a API também.
            models.Index(fields=["valor", "-id"], name="processo_valor_idx"),
            # Os enviados à mão são poucos: o filtro “upload manual: sim” lê um índice pequeno.
            models.Index(
                fields=["competencia"],
                condition=models.Q(upload_manual=True),
                name="processo_upload_manual_idx",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.cliente} — {self.competencia_display}"

    @property
    def competencia_display(self) -> str:
        return formatar_competencia(self.competencia)

    def clean(self) -> None:
        if isinstance(self.competencia, dt.date) and self.competencia.day != 1:
            self.competencia = self.competencia.replace(day=1)

    def save(self, *args, **kwargs):
        # O resumo das execuções só muda por `registrar_execucao` (um UPDATE com F()): a gravação
        # inteira de um processo já existente (formulário do admin, PATCH da API) não o sobrescreve
        # com a cópia lida no começo do pedido, que pode ser anterior a um desfecho.
        if not self._state.adding and kwargs.get("update_fields") is None:
            fora = {*CAMPOS_DO_RESUMO, *self.get_deferred_fields()}
            kwargs["update_fields"] = [
                campo.name
                for campo in self._meta.concrete_fields
                if not campo.primary_key and campo.attname not in fora and campo.name not in fora
            ]
        super().save(*args, **kwargs)

    @classmethod
    def registrar_execucao(cls, execucao) -> None:
        """Guarda no processo a execução que acabou de ser criada ou de terminar: se falhou (ela é
        a mais recente: a ativa é sempre a última) e, se é do robô e terminou, mais uma na conta.

        Chame na transação que a criou ou a encerrou — uma vez por criação e por desfecho."""
        cls.registrar_execucoes([execucao])

    @classmethod
    def registrar_execucoes(cls, execucoes) -> None:
        """`registrar_execucao` de muitas de uma vez (no máximo uma por processo): um UPDATE por
        resumo diferente — um só para as execuções novas de um lote."""
        por_resumo: dict[tuple[bool, str | None], list] = {}
        for execucao in execucoes:
            por_resumo.setdefault(_resumo_da_execucao(execucao), []).append(execucao.processo_id)
        for (falhou, conta), processos in por_resumo.items():
            campos = {"ultima_execucao_falhou": falhou}
            if conta:
                campos[conta] = F(conta) + 1
            cls.objects.filter(pk__in=processos).update(**campos)

    @classmethod
    def recalcular_resumo_das_execucoes(cls, processos: models.QuerySet | None = None) -> int:
        """Refaz o resumo a partir das execuções, num UPDATE só: para execuções gravadas em lote
        (benchmarks, cargas) ou para conferir o guardado. Devolve quantos processos recalculou."""
        do_processo = Execucao.objects.filter(processo=models.OuterRef("pk")).order_by()
        ultima = do_processo.order_by("-criado_em").values("status")[:1]

        def quantas(*status):
            do_robo = do_processo.filter(tipo__in=TIPOS_DO_ROBO, status__in=status)
            contagem = do_robo.values("processo").annotate(n=models.Count("pk")).values("n")
            return Coalesce(models.Subquery(contagem), models.Value(0))

        return (
            (cls.objects.all() if processos is None else processos)
            .filter(models.Exists(do_processo))
            .update(
                ultima_execucao_falhou=In(models.Subquery(ultima), STATUS_DE_FALHA),
                execucoes_concluidas=quantas(StatusExecucao.CONCLUIDO),
                execucoes_com_falha=quantas(*STATUS_DE_FALHA),
            )
        )

    @property
    def lidos_do_pdf(self) -> bool:
        """Algum dos valores da fatura veio do texto do PDF e ninguém o conferiu ainda."""
        return self.valor_lido_do_pdf or self.vencimento_lido_do_pdf

    def pode_ir_para(self, status: str) -> bool:
        return status in TRANSICOES_PERMITIDAS[self.status]

    def mudar_status(
        self, para: str, *, usuario=None, origem: str, motivo: str = "", campos=()
    ) -> "Transicao":
        """Muda o status e grava a Transicao. Chame dentro de uma transação, com a linha travada."""
        if not self.pode_ir_para(para):
            raise TransicaoInvalida(
                f"O processo está em “{self.get_status_display()}” e não pode ir para "
                f"“{StatusProcesso(para).label}”."
            )
        de = self.status
        self.status = para
        self.save(update_fields=["status", "atualizado_em", *campos])
        return Transicao.objects.create(
            processo=self, de=de, para=para, usuario=usuario, origem=origem, motivo=motivo
        )


def _resumo_da_execucao(execucao) -> tuple[bool, str | None]:
    """Se a execução falhou, e que conta do processo ela soma (nenhuma se ainda não terminou ou
    não é do robô)."""
    falhou = execucao.status in STATUS_DE_FALHA
    if execucao.tipo in TIPOS_DO_ROBO and execucao.status == StatusExecucao.CONCLUIDO:
        return falhou, "execucoes_concluidas"
    if execucao.tipo in TIPOS_DO_ROBO and falhou:
        return falhou, "execucoes_com_falha"
    return falhou, None


class Transicao(models.Model):
    """Trilha de auditoria: cada mudança de status de um processo, na mesma transação."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    processo = models.ForeignKey(Processo, on_delete=models.CASCADE, related_name="transicoes")
    de = models.CharField("de", max_length=30, choices=StatusProcesso.choices, blank=True)
    para = models.CharField("para", max_length=30, choices=StatusProcesso.choices)
    usuario = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="usuário",
    )
    origem = models.CharField("origem", max_length=10, choices=Origem.choices)
    motivo = models.TextField("motivo", blank=True)
    criado_em = models.DateTimeField("quando", auto_now_add=True, db_index=True)

    class Meta:
        verbose_name = "transição"
        verbose_name_plural = "transições"
        ordering = ["-criado_em"]
        indexes = [
            models.Index(fields=["processo", "criado_em"], name="transicao_processo_idx"),
            # Os filtros da lista de transições, na ordem dela (mais recentes primeiro).
            models.Index(fields=["para", "criado_em"], name="transicao_para_idx"),
            models.Index(fields=["origem", "criado_em"], name="transicao_origem_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(para__in=StatusProcesso.values), name="transicao_para_valido"
            ),
            models.CheckConstraint(
                condition=models.Q(origem__in=Origem.values), name="transicao_origem_valida"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.de or '—'} → {self.para}"

    @classmethod
    def rejeicoes(cls) -> models.QuerySet:
        """As rejeições de fatura: a única seta que volta da aprovação para o download."""
        return cls.objects.filter(
            de=StatusProcesso.AGUARDANDO_APROVACAO, para=StatusProcesso.AGUARDANDO_DOWNLOAD
        )
