from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from clientes.importacao import ArquivoInvalido, importar_clientes


class Command(BaseCommand):
    help = (
        "Importa clientes da planilha CSV das operadoras (tudo ou nada, salvo --pular-invalidas)."
    )

    def add_arguments(self, parser):
        parser.add_argument("arquivo", type=Path)
        parser.add_argument("--dry-run", action="store_true", help="Só mostra o que aconteceria.")
        parser.add_argument(
            "--pular-invalidas", action="store_true", help="Importa as linhas boas, pula as ruins."
        )
        parser.add_argument(
            "--operadora-nova",
            action="append",
            default=[],
            metavar="CODIGO",
            help="Cria esta operadora mesmo parecida com uma existente (ex.: VIVO_PJ e VIVO).",
        )

    def handle(
        self,
        *args,
        arquivo: Path,
        dry_run: bool,
        pular_invalidas: bool,
        operadora_nova: list[str],
        **options,
    ):
        try:
            conteudo = arquivo.read_bytes()
        except OSError as erro:
            raise CommandError(f"Não foi possível ler {arquivo}: {erro.strerror}.") from None
        try:
            resultado = importar_clientes(
                conteudo,
                simular=dry_run,
                pular_invalidas=pular_invalidas,
                operadoras_confirmadas=frozenset(operadora_nova),
            )
        except ArquivoInvalido as erro:
            raise CommandError(str(erro)) from None
        for linha in resultado.invalidas:
            self.stderr.write(f"Linha {linha.numero}: {'; '.join(linha.erros)}")
        if resultado.invalidas and not pular_invalidas:
            raise CommandError(resultado.resumo())
        self.stdout.write(self.style.SUCCESS(resultado.resumo()))
