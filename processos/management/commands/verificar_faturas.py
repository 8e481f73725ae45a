"""Confere cada fatura guardada: o arquivo existe e bate com o SHA-256 registrado. Rode depois de
restaurar um backup (banco + volume das faturas). Sai com código 1 se falta ou mudou alguma."""

from django.core.management.base import BaseCommand, CommandError

from processos.fatura import Conferencia, conferir_guardada
from processos.models import Processo

GRAVES = {Conferencia.SUMIU, Conferencia.DIFERENTE}


class Command(BaseCommand):
    help = "Confere se cada fatura guardada existe no armazenamento e bate com o seu SHA-256."

    def handle(self, *args, **opcoes) -> None:
        processos = (
            Processo.objects.exclude(fatura="")
            .select_related("cliente")
            .only("id", "competencia", "fatura", "fatura_sha256", "cliente__razao_social")
            .order_by("competencia", "id")
        )
        conferidas, problemas = 0, 0
        for processo in processos.iterator(chunk_size=500):
            conferidas += 1
            resultado = conferir_guardada(processo)
            if resultado == Conferencia.OK:
                continue
            problemas += resultado in GRAVES
            self.stdout.write(
                f"{'ERRO' if resultado in GRAVES else 'AVISO'}: "
                f"{processo.cliente.razao_social} {processo.competencia:%m/%Y} "
                f"(processo {processo.pk}, arquivo {processo.fatura.name}): {resultado}"
            )
        self.stdout.write(f"{conferidas} fatura(s) conferida(s), {problemas} com problema.")
        if problemas:
            raise CommandError(
                f"{problemas} fatura(s) ausente(s) ou corrompida(s): restaure o volume das faturas "
                "do mesmo backup do banco."
            )
        self.stdout.write(self.style.SUCCESS("Todas as faturas estão íntegras."))
