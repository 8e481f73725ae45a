from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from operadoras.models import Operadora, normalizar_codigo
from processos.competencia import competencia_atual, formatar_competencia, ler_competencia
from processos.criacao import criar_processos_mensais
from processos.models import Origem


class Command(BaseCommand):
    help = "Cria os processos AGUARDANDO_DOWNLOAD do mês para os clientes ativos (idempotente)."

    def add_arguments(self, parser):
        parser.add_argument(
            "--competencia",
            default=formatar_competencia(competencia_atual()),
            help="MM/AAAA (padrão: o mês atual).",
        )
        parser.add_argument("--operadora", help="Código da operadora (ex.: VIVO).")

    def handle(self, *args, competencia: str, operadora: str | None, **options):
        try:
            mes = ler_competencia(competencia)
        except ValidationError as erro:
            raise CommandError(erro.messages[0]) from None
        escolhida = None
        if operadora:
            escolhida = Operadora.objects.filter(codigo=normalizar_codigo(operadora)).first()
            if escolhida is None:
                raise CommandError(f"Operadora {operadora} não encontrada.")
            if not escolhida.ativo:
                raise CommandError(f"A operadora {escolhida.codigo} está inativa.")
        resultado = criar_processos_mensais(
            competencia=mes, operadora=escolhida, origem=Origem.COMANDO
        )
        self.stdout.write(self.style.SUCCESS(resultado.mensagem()))
