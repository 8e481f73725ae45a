from django.contrib.auth.models import AbstractUser, UserManager
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone
from rest_framework_simplejwt.token_blacklist.models import BlacklistedToken, OutstandingToken

from nucleo.criptografia import CampoCifrado
from nucleo.modelos import ModeloBase


class Perfil(models.TextChoices):
    ADMINISTRADOR = "ADMINISTRADOR", "Administrador"
    APROVADOR = "APROVADOR", "Aprovador"
    OPERADOR = "OPERADOR", "Operador"


EMAIL_DE_OUTRA_PESSOA = "Este e-mail já é de outra pessoa da equipe."


class GerenciadorDeUsuarios(UserManager):
    def create_superuser(self, username, email=None, password=None, **extra_fields):
        extra_fields.setdefault("perfil", Perfil.ADMINISTRADOR)
        return super().create_superuser(username, email, password, **extra_fields)


class Usuario(ModeloBase, AbstractUser):
    """Pessoa da equipe. O perfil decide o que ela pode fazer."""

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

    def clean(self):
        super().clean()
        if self.email and self.email_de_outra_pessoa(self.email):
            raise ValidationError({"email": EMAIL_DE_OUTRA_PESSOA})

    def email_de_outra_pessoa(self, email: str) -> bool:
        """O endereço já é de outra pessoa: no cadastro dela ou entre os e-mails da conta."""
        return (
            Usuario.objects.exclude(pk=self.pk)
            .filter(models.Q(email__iexact=email) | models.Q(emailaddress__email__iexact=email))
            .exists()
        )

    def save(self, *args, **kwargs):
        # O perfil é a fonte da verdade: toda a equipe entra no back office (admin),
        # e só o administrador tem todos os poderes do Django.
        self.is_staff = True
        self.is_superuser = self.perfil == Perfil.ADMINISTRADOR
        # Senha trocada (ou retirada) e pessoa desativada: os JWTs que ela tinha deixam de valer.
        encerrar_tokens = (
            self._password is not None or not self.has_usable_password() or not self.is_active
        )
        super().save(*args, **kwargs)
        if encerrar_tokens:
            self.encerrar_tokens_da_api()

    def encerrar_tokens_da_api(self) -> None:
        """Põe na lista negra do simplejwt os tokens de renovação ainda válidos da pessoa.

        Os de acesso (30 min) caem sozinhos: levam um hash da senha (`CHECK_REVOKE_TOKEN`) e só
        valem para quem está ativo (`CHECK_USER_IS_ACTIVE`).
        """
        pendentes = OutstandingToken.objects.filter(
            user=self, expires_at__gt=timezone.now(), blacklistedtoken__isnull=True
        )
        BlacklistedToken.objects.bulk_create(
            [BlacklistedToken(token=token) for token in pendentes], ignore_conflicts=True
        )
