"""A bancada das garantias da issue 8: simuladores por HTTP, workers de verdade (`manage.py
worker`) e o verificador das propriedades que valem depois de qualquer teste.

Propriedades (conferidas com o sistema quieto):
  (a) cada job que o robô criou pertence a exatamente uma execução, a do processo para o qual foi
      criado; por processo, jobs criados == execuções que receberam um job;
  (b) o log gravado de cada execução é o log do robô, linha a linha, nenhuma duas vezes;
  (c) toda fatura guardada menciona o CNPJ (ou a conta/filtro) do cliente do seu processo;
  (d) nada fica PENDENTE nem EXECUTANDO.
"""

import io
import os
import re
import signal
import subprocess
import sys
import time
from collections import Counter, defaultdict
from dataclasses import dataclass
from pathlib import Path

import requests
from django.apps import apps
from django.conf import settings
from django.utils import timezone
from pypdf import PdfReader

from brm.fabricas import esperar, url_do_banco_de_teste
from execucoes.models import STATUS_ATIVOS, EstadoRPA, Execucao
from processos.acoes import Pedido, executar_download
from processos.models import Origem, Processo

# Tudo rápido: um download leva 0,5 a 1 s no simulador.
VELOCIDADE = 20.0
# Acima do prazo total de um POST (conexão 3,05 s + leitura 15 s): o worker recusa menos que isso.
ENVIO_SEM_RESPOSTA = 20.0
PRAZO_SOSSEGO = 30.0
PRAZO_LOG = 10.0

# O que o texto vindo do robô perde ao ser gravado (o PostgreSQL não aceita NUL).
CONTROLES = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\ud800-\udfff]")
# Linhas que o próprio sistema escreve no log de uma execução (não vêm do robô).
LINHAS_NOSSAS = (
    re.compile(r"^Job \S+ (criado|adotado)\b"),
    re.compile(r"^Execução cancelada"),
)


# --- Simulador -------------------------------------------------------------------------------
def controle(sim, nome: str, **dados) -> dict:
    """Um controle de teste do simulador (`/__simulador/<nome>`); falha se ele recusar."""
    resposta = requests.post(f"{sim.url}/__simulador/{nome}", json=dados, timeout=5)
    assert resposta.status_code == 200, (
        f"o simulador recusou /__simulador/{nome}: HTTP {resposta.status_code} {resposta.text[:200]}"
    )
    return resposta.json()


def estado(sim) -> dict:
    return requests.get(f"{sim.url}/__simulador/estado", timeout=5).json()


def api(sim, caminho: str) -> dict:
    """Uma rota da API RPA do simulador, com um token novo."""
    resposta = requests.get(
        f"{sim.url}{caminho}",
        headers={"Authorization": f"Bearer {sim.novo_token()}"},
        timeout=5,
    )
    assert resposta.status_code == 200, f"GET {caminho}: HTTP {resposta.status_code}"
    return resposta.json()


def jobs_do_robo(sim) -> list[dict]:
    return api(sim, "/jobs")["jobs"]


def logs_do_robo(sim, job_id: str) -> list[str]:
    return [linha["message"] for linha in api(sim, f"/jobs/{job_id}/logs")["logs"]]


def processo_do_job(sim, job_id: str) -> str | None:
    """Para qual processo o job foi criado (o `processo_id` do POST).

    A API não o publica (docs/api-rpa.md §1, `GET /jobs`); o simulador roda neste processo, então o
    teste o lê direto do motor.
    """
    motor = sim.contexto.motor
    with motor._cond:
        job = motor._jobs.get(job_id)
        return job.processo_id if job else None


# --- Workers ---------------------------------------------------------------------------------
class ProcessoWorker:
    """Um `manage.py worker` de verdade, no banco de testes, com a saída num arquivo."""

    def __init__(self, nome: str, ambiente: dict, pasta: Path) -> None:
        self.nome = nome
        self.arquivo = pasta / f"{nome}.log"
        self.saida = self.arquivo.open("w")
        self.processo = subprocess.Popen(
            [sys.executable, "manage.py", "worker", "--intervalo", "0.1"],
            cwd=settings.BASE_DIR,
            env=ambiente,
            stdout=self.saida,
            stderr=subprocess.STDOUT,
        )

    def texto(self) -> str:
        return self.arquivo.read_text(errors="replace")

    def no_ar(self) -> bool:
        if self.processo.poll() is not None:
            raise AssertionError(
                f"o {self.nome} saiu com código {self.processo.returncode}:\n{self.texto()[-3000:]}"
            )
        texto = self.texto()
        return "rodando" in texto or "started" in texto

    def encerrar(self) -> None:
        if self.processo.poll() is None:
            self.processo.send_signal(signal.SIGTERM)
            try:
                self.processo.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self.processo.kill()
                self.processo.wait(timeout=10)
        self.saida.close()


