import re
import unicodedata

from django.core.validators import MinValueValidator, URLValidator
from django.db import models
from django.db.models.functions import Upper

from nucleo.modelos import CampoURL, ModeloBase

# Operadoras com robô documentado pela RPA API (docs/api-rpa.md §1): criadas já com robô.
CODIGOS_COM_ROBO = frozenset({"OI", "VIVO", "EMBRATEL", "DIGITALNET"})


def normalizar_codigo(nome: str) -> str:
    """`Oi` é `OI`; `Claro Empresas` é `CLARO_EMPRESAS` (segmento de caminho da RPA API)."""
    sem_acento = unicodedata.normalize("NFKD", nome).encode("ascii", "ignore").decode()
    return re.sub(r"[^A-Z0-9]+", "_", sem_acento.upper()).strip("_")


class Operadora(ModeloBase):
    nome = models.CharField("nome", max_length=100, unique=True)
    codigo = models.CharField(
        "código",
        max_length=50,
        unique=True,
        help_text="Em maiúsculas; é o {operadora} dos caminhos da API RPA (ex.: VIVO).",
    )
    possui_rpa = models.BooleanField(
        "possui robô", default=False, help_text="Sem robô, as faturas são enviadas à mão."
    )
    rpa_terceirizado = models.BooleanField("robô terceirizado", default=False)
    url_endpoint_rpa = CampoURL(
        "URL da API RPA",
        blank=True,
        validators=[URLValidator(schemes=["http", "https"])],
        help_text="Opcional: substitui API_EXTERNA_URL para esta operadora.",
    )
    jobs_simultaneos = models.PositiveSmallIntegerField(
        "jobs simultâneos",
        default=5,
        validators=[MinValueValidator(1, "A operadora precisa de pelo menos 1 job simultâneo.")],
        help_text="Quantos jobs do robô desta operadora rodam ao mesmo tempo, no máximo "
        "(o limite global RPA_JOBS_SIMULTANEOS também vale).",
    )
    url_portal = CampoURL("URL do portal", blank=True)
    instrucoes_acesso = models.TextField("instruções de acesso", blank=True)
    ativo = models.BooleanField("ativa", default=True)

    class Meta:
        verbose_name = "operadora"
        verbose_name_plural = "operadoras"
        ordering = ["nome"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(codigo=Upper("codigo")), name="operadora_codigo_maiusculo"
            ),
            models.CheckConstraint(
                condition=~models.Q(codigo=""), name="operadora_codigo_preenchido"
            ),
            models.CheckConstraint(
                condition=models.Q(jobs_simultaneos__gte=1),
                name="operadora_jobs_simultaneos_positivo",
                violation_error_message="A operadora precisa de pelo menos 1 job simultâneo.",
            ),
        ]

    def __str__(self) -> str:
        return self.nome

    def clean_fields(self, exclude=None) -> None:
        # Antes dos validadores: um código vazio vem do nome (`Claro Empresas` → `CLARO_EMPRESAS`).
        self.codigo = normalizar_codigo(self.codigo or self.nome)
        super().clean_fields(exclude=exclude)
