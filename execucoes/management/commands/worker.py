import signal

from django.conf import settings
from django.core.management.base import BaseCommand

from execucoes import metricas_do_worker
from execucoes.worker import Worker


class Command(BaseCommand):
    help = "Roda o worker: despacha execuções, segue o stream de logs e aplica os desfechos."

    def add_arguments(self, parser):
        parser.add_argument("--intervalo", type=float, default=0.25, help="Segundos entre voltas.")
        parser.add_argument(
            "--sem-eventos", action="store_true", help="Não segue o stream de logs da API."
        )

    def handle(self, *args, intervalo: float, sem_eventos: bool, **options):
        worker = Worker(intervalo=intervalo, desligados={"eventos"} if sem_eventos else ())

        def parar(sinal, quadro):
            self.stdout.write("Encerrando o worker…")
            worker.parar.set()

        signal.signal(signal.SIGTERM, parar)
        signal.signal(signal.SIGINT, parar)
        if settings.METRICAS_PORTA_WORKER:
            metricas_do_worker.servir(
                settings.METRICAS_PORTA_WORKER, settings.METRICAS_ENDERECO_WORKER
            )
        self.stdout.write(f"Worker {worker.nome} rodando (Ctrl+C para parar).")
        worker.rodar()
