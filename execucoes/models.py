import uuid

from django.conf import settings
from django.db import models

from nucleo.modelos import ModeloBase


class TipoExecucao(models.TextChoices):
    DOWNLOAD_FATURA = "DOWNLOAD_FATURA", "Download da fatura"
    UPLOAD_SAT = "UPLOAD_SAT", "Envio ao SAT"
    UPLOAD_MANUAL = "UPLOAD_MANUAL", "Upload manual"


class StatusExecucao(models.TextChoices):
    PENDENTE = "PENDENTE", "Pendente"
    EXECUTANDO = "EXECUTANDO", "Executando"
    CONCLUIDO = "CONCLUIDO", "Concluído"
    FALHOU = "FALHOU", "Falhou"
    CANCELADO = "CANCELADO", "Cancelado"
    TIMEOUT = "TIMEOUT", "Tempo esgotado"


COR_DO_STATUS = {  # o selo de cada status nas listas e na página do processo
    StatusExecucao.PENDENTE: "cinza",
    StatusExecucao.EXECUTANDO: "azul",
    StatusExecucao.CONCLUIDO: "verde",
    StatusExecucao.FALHOU: "vermelho",
    StatusExecucao.CANCELADO: "cinza",
    StatusExecucao.TIMEOUT: "laranja",
}

STATUS_ATIVOS = (StatusExecucao.PENDENTE, StatusExecucao.EXECUTANDO)

# A fila do despacho (`execucoes.fila`): esperando a vez, e ocupando uma vaga do robô — com o job
# rodando ou sendo enviado (o POST saiu e a resposta ainda não voltou, ou se perdeu).
NA_FILA = models.Q(status=StatusExecucao.PENDENTE, envio_iniciado_em__isnull=True)
EM_VOO = models.Q(status=StatusExecucao.EXECUTANDO) | models.Q(
    status=StatusExecucao.PENDENTE, envio_iniciado_em__isnull=False
)