def ambiente_do_worker(sim, ajustes: dict) -> dict:
    return {
        **os.environ,
        "PYTHONUNBUFFERED": "1",
        "DATABASE_URL": url_do_banco_de_teste(),
        "DEBUG": "false",
        "LOG_LEVEL": "INFO",
        "MEDIA_ROOT": str(settings.MEDIA_ROOT),
        "API_EXTERNA_URL": sim.url,
        "API_EXTERNA_TOKEN": sim.novo_token(),
        "RPA_INTERVALO_CONSULTA_SEGUNDOS": "0.5",
        "RPA_ESPERA_BASE_SEGUNDOS": "0.2",
        "RPA_ENVIO_SEM_RESPOSTA_SEGUNDOS": str(ENVIO_SEM_RESPOSTA),
        **{nome: str(valor) for nome, valor in ajustes.items()},
    }


# --- A bancada -------------------------------------------------------------------------------
class Bancada:
    """Simuladores e workers de um teste, e as duplicatas que o teste declara esperadas."""

    def __init__(self, pasta: Path) -> None:
        self.pasta = pasta
        self.simuladores: list = []
        self.workers: list[ProcessoWorker] = []
        self.duplicatas: dict[str, str] = {}  # processo_id → por quê

    def simulador(self, velocidade: float = VELOCIDADE, semente: int = 8):
        from simulador.servidor import iniciar

        sim = iniciar(
            velocidade=velocidade,
            taxa_falha=0.0,
            semente=semente + len(self.simuladores),
            chave_renovacao="brm-dev-refresh",
        )
        self.simuladores.append(sim)
        return sim

    def iniciar_workers(self, sim, quantidade: int = 2, **ajustes) -> None:
        """Sobe os workers (variáveis de ambiente em `ajustes`) e espera o stream de eventos."""
        # Um agendamento que vencesse no meio criaria processos ou pediria downloads por conta
        # própria. Pelo registro de apps: `execucoes` não importa `agendamentos`, que está acima.
        apps.get_model("agendamentos", "Agendamento").objects.update(ativo=False)
        ambiente = ambiente_do_worker(sim, ajustes)
        novos = [
            ProcessoWorker(f"worker-{len(self.workers) + i + 1}", ambiente, self.pasta)
            for i in range(quantidade)
        ]
        self.workers += novos
        esperar(lambda: all(w.no_ar() for w in novos), prazo=30, mensagem="os workers não subiram")
        # O simulador não repete as linhas a quem conecta depois (conftest.worker).
        esperar(
            lambda: EstadoRPA.objects.filter(stream_conectado=True).exists(),
            prazo=20,
            mensagem="nenhum worker conectou ao stream de eventos",
        )

    def duplicata_documentada(self, processo, motivo: str) -> None:
        """Este processo pode ter mais jobs que execuções com job (o motivo vai no teste)."""
        self.duplicatas[str(processo.pk)] = motivo

    def encerrar(self) -> None:
        for worker in self.workers:
            worker.encerrar()
        for worker in self.workers:
            print(f"--- {worker.nome} ({worker.arquivo}), fim da saída:")
            print(worker.texto()[-4000:])
        for sim in self.simuladores:
            sim.parar()


# --- Ações e esperas -------------------------------------------------------------------------
def pedir_download(processo, usuario) -> Execucao:
    return executar_download(processo, Pedido(usuario=usuario, origem=Origem.WEB))


def esperar_job(execucao, prazo: float = 15.0) -> str:
    """O job_id da execução, assim que o worker o gravar."""

    def job_id():
        return Execucao.objects.filter(pk=execucao.pk).values_list("job_id", flat=True).first()

    return esperar(job_id, prazo=prazo, mensagem="a execução não recebeu um job do robô")


