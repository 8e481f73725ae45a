"""Capacidade do robô (issue 12): um agendamento "Baixar as faturas" põe 10.000 downloads na fila
de uma vez, em 4 operadoras com capacidade 10 cada, contra o simulador em alta velocidade, com dois
`manage.py worker` de verdade no PostgreSQL (BENCH_DATABASE_URL). Ninguém clica: o worker vê o
horário do agendamento chegar, enfileira e despacha.

Mede: o pico de jobs simultâneos de cada operadora, contado pelo próprio simulador (meta ≤ 10,
PASS/FAIL), o tempo total até a fila esvaziar, o tempo do horário do agendamento até o primeiro
job criado, o custo de enfileirar e de reivindicar com a fila cheia, e se cada execução teve um
job só.

`CAPACIDADE_DOWNLOADS` muda o tamanho (padrão 10.000) numa máquina pequena.
"""

import datetime as dt
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import requests
from django.conf import settings

from bench.ambiente import tabela

DOWNLOADS = int(os.environ.get("CAPACIDADE_DOWNLOADS", "10000"))
OPERADORAS = ("VIVO", "OI", "EMBRATEL", "DIGITALNET")
CAPACIDADE = 10
LIMITE_GLOBAL = 40  # a soma das capacidades: quem limita aqui é cada operadora
VELOCIDADE = 200.0
NOME_DO_AGENDAMENTO = "Bench: downloads do mês"


def _povoar() -> list:
    """Clientes e processos do mês; metade dos clientes com o vencimento do mês anterior."""
    from stdnum.br import cnpj

    from clientes.models import Cliente
    from operadoras.models import Operadora
    from processos.competencia import competencia_atual, mes_anterior
    from processos.models import Processo, StatusProcesso

    competencia = competencia_atual()

    operadoras = []
    for codigo in OPERADORAS:
        operadora, _ = Operadora.objects.update_or_create(
            codigo=codigo,
            defaults={"nome": codigo, "possui_rpa": True, "jobs_simultaneos": CAPACIDADE},
        )
        operadoras.append(operadora)
    clientes = []
    for numero in range(DOWNLOADS):
        base = f"{numero + 30_000_000:08d}0001"
        clientes.append(
            Cliente(
                hash_unico=f"capacidade{numero}",
                razao_social=f"CAPACIDADE {numero} LTDA",
                cnpj=base + cnpj.calc_check_digits(base),
                operadora=operadoras[numero % len(operadoras)],
                filtro=f"CONTA-{numero:06d}",
                servico="Internet",
                login_portal="financeiro@x.example",
                senha_portal="senha",
            )
        )
    clientes = Cliente.objects.bulk_create(clientes, batch_size=1000)
    anterior = mes_anterior(competencia)
    Processo.objects.bulk_create(
        [
            Processo(
                cliente=c,
                competencia=anterior,
                status=StatusProcesso.UPLOAD_REALIZADO,
                vencimento=anterior.replace(day=1 + numero % 28),
            )
            for numero, c in enumerate(clientes[::2])
        ],
        batch_size=1000,
    )
    return Processo.objects.bulk_create(
        [Processo(cliente=c, competencia=competencia) for c in clientes], batch_size=1000
    )


def _enfileirar_downloads(processos) -> dt.datetime:
    """As execuções PENDENTES, como `executar_download` as cria, num INSERT só."""
    from django.db import transaction
    from django.utils import timezone

    from execucoes.models import Execucao, TipoExecucao
    from execucoes.parametros import parametros_mascarados
    from processos.models import Processo

    with transaction.atomic():
        Execucao.objects.bulk_create(
            [
                Execucao(
                    processo=p,
                    tipo=TipoExecucao.DOWNLOAD_FATURA,
                    parametros_entrada=parametros_mascarados(TipoExecucao.DOWNLOAD_FATURA, p),
                )
                for p in Processo.objects.filter(pk__in=[p.pk for p in processos]).select_related(
                    "cliente__operadora"
                )
            ],
            batch_size=2000,
        )
        Processo.objects.filter(pk__in=[p.pk for p in processos]).update(
            ultima_execucao_falhou=False
        )
        return timezone.now()


def _agendar_downloads() -> dt.datetime:
    """O agendamento que baixa as faturas do mês de todas as operadoras, com o horário daqui a
    dois segundos (como o demo faz); devolve o horário."""
    from django.utils import timezone

    from agendamentos.models import Agendamento, TipoAgendamento

    horario = timezone.now() + dt.timedelta(seconds=2)
    agendamento = Agendamento.objects.create(
        nome=NOME_DO_AGENDAMENTO, tipo=TipoAgendamento.BAIXAR_FATURAS, expressao="0 0 1 1 *"
    )
    Agendamento.objects.filter(pk=agendamento.pk).update(proxima_em=horario)
    return horario


