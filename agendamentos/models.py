import datetime as dt

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from agendamentos.cron import proximo_horario, proximos_horarios, validar_expressao
from nucleo.modelos import ModeloBase


class TipoAgendamento(models.TextChoices):
    CRIAR_PROCESSOS = "CRIAR_PROCESSOS", "Criar os processos do mês"
    BAIXAR_FATURAS = "BAIXAR_FATURAS", "Baixar as faturas"
    ENVIAR_AO_SAT = "ENVIAR_AO_SAT", "Enviar aprovadas ao SAT"
    RESUMO_MENSAL = "RESUMO_MENSAL", "Enviar o resumo do mês por e-mail"


# Os tipos que podem ficar restritos a uma operadora, e o que pode incluir os rejeitados.
TIPOS_POR_OPERADORA = (TipoAgendamento.CRIAR_PROCESSOS, TipoAgendamento.BAIXAR_FATURAS)
TIPOS_COM_REJEITADOS = (TipoAgendamento.BAIXAR_FATURAS,)


class Agendamento(ModeloBase):
    """Uma tarefa que o worker roda sozinho nos horários de uma expressão cron (fuso do
    sistema, America/Sao_Paulo). `proxima_em` guarda o próximo horário: ver se está na hora é uma
    consulta num índice, sem avaliar nenhuma expressão."""

    nome = models.CharField("nome", max_length=100, unique=True)
    tipo = models.CharField("tipo", max_length=20, choices=TipoAgendamento.choices)
    expressao = models.CharField(
        "expressão cron",
        max_length=100,
        validators=[validar_expressao],
        help_text="minuto hora dia-do-mês mês dia-da-semana, no horário de Brasília "
        "(America/Sao_Paulo). Ex.: “0 8 5 * *” é o dia 5 de cada mês às 08:00.",
    )
    operadora = models.ForeignKey(
        "operadoras.Operadora",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="agendamentos",
        help_text="Só para criar processos ou baixar faturas: vazio é todas as operadoras.",
    )
    incluir_rejeitados = models.BooleanField(
        "incluir os rejeitados no mês",
        default=False,
        help_text="Downloads: sem isso, processos cuja fatura foi rejeitada neste mês ficam "
        "para uma pessoa decidir.",
    )
    ativo = models.BooleanField("ativo", default=True, help_text="Desmarcado: pausado.")
    proxima_em = models.DateTimeField("próxima execução", null=True, editable=False)

    class Meta:
        verbose_name = "agendamento"
        verbose_name_plural = "agendamentos"
        ordering = ["nome"]
        constraints = [
            models.CheckConstraint(
                condition=Q(tipo__in=TipoAgendamento.values), name="agendamento_tipo_valido"
            ),
            models.CheckConstraint(
                condition=Q(operadora__isnull=True) | Q(tipo__in=TIPOS_POR_OPERADORA),
                name="agendamento_operadora_so_nos_tipos_por_operadora",
                violation_error_message="Só a criação de processos e o download de faturas "
                "podem ficar restritos a uma operadora.",
            ),
            models.CheckConstraint(
                condition=Q(incluir_rejeitados=False) | Q(tipo__in=TIPOS_COM_REJEITADOS),
                name="agendamento_rejeitados_so_nos_downloads",
                violation_error_message="“Incluir os rejeitados” vale só para o download de "
                "faturas.",
            ),
        ]
        indexes = [
            models.Index(
                fields=["proxima_em"], condition=Q(ativo=True), name="agendamento_devido_idx"
            ),
        ]

    def __str__(self) -> str:
        return self.nome

    def save(self, *args, **kwargs):
        # Novo, com outra expressão ou retomado: o próximo horário conta de agora (os horários
        # de quando estava pausado não rodam).
        if kwargs.get("update_fields") is None and self._horarios_mudaram():
            self.proxima_em = proximo_horario(self.expressao, depois_de=timezone.now())
        super().save(*args, **kwargs)

    def _horarios_mudaram(self) -> bool:
        if self._state.adding or self.proxima_em is None:
            return True
        antes = type(self).objects.filter(pk=self.pk).values("expressao", "ativo").first()
        return antes is None or antes["expressao"] != self.expressao or not antes["ativo"]

    def proximos_horarios(self, quantos: int = 3) -> list[dt.datetime]:
        return proximos_horarios(self.expressao, depois_de=timezone.now(), quantos=quantos)


