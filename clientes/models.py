import hashlib
import re

from django.core.exceptions import ValidationError
from django.db import models

from nucleo.criptografia import CampoCifrado
from nucleo.documentos import (
    formatar_cnpj,
    normalizar_cnpj,
    normalizar_cpf,
    termo_de_busca,
    validar_cnpj,
    validar_cpf,
)
from nucleo.modelos import ModeloBase

# Os dados de cadastro de um cliente (os da planilha das operadoras, além de operadora e situação).
CAMPOS_DO_CADASTRO = [
    "razao_social",
    "nome_sat",
    "cnpj",
    "filtro",
    "servico",
    "dados_sat",
    "unidade",
    "categoria_sat",
    "site_emissao",
    "login_portal",
    "senha_portal",
    "cpf",
    "observacoes",
]


# Um filtro curto ("12") aparece em qualquer texto: não identifica ninguém.
FILTRO_MINIMO_PARA_IDENTIFICAR = 4
_FORA_DE_PALAVRA_ANTES = r"(?<![0-9A-Za-z])"
_FORA_DE_PALAVRA_DEPOIS = r"(?![0-9A-Za-z])"


def calcular_hash_unico(
    *, nome_sat: str, operadora_codigo: str, servico: str, dados_sat: str, filtro: str, unidade: str
) -> str:
    partes = (nome_sat, operadora_codigo, servico, dados_sat, filtro, unidade)
    texto = "|".join(" ".join(parte.split()).upper() for parte in partes)
    return hashlib.sha256(texto.encode()).hexdigest()[:32]


class Cliente(ModeloBase):
    """Uma conta de telecom de uma empresa numa operadora; cada mês gera um processo."""

    hash_unico = models.CharField(
        "hash", max_length=64, unique=True, blank=True, help_text="Calculado quando vazio."
    )
    razao_social = models.CharField("razão social", max_length=200)
    nome_sat = models.CharField("nome no SAT", max_length=200, blank=True)
    cnpj = models.CharField("CNPJ", max_length=14, validators=[validar_cnpj])
    operadora = models.ForeignKey(
        "operadoras.Operadora",
        on_delete=models.PROTECT,
        related_name="clientes",
        verbose_name="operadora",
    )
    filtro = models.CharField(
        "filtro", max_length=100, blank=True, help_text="Conta ou contrato que o robô procura."
    )
    servico = models.CharField("serviço", max_length=100, blank=True)
    dados_sat = models.CharField("dados SAT", max_length=200, blank=True)
    unidade = models.CharField("unidade", max_length=200, blank=True)
    categoria_sat = models.CharField("categoria SAT", max_length=200, blank=True)
    site_emissao = models.CharField("site para emissão", max_length=300, blank=True)
    login_portal = models.CharField("login do portal", max_length=200, blank=True)
    senha_portal = CampoCifrado("senha do portal", blank=True)
    cpf = models.CharField("CPF", max_length=11, blank=True, validators=[validar_cpf])
    observacoes = models.TextField("observações", blank=True)
    ativo = models.BooleanField("ativo", default=True)

    class Meta:
        verbose_name = "cliente"
        verbose_name_plural = "clientes"
        ordering = ["razao_social", "unidade"]
        constraints = [
            models.UniqueConstraint(
                fields=["cnpj", "operadora", "unidade", "servico"],
                name="cliente_unico_por_conta",
                violation_error_message=(
                    "Já existe um cliente com este CNPJ, operadora, unidade e serviço."
                ),
            ),
        ]
        indexes = [models.Index(fields=["operadora", "ativo"])]

    def __str__(self) -> str:
        detalhe = " — ".join(p for p in (self.unidade, self.servico) if p)
        return f"{self.razao_social} ({detalhe})" if detalhe else self.razao_social

    @property
    def cnpj_formatado(self) -> str:
        return formatar_cnpj(self.cnpj)

    def normalizar(self) -> None:
        self.cnpj = normalizar_cnpj(self.cnpj)
        self.cpf = normalizar_cpf(self.cpf)
        self.nome_sat = self.nome_sat or self.razao_social
        if not self.hash_unico and self.operadora_id:
            # Antes da validação: um hash repetido vira erro de formulário, não de banco.
            self.hash_unico = calcular_hash_unico(
                nome_sat=self.nome_sat,
                operadora_codigo=self.operadora.codigo,
                servico=self.servico,
                dados_sat=self.dados_sat,
                filtro=self.filtro,
                unidade=self.unidade,
            )

    @classmethod
    def da_busca(cls, termo: str) -> models.QuerySet:
        """Os clientes cujo nome tem todas as palavras do termo, ou cujo CNPJ é uma delas (com ou
        sem pontuação). Para as listas grandes buscarem o cliente numa subconsulta
        (`processo__cliente__in=Cliente.da_busca(termo)`), sem juntar as tabelas."""
        clientes = cls.objects.all()
        for palavra in termo.split():
            palavra = termo_de_busca(palavra)
            clientes = clientes.filter(
                models.Q(razao_social__icontains=palavra) | models.Q(cnpj=palavra)
            )
        return clientes

    def mencao_em(self, texto: str) -> str:
        """O que identifica este cliente em `texto` (CNPJ, ou a conta/filtro), ou "" se nada.

        Serve para conferir que a fatura baixada (e o job adotado) são deste cliente.
        """
        if not texto:
            return ""
        c = self.cnpj
        if len(c) == 14:
            cnpj = rf"{c[:2]}\.?{c[2:5]}\.?{c[5:8]}/?{c[8:12]}-?{c[12:]}"
            if re.search(_FORA_DE_PALAVRA_ANTES + cnpj + _FORA_DE_PALAVRA_DEPOIS, texto, re.I):
                return f"CNPJ {self.cnpj_formatado}"
        filtro = " ".join(self.filtro.split())
        if len(filtro) >= FILTRO_MINIMO_PARA_IDENTIFICAR:
            padrao = re.escape(filtro).replace(r"\ ", r"\s+")
            if re.search(_FORA_DE_PALAVRA_ANTES + padrao + _FORA_DE_PALAVRA_DEPOIS, texto, re.I):
                return f"conta/filtro {filtro}"
        return ""

    @property
    def em_atividade(self) -> bool:
        """Ativo e de operadora ativa: só assim entra na criação de processos."""
        return self.ativo and self.operadora.ativo

    def clean_fields(self, exclude=None) -> None:
        self.normalizar()  # antes dos validadores: "25.988.000/0001-72" cabe em 14 caracteres
        super().clean_fields(exclude=exclude)

    def clean(self) -> None:
        if self.operadora_id and not self.operadora.ativo:
            raise ValidationError({"operadora": f"A operadora {self.operadora} está inativa."})

    def validate_unique(self, exclude=None) -> None:
        # O hash sai do nome SAT, operadora, serviço, dados SAT, filtro e unidade; o formulário do
        # admin nem mostra o campo, então o aviso diz o que repetiu. (A importação confere à parte,
        # sem uma consulta por linha.)
        repetido = Cliente.objects.exclude(pk=self.pk).filter(hash_unico=self.hash_unico)
        if self.hash_unico and repetido.exists():
            raise ValidationError(
                "Já existe um cliente com o mesmo nome SAT, operadora, serviço, dados SAT, filtro "
                "e unidade (mesmo hash). Mude um deles ou atualize o cliente existente."
            )
        super().validate_unique(exclude=exclude)

    def save(self, *args, **kwargs):
        self.normalizar()
        super().save(*args, **kwargs)