def esperar_fim(execucao, prazo: float = 20.0) -> Execucao:
    """A execução, quando terminar; falha dizendo onde ela ficou presa."""
    try:
        esperar(
            lambda: Execucao.objects.filter(pk=execucao.pk).exclude(status__in=STATUS_ATIVOS),
            prazo=prazo,
        )
    except AssertionError:
        presa = Execucao.objects.get(pk=execucao.pk)
        raise AssertionError(
            f"execução presa em {presa.status} depois de {prazo:g} s "
            f"(job {presa.job_id or '—'}, progresso {presa.progresso}%, erro {presa.erro!r})"
        ) from None
    return Execucao.objects.get(pk=execucao.pk)


def esperar_processos(processos, status: str, prazo: float) -> None:
    ids = [p.pk for p in processos]

    def chegaram():
        return Processo.objects.filter(pk__in=ids, status=status).count() == len(ids)

    try:
        esperar(chegaram, prazo=prazo, intervalo=0.2)
    except AssertionError:
        situacao = [
            f"processo {i + 1}: {p.status} ({_execucoes(p)})"
            for i, p in enumerate(Processo.objects.get(pk=pk) for pk in ids)
        ]
        raise AssertionError(
            f"nem todos chegaram a {status} em {prazo:g} s:\n  " + "\n  ".join(situacao)
        ) from None


def _execucoes(processo) -> str:
    return "; ".join(
        f"{e.status} job {e.job_id or '—'} {e.erro[:80]!r}"
        for e in processo.execucoes.order_by("criado_em")
    )


def texto_do_pdf(processo) -> str:
    with processo.fatura.open("rb") as arquivo:
        leitor = PdfReader(io.BytesIO(arquivo.read()))
    return "\n".join(pagina.extract_text() or "" for pagina in leitor.pages)


def menciona(cliente, texto: str) -> bool:
    """O texto menciona o CNPJ do cliente (com ou sem pontuação) ou a conta/filtro dele."""
    if cliente.cnpj_formatado in texto or re.search(rf"(?<!\d){cliente.cnpj}(?!\d)", texto):
        return True
    filtro = " ".join(cliente.filtro.split())
    return len(filtro) >= 4 and bool(
        re.search(rf"(?<![0-9A-Za-z]){re.escape(filtro)}(?![0-9A-Za-z])", texto)
    )


# --- As propriedades -------------------------------------------------------------------------
def verificar_propriedades(bancada: Bancada) -> None:
    problemas = _nada_em_andamento()
    if bancada.simuladores:
        jobs = _jobs(bancada)
        problemas += _donos_dos_jobs(bancada, jobs)
        problemas += divergencias_de_log(bancada, jobs)
    problemas += _faturas_do_proprio_cliente()
    if problemas:
        raise AssertionError("Garantias violadas:\n- " + "\n- ".join(problemas))


def _nada_em_andamento() -> list[str]:
    """(d), esperando o sistema sossegar."""
    try:
        esperar(
            lambda: not Execucao.objects.filter(status__in=STATUS_ATIVOS).exists(),
            prazo=PRAZO_SOSSEGO,
            intervalo=0.2,
        )
    except AssertionError:
        agora = timezone.now()
        return [
            f"(d) execução {e.pk} do processo {e.processo_id} ainda {e.status} {PRAZO_SOSSEGO:g} s "
            f"depois do teste (job {e.job_id or '—'}, criada há "
            f"{(agora - e.criado_em).total_seconds():.0f} s, erro {e.erro[:120]!r})"
            for e in Execucao.objects.filter(status__in=STATUS_ATIVOS)
        ]
    return []


@dataclass(frozen=True)
class JobDoRobo:
    sim: object
    job_id: str
    operadora: str
    processo_id: str | None


def _jobs(bancada: Bancada) -> dict[str, JobDoRobo]:
    return {
        job["job_id"]: JobDoRobo(
            sim, job["job_id"], job["operadora"], processo_do_job(sim, job["job_id"])
        )
        for sim in bancada.simuladores
        for job in jobs_do_robo(sim)
    }