class Resultado(models.TextChoices):
    EM_ANDAMENTO = "EM_ANDAMENTO", "Em andamento"
    SUCESSO = "SUCESSO", "Sucesso"
    FALHA = "FALHA", "Falha"


COR_DO_RESULTADO = {
    Resultado.EM_ANDAMENTO: "azul",
    Resultado.SUCESSO: "verde",
    Resultado.FALHA: "vermelho",
}


class Disparo(models.TextChoices):
    AUTOMATICO = "AUTOMATICO", "Automático"
    MANUAL = "MANUAL", "Manual (Executar agora)"


class ExecucaoAgendamento(models.Model):
    """Uma vez que um agendamento rodou: no seu horário (automática) ou pelo “Executar agora”.

    Fica EM_ANDAMENTO do pedido até o fim; quem a roda trava a linha, e o efeito e o resultado
    entram juntos (`agendamentos.execucao`). A automática é única por horário: com vários workers,
    cada horário roda uma vez só.
    """

    id = models.BigAutoField(primary_key=True)
    agendamento = models.ForeignKey(Agendamento, on_delete=models.CASCADE, related_name="execucoes")
    disparo = models.CharField("disparo", max_length=10, choices=Disparo.choices)
    disparado_por = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="disparado por",
    )
    previsto_para = models.DateTimeField("horário previsto", null=True, blank=True)
    competencia = models.DateField("competência", null=True, blank=True)
    iniciado_em = models.DateTimeField("iniciado em", default=timezone.now)
    terminado_em = models.DateTimeField("terminado em", null=True, blank=True)
    resultado = models.CharField(
        "resultado", max_length=12, choices=Resultado.choices, default=Resultado.EM_ANDAMENTO
    )
    itens = models.PositiveIntegerField(
        "itens", default=0, help_text="Processos criados, execuções do robô pedidas ou e-mails."
    )
    resumo = models.CharField("resumo", max_length=300, blank=True)
    erro = models.TextField("erro", blank=True)

    class Meta:
        verbose_name = "execução de agendamento"
        verbose_name_plural = "execuções de agendamentos"
        ordering = ["-iniciado_em", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["agendamento", "previsto_para"],
                condition=Q(disparo=Disparo.AUTOMATICO),
                name="execucao_agendamento_uma_por_horario",
                violation_error_message="Este horário do agendamento já rodou.",
            ),
            # Automática: tem o horário e ninguém a pediu; manual: o contrário.
            models.CheckConstraint(
                condition=(
                    Q(disparo=Disparo.AUTOMATICO, previsto_para__isnull=False)
                    & Q(disparado_por__isnull=True)
                )
                | Q(disparo=Disparo.MANUAL, previsto_para__isnull=True),
                name="execucao_agendamento_disparo_coerente",
            ),
            models.CheckConstraint(
                condition=Q(resultado__in=Resultado.values),
                name="execucao_agendamento_resultado_valido",
            ),
        ]
        indexes = [
            models.Index(fields=["-iniciado_em", "-id"], name="execucao_agend_ordem_idx"),
            models.Index(
                fields=["agendamento", "-iniciado_em"], name="execucao_agend_recentes_idx"
            ),
            models.Index(fields=["resultado", "-iniciado_em"], name="execucao_agend_resultado_idx"),
            models.Index(
                fields=["iniciado_em"],
                condition=Q(resultado="EM_ANDAMENTO"),
                name="execucao_agend_pendentes_idx",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.agendamento} — {timezone.localtime(self.iniciado_em):%d/%m/%Y %H:%M}"