def _custos_da_fila() -> tuple[float, float]:
    """Enfileirar todas (um UPDATE) e reivindicar a próxima com a fila cheia (mediana, ms)."""
    from django.db import transaction
    from django.utils import timezone

    from execucoes import fila

    inicio = time.perf_counter()
    fila.enfileirar()
    enfileirar = (time.perf_counter() - inicio) * 1000
    tempos = []
    for _ in range(30):
        inicio = time.perf_counter()
        with transaction.atomic():
            fila.travar_o_despacho()
            assert fila.proxima(timezone.now()).select_for_update(skip_locked=True).first()
        tempos.append((time.perf_counter() - inicio) * 1000)
    return enfileirar, statistics.median(tempos)


class Workers:
    """Dois `manage.py worker` no banco do benchmark, falando com o simulador."""

    def __init__(self, sim, pasta: Path) -> None:
        from django.db import connection

        dados = connection.settings_dict
        url = (
            f"postgres://{dados['USER']}:{dados['PASSWORD']}@{dados['HOST']}:{dados['PORT']}"
            f"/{dados['NAME']}"
        )
        self.ambiente = {
            **os.environ,
            "DATABASE_URL": url,
            "DEBUG": "false",
            "LOG_LEVEL": "WARNING",
            "MEDIA_ROOT": str(pasta / "media"),
            "API_EXTERNA_URL": sim.url,
            "API_EXTERNA_TOKEN": sim.novo_token(),
            "RPA_JOBS_SIMULTANEOS": str(LIMITE_GLOBAL),
            "RPA_INTERVALO_CONSULTA_SEGUNDOS": "0.5",
            "RPA_MAX_TENTATIVAS": "1",
        }
        self.saidas = [(pasta / f"worker-{n}.log").open("w") for n in (1, 2)]
        self.processos: list[subprocess.Popen] = []

    def __enter__(self) -> "Workers":
        from agendamentos.models import Agendamento
        from execucoes.models import Arrendamento, EstadoRPA

        # Só o agendamento do benchmark roda (a criação mensal da migração, não).
        Agendamento.objects.update(ativo=False)
        Arrendamento.objects.all().delete()
        EstadoRPA.objects.update_or_create(id=1, defaults={"stream_conectado": False})
        for saida in self.saidas:
            self.processos.append(
                subprocess.Popen(
                    [sys.executable, "manage.py", "worker", "--intervalo", "0.05"],
                    cwd=settings.BASE_DIR,
                    env=self.ambiente,
                    stdout=saida,
                    stderr=subprocess.STDOUT,
                )
            )
        limite = time.monotonic() + 60
        while not EstadoRPA.objects.filter(stream_conectado=True).exists():
            if time.monotonic() > limite:
                raise RuntimeError("nenhum worker conectou ao stream de eventos")
            time.sleep(0.1)
        return self

    def __exit__(self, *erro) -> None:
        for processo in self.processos:
            processo.terminate()
        for processo in self.processos:
            try:
                processo.wait(timeout=20)
            except subprocess.TimeoutExpired:
                processo.kill()
        for saida in self.saidas:
            saida.close()


def _esperar_o_agendamento(prazo: float) -> None:
    """Até um worker rodar o agendamento (ele enfileira tudo numa transação só)."""
    from agendamentos.models import ExecucaoAgendamento, Resultado

    limite = time.monotonic() + prazo
    rodadas = ExecucaoAgendamento.objects.filter(agendamento__nome=NOME_DO_AGENDAMENTO)
    while not rodadas.exclude(resultado=Resultado.EM_ANDAMENTO).exists():
        if time.monotonic() > limite:
            raise RuntimeError("nenhum worker rodou o agendamento no prazo")
        time.sleep(0.2)


def _esperar_esvaziar(processos, prazo: float) -> None:
    from execucoes.models import STATUS_ATIVOS, Execucao

    limite = time.monotonic() + prazo
    while Execucao.objects.filter(processo__in=processos, status__in=STATUS_ATIVOS).exists():
        if time.monotonic() > limite:
            raise RuntimeError("execuções ainda na fila no fim do prazo")
        time.sleep(0.5)