def _donos_dos_jobs(bancada: Bancada, jobs: dict[str, JobDoRobo]) -> list[str]:
    """(a)"""
    problemas = []
    donos = defaultdict(list)
    for execucao in Execucao.objects.exclude(job_id=""):
        donos[execucao.job_id].append(execucao)
    for job in jobs.values():
        if job.processo_id in bancada.duplicatas and not donos[job.job_id]:
            continue
        if len(donos[job.job_id]) != 1:
            problemas.append(
                f"(a) o job {job.job_id} ({job.operadora}, criado para o processo "
                f"{job.processo_id}) pertence a {len(donos[job.job_id])} execuções"
            )
        elif job.processo_id and str(donos[job.job_id][0].processo_id) != job.processo_id:
            problemas.append(
                f"(a) o job {job.job_id} foi criado para o processo {job.processo_id}, mas foi "
                f"adotado pela execução do processo {donos[job.job_id][0].processo_id}"
            )
    for job_id, execucoes in donos.items():
        if job_id not in jobs:
            problemas.append(
                f"(a) a execução {execucoes[0].pk} diz ter o job {job_id}, que o robô não conhece"
            )
    criados = Counter()
    for sim in bancada.simuladores:
        criados.update(estado(sim)["jobs_por_processo"])
    com_job = Counter(
        str(pid)
        for pid in Execucao.objects.exclude(job_id="").values_list("processo_id", flat=True)
    )
    for processo_id in sorted(set(criados) | set(com_job)):
        if processo_id in bancada.duplicatas:
            continue
        if criados[processo_id] != com_job[processo_id]:
            problemas.append(
                f"(a) processo {processo_id}: o robô criou {criados[processo_id]} job(s), "
                f"{com_job[processo_id]} execução(ões) receberam um job"
            )
    return problemas


def _normal(mensagem: str) -> str:
    return CONTROLES.sub("", mensagem)


def _nossa(mensagem: str) -> bool:
    return any(padrao.search(mensagem) for padrao in LINHAS_NOSSAS)


def _diferencas_de_log(jobs: dict[str, JobDoRobo]) -> tuple[list[str], bool]:
    """As execuções cujo log gravado não é o do robô; e se há linhas a mais (isso não se desfaz)."""
    problemas, a_mais = [], False
    for execucao in Execucao.objects.exclude(job_id="").order_by("criado_em"):
        job = jobs.get(execucao.job_id)
        if job is None:
            continue
        robo = Counter(_normal(m) for m in logs_do_robo(job.sim, job.job_id))
        gravadas = Counter()
        estranhas = []
        for mensagem, chave in execucao.logs.values_list("mensagem", "chave"):
            mensagem = _normal(mensagem)
            if mensagem in robo:
                gravadas[mensagem] += 1
            elif not (chave.startswith(("avulsa:", "brm:")) or _nossa(mensagem)):
                estranhas.append(mensagem)
        sobra, falta = gravadas - robo, robo - gravadas
        if sobra or falta or estranhas:
            a_mais = a_mais or bool(sobra or estranhas)
            problemas.append(
                f"(b) execução {execucao.pk} (job {execucao.job_id}, {execucao.status}): "
                + "; ".join(
                    parte
                    for parte in (
                        sobra and f"gravadas a mais {dict(sobra)}",
                        falta and f"faltando {dict(falta)}",
                        estranhas and f"linhas que o robô não escreveu {estranhas}",
                    )
                    if parte
                )
            )
    return problemas, a_mais


def divergencias_de_log(bancada: Bancada, jobs: dict[str, JobDoRobo] | None = None) -> list[str]:
    """(b): linhas a mais acusam já; linhas faltando têm até PRAZO_LOG para chegar."""
    jobs = jobs if jobs is not None else _jobs(bancada)
    limite = time.monotonic() + PRAZO_LOG
    while True:
        problemas, a_mais = _diferencas_de_log(jobs)
        if not problemas or a_mais or time.monotonic() > limite:
            return problemas
        time.sleep(0.25)


def _faturas_do_proprio_cliente() -> list[str]:
    """(c)"""
    problemas = []
    for processo in Processo.objects.exclude(fatura="").select_related("cliente"):
        texto = texto_do_pdf(processo)
        if not menciona(processo.cliente, texto):
            problemas.append(
                f"(c) a fatura do processo {processo.pk} (cliente {processo.cliente.cnpj_formatado}, "
                f"conta {processo.cliente.filtro}) não menciona o cliente: {texto[:200]!r}"
            )
    return problemas