class Execucao(ModeloBase):
    """Uma execução do robô (ou um upload manual) para um processo."""

    processo = models.ForeignKey(
        "processos.Processo", on_delete=models.CASCADE, related_name="execucoes"
    )
    tipo = models.CharField("tipo", max_length=20, choices=TipoExecucao.choices)
    status = models.CharField(
        "status", max_length=20, choices=StatusExecucao.choices, default=StatusExecucao.PENDENTE
    )
    job_id = models.CharField("job", max_length=100, blank=True, db_index=True)
    numero_tentativa = models.PositiveSmallIntegerField("tentativa", default=1)
    progresso = models.PositiveSmallIntegerField("progresso (%)", default=0)
    parametros_entrada = models.JSONField(
        "parâmetros de entrada", default=dict, blank=True, help_text="Segredos mascarados."
    )
    resultado = models.JSONField("resultado", null=True, blank=True)
    erro = models.TextField("erro", blank=True)
    iniciada_em = models.DateTimeField("iniciada em", null=True, blank=True)
    finalizada_em = models.DateTimeField("finalizada em", null=True, blank=True)
    executado_por = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="executado por",
    )
    ip_origem = models.GenericIPAddressField("IP de origem", null=True, blank=True)
    user_agent = models.TextField("navegador", blank=True)
    # Controle do worker: quando despachar, se há um envio em voo, quando consultar.
    executar_apos = models.DateTimeField("não despachar antes de", null=True, blank=True)
    envio_iniciado_em = models.DateTimeField("envio iniciado em", null=True, blank=True)
    tentativas_envio = models.PositiveSmallIntegerField("tentativas de envio", default=0)
    proxima_consulta_em = models.DateTimeField("próxima consulta", null=True, blank=True)
    # A API RPA onde o job foi (ou vai ser) criado: consulta, adoção e fatura usam a mesma.
    url_rpa = models.CharField("API RPA", max_length=300, blank=True)
    # Cerca do envio: quem reivindicou a execução; só ele grava o job que criou.
    envio_token = models.CharField("cerca do envio", max_length=32, blank=True)
    falhas_internas = models.PositiveSmallIntegerField("erros ao processar", default=0)
    # O lugar na fila, gravado pelo despacho quando a execução chega (`execucoes.fila.enfileirar`):
    # competência vazia é “ainda não enfileirada”.
    operadora = models.ForeignKey(
        "operadoras.Operadora",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        editable=False,
        related_name="+",
        verbose_name="robô da operadora",
        help_text="O robô cuja capacidade o job ocupa; vazio no envio ao SAT (só o limite global).",
    )
    competencia = models.DateField("competência", null=True, blank=True, editable=False)
    vencimento_previsto = models.DateField(
        "vencimento previsto",
        null=True,
        blank=True,
        editable=False,
        help_text="Download: o vencimento anterior do cliente trazido para esta competência; "
        "SAT: o vencimento da fatura. Vazio: desconhecido (vai para o fim da fila).",
    )
    cancelada_por = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="cancelada por",
    )

    class Meta:
        verbose_name = "execução"
        verbose_name_plural = "execuções"
        ordering = ["-criado_em"]
        constraints = [
            models.UniqueConstraint(
                fields=["processo"],
                condition=models.Q(status__in=STATUS_ATIVOS),
                name="execucao_uma_ativa_por_processo",
                violation_error_message="Este processo já tem uma execução em andamento.",
            ),
            models.UniqueConstraint(
                fields=["job_id"],
                condition=~models.Q(job_id=""),
                name="execucao_job_unico",
                violation_error_message="Este job da API RPA já pertence a outra execução.",
            ),
            models.CheckConstraint(
                condition=models.Q(status__in=StatusExecucao.values), name="execucao_status_valido"
            ),
            models.CheckConstraint(
                condition=models.Q(tipo__in=TipoExecucao.values), name="execucao_tipo_valido"
            ),
            models.CheckConstraint(
                condition=models.Q(progresso__lte=100), name="execucao_progresso_ate_100"
            ),
        ]
        # As listas (admin e API) vão das mais recentes às mais antigas, com o id de desempate.
        indexes = [
            models.Index(fields=["criado_em", "id"], name="execucao_criado_idx"),
            models.Index(fields=["status", "criado_em"], name="execucao_status_idx"),
            models.Index(fields=["tipo", "criado_em"], name="execucao_tipo_idx"),
            models.Index(
                fields=["status", "proxima_consulta_em"],
                condition=models.Q(status__in=STATUS_ATIVOS),
                name="execucao_ativas_idx",
            ),
            models.Index(fields=["processo", "-criado_em"], name="execucao_processo_idx"),
            # A coluna “tentativa” da lista ordena por ela (e pelo id, que o admin acrescenta).
            models.Index(fields=["numero_tentativa", "-id"], name="execucao_tentativa_idx"),
            # O despacho (execucoes.fila): a próxima de cada robô, na ordem da fila, é a primeira
            # linha do seu trecho do índice; as vagas ocupadas e as por enfileirar, índices
            # pequenos; o ritmo do painel, as que terminaram na última hora.
            models.Index(
                fields=["operadora", "competencia", "vencimento_previsto", "criado_em"],
                condition=NA_FILA,
                name="execucao_fila_idx",
            ),
            models.Index(fields=["operadora"], condition=EM_VOO, name="execucao_em_voo_idx"),
            models.Index(
                fields=["criado_em"],
                condition=models.Q(competencia__isnull=True, status__in=STATUS_ATIVOS),
                name="execucao_por_enfileirar_idx",
            ),
            models.Index(
                fields=["finalizada_em", "operadora"],
                condition=models.Q(competencia__isnull=False),
                name="execucao_ritmo_idx",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_tipo_display()} #{self.numero_tentativa} — {self.get_status_display()}"

    @property
    def ativa(self) -> bool:
        return self.status in STATUS_ATIVOS

    @property
    def conferencia(self) -> dict | None:
        """A conferência da fatura contra o cliente (`execucoes.faturas`): {"ok", "mensagem"}."""
        resultado = self.resultado if isinstance(self.resultado, dict) else {}
        conferencia = resultado.get("conferencia")
        return conferencia if isinstance(conferencia, dict) else None

    @property
    def duracao(self):
        if self.iniciada_em and self.finalizada_em:
            return self.finalizada_em - self.iniciada_em
        return None


class NivelLog(models.TextChoices):
    DEBUG = "DEBUG", "Debug"
    INFO = "INFO", "Info"
    WARN = "WARN", "Aviso"
    ERROR = "ERROR", "Erro"


COR_DO_NIVEL = {
    NivelLog.DEBUG: "cinza",
    NivelLog.INFO: "azul",
    NivelLog.WARN: "laranja",
    NivelLog.ERROR: "vermelho",
}


def chave_avulsa() -> str:
    """Chave de uma linha sem identidade no robô (escrita pelo próprio sistema)."""
    return f"avulsa:{uuid.uuid4().hex}"


class LogExecucao(models.Model):
    """Uma linha de log de uma execução. O id autoincremental ordena as linhas e é o id do SSE."""

    id = models.BigAutoField(primary_key=True)
    execucao = models.ForeignKey(Execucao, on_delete=models.CASCADE, related_name="logs")
    nivel = models.CharField("nível", max_length=5, choices=NivelLog.choices, default=NivelLog.INFO)
    mensagem = models.TextField("mensagem")
    momento = models.DateTimeField("momento (robô)", null=True, blank=True)
    recebido_em = models.DateTimeField("recebido em", auto_now_add=True)
    # Identidade da linha no log do robô (segundo, mensagem, ocorrência): quem quer que a grave
    # (o stream ou o /status), o banco guarda uma vez só.
    chave = models.CharField("chave", max_length=80, default=chave_avulsa)

    class Meta:
        verbose_name = "linha de log"
        verbose_name_plural = "linhas de log"
        ordering = ["id"]
        # A busca na mensagem usa, no PostgreSQL, um índice de trigramas criado só pela migração
        # 0005 (o SQLite não o tem).
        indexes = [
            models.Index(fields=["execucao", "id"], name="log_execucao_idx"),
            models.Index(fields=["nivel", "id"], name="log_nivel_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(nivel__in=NivelLog.values), name="log_nivel_valido"
            ),
            models.UniqueConstraint(fields=["execucao", "chave"], name="log_linha_unica"),
        ]

    def __str__(self) -> str:
        return f"[{self.nivel}] {self.mensagem[:80]}"


class Arrendamento(models.Model):
    """Trava com prazo entre workers: só o dono segue o stream; se ele morrer, outro assume."""

    nome = models.CharField(primary_key=True, max_length=50)
    dono = models.CharField(max_length=100, blank=True)
    expira_em = models.DateTimeField()

    class Meta:
        verbose_name = "arrendamento"
        verbose_name_plural = "arrendamentos"

    def __str__(self) -> str:
        return f"{self.nome} ({self.dono or 'livre'})"


class EstadoRPA(models.Model):
    """Linha única: o que o worker sabe da API RPA (página inicial, pausa do despacho)."""

    id = models.PositiveSmallIntegerField(primary_key=True, default=1)
    token_recusado_em = models.DateTimeField(null=True, blank=True)
    token_recusado_digest = models.CharField(max_length=64, blank=True)
    worker_visto_em = models.DateTimeField(null=True, blank=True)
    stream_conectado = models.BooleanField(default=False)
    ultimo_evento_em = models.DateTimeField(null=True, blank=True)
    # Token recusado: o worker volta a perguntar à API com intervalos crescentes.
    token_proxima_sondagem_em = models.DateTimeField(null=True, blank=True)
    token_sondagens = models.PositiveSmallIntegerField(default=0)

    class Meta:
        verbose_name = "estado da API RPA"
        verbose_name_plural = "estado da API RPA"
        constraints = [models.CheckConstraint(condition=models.Q(id=1), name="estado_rpa_unico")]

    def __str__(self) -> str:
        return "Estado da API RPA"

    @classmethod
    def atual(cls) -> "EstadoRPA":
        return cls.objects.get_or_create(id=1)[0]
