from django.contrib.auth.models import AbstractUser, UserManager
from django.db import models

from brm.criptografia import CampoCifrado
from brm.modelos import ModeloBase


class Perfil(models.TextChoices):
    ADMINISTRADOR = "ADMINISTRADOR", "Administrador"
    APROVADOR = "APROVADOR", "Aprovador"
    OPERADOR = "OPERADOR", "Operador"


class GerenciadorDeUsuarios(UserManager):
    def create_superuser(self, username, email=None, password=None, **extra_fields):
        extra_fields.setdefault("perfil", Perfil.ADMINISTRADOR)
        return super().create_superuser(username, email, password, **extra_fields)


class Usuario(ModeloBase, AbstractUser):
    """Pessoa da equipe. O perfil decide o que ela pode fazer (SPEC §1)."""

    nome = models.CharField("nome", max_length=150, blank=True)
    perfil = models.CharField(
        "perfil", max_length=20, choices=Perfil.choices, default=Perfil.OPERADOR
    )
    api_externa_token = CampoCifrado(
        "token JWT da API RPA (global)",
        blank=True,
        help_text="Usado por todo o sistema nas chamadas à API RPA. Guardado cifrado.",
    )

    token_atualizado_em = models.DateTimeField("token atualizado em", null=True, blank=True)

    objects = GerenciadorDeUsuarios()

    class Meta:
        verbose_name = "usuário"
        verbose_name_plural = "usuários"
        ordering = ["username"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(perfil__in=Perfil.values), name="usuario_perfil_valido"
            ),
        ]

    def __str__(self) -> str:
        return self.nome or self.get_full_name() or self.username

    def save(self, *args, **kwargs):
        # O perfil é a fonte da verdade: toda a equipe entra no back office (admin),
        # e só o administrador tem todos os poderes do Django.
        self.is_staff = True
        self.is_superuser = self.perfil == Perfil.ADMINISTRADOR
        super().save(*args, **kwargs)

    @property
    def ativo(self) -> bool:
        return self.is_active

    @property
    def e_administrador(self) -> bool:
        return self.is_active and self.perfil == Perfil.ADMINISTRADOR

    @property
    def pode_aprovar(self) -> bool:
        return self.is_active and self.perfil in (Perfil.ADMINISTRADOR, Perfil.APROVADOR)

    @property
    def pode_operar(self) -> bool:
        return self.is_active and self.perfil in Perfil.values