def rodar() -> None:
    from django.db import connection
    from django.db.models import Min

    from execucoes.models import Execucao, StatusExecucao
    from simulador.servidor import iniciar

    if connection.vendor != "postgresql":
        print("\nCapacidade do robô: só no PostgreSQL (BENCH_DATABASE_URL); pulado.")
        return
    pasta = Path(tempfile.mkdtemp(prefix="brm-bench-capacidade-"))
    processos = _povoar()
    with iniciar(velocidade=VELOCIDADE, taxa_falha=0.0, semente=12) as sim:
        with Workers(sim, pasta):
            requests.post(f"{sim.url}/__simulador/reset", json={}, timeout=5)
            chegada = _agendar_downloads()
            inicio = time.perf_counter()
            _esperar_o_agendamento(prazo=300.0)
            _esperar_esvaziar(processos, prazo=max(900.0, DOWNLOADS * 0.3))
            total = time.perf_counter() - inicio
        estado = requests.get(f"{sim.url}/__simulador/estado", timeout=5).json()
    from agendamentos.models import ExecucaoAgendamento

    rodada = ExecucaoAgendamento.objects.get(agendamento__nome=NOME_DO_AGENDAMENTO)
    execucoes = Execucao.objects.filter(processo__in=processos)
    primeiro = execucoes.aggregate(primeiro=Min("iniciada_em"))["primeiro"]
    concluidas = execucoes.filter(status=StatusExecucao.CONCLUIDO).count()
    por_processo = estado["jobs_por_processo"]
    um_job_cada = all(por_processo.get(str(p.pk)) == 1 for p in processos)
    picos = estado["pico_jobs_simultaneos"]

    linhas = [("medida", "valor", "meta", "")]
    for codigo in OPERADORAS:
        pico = picos.get(codigo, 0)
        linhas.append(
            (
                f"pico de jobs simultâneos — {codigo}",
                pico,
                f"≤ {CAPACIDADE}",
                "PASS" if pico <= CAPACIDADE else "FAIL",
            )
        )
    pico_total = estado["pico_jobs_simultaneos_total"]
    linhas += [
        (
            "pico de jobs simultâneos — todas",
            pico_total,
            f"≤ {LIMITE_GLOBAL}",
            "PASS" if pico_total <= LIMITE_GLOBAL else "FAIL",
        ),
        (
            "horário do agendamento → primeiro job criado",
            f"{(primeiro - chegada).total_seconds():.2f} s" if primeiro else "—",
            "",
            "",
        ),
        (
            "o agendamento enfileirou",
            f"{rodada.itens} em {(rodada.terminado_em - rodada.iniciado_em).total_seconds():.1f} s",
            f"{DOWNLOADS}",
            "PASS" if rodada.itens == DOWNLOADS else "FAIL",
        ),
        ("tempo total (fila vazia)", f"{total:.0f} s", "", ""),
        ("ritmo", f"{DOWNLOADS / total:.1f} downloads/s", "", ""),
        (
            "concluídas, um job cada",
            f"{concluidas}/{DOWNLOADS}, {'sim' if um_job_cada else 'NÃO'}",
            "todas, sim",
            "PASS" if concluidas == DOWNLOADS and um_job_cada else "FAIL",
        ),
    ]
    tabela(
        f"Capacidade do robô — {DOWNLOADS} downloads, {len(OPERADORAS)} operadoras com "
        f"capacidade {CAPACIDADE}, simulador a {VELOCIDADE:g}×, dois workers "
        f"({connection.vendor})",
        linhas,
    )
    _medir_a_fila_cheia(processos)


def _medir_a_fila_cheia(processos) -> None:
    """O custo de enfileirar e de reivindicar com todos os downloads ainda na fila."""
    from django.db import connection

    from execucoes.models import Execucao, StatusExecucao
    from processos.models import Processo

    Execucao.objects.filter(processo__in=processos).delete()
    Processo.objects.filter(pk__in=[p.pk for p in processos]).update(status="AGUARDANDO_DOWNLOAD")
    _enfileirar_downloads(processos)
    enfileirar, reivindicar = _custos_da_fila()
    pendentes = Execucao.objects.filter(status=StatusExecucao.PENDENTE).count()
    tabela(
        f"Fila cheia — {pendentes} pendentes ({connection.vendor})",
        [
            ("medida", "ms"),
            ("enfileirar todas (um UPDATE)", f"{enfileirar:.0f}"),
            ("reivindicar a próxima (mediana de 30)", f"{reivindicar:.1f}"),
        ],
    )
