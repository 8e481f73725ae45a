"""Motor de jobs: fila FIFO, no máximo 5 em execução, roteiros no tempo simulado, purga."""

import random
import threading
import time
import uuid
from collections import Counter, deque
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from simulador.avisos import avisar_fim
from simulador.config import Configuracao
from simulador.eventos import CentralEventos
from simulador.falhas import Controles
from simulador.pdf import Fatura
from simulador.roteiros import LOGGER_API, Roteiro, roteiro_download, roteiro_sat

PENDING, RUNNING, COMPLETED, FAILED = "PENDING", "RUNNING", "COMPLETED", "FAILED"
MAX_SIMULTANEOS = 5
ESPERA_FINAL_S = 0.3  # entre "resultado capturado" (95) e o fim (100)
INTERVALO_STATUS_S = 5.0
INTERVALO_MINIMO_S = 0.05


def agora() -> datetime:
    """UTC sem fuso, como a API real grava."""
    return datetime.now(UTC).replace(tzinfo=None)


def iso(momento: datetime | None) -> str | None:
    return momento.isoformat(timespec="seconds") if momento else None


def iso_evento(momento: datetime) -> str:
    return momento.isoformat(timespec="milliseconds") + "Z"


@dataclass
class LinhaLog:
    timestamp: datetime
    nivel: str
    mensagem: str


@dataclass(eq=False)
class Job:
    job_id: str
    tipo: str  # "download" ou "sat"
    operadora: str
    dados: dict[str, str]  # sem a senha
    processo_id: str | None
    base_url: str
    roteiro: Roteiro
    status: str = PENDING
    progress: int = 0
    result: object = None
    error: str | None = None
    created_at: datetime = field(default_factory=agora)
    started_at: datetime | None = None
    completed_at: datetime | None = None
    logs: list[LinhaLog] = field(default_factory=list)
    purgado: bool = False

    def como_status(self) -> dict:
        return {
            "job_id": self.job_id,
            "operadora": self.operadora,
            "status": self.status,
            "progress": self.progress,
            "result": self.result,
            "error": self.error,
            "created_at": iso(self.created_at),
            "started_at": iso(self.started_at),
            "completed_at": iso(self.completed_at),
            "logs": self.logs_json(),
        }

    def como_resumo(self) -> dict:
        return {
            "job_id": self.job_id,
            "operadora": self.operadora,
            "status": self.status,
            "progress": self.progress,
            "created_at": iso(self.created_at),
        }

    def logs_json(self) -> list[dict]:
        return [
            {"timestamp": iso(linha.timestamp), "message": linha.mensagem} for linha in self.logs
        ]

    def envelhecer(self, delta: timedelta) -> None:
        self.created_at -= delta
        self.started_at = self.started_at and self.started_at - delta
        self.completed_at = self.completed_at and self.completed_at - delta
        for linha in self.logs:
            linha.timestamp -= delta


class Motor:
    def __init__(self, config: Configuracao, controles: Controles, central: CentralEventos) -> None:
        self._config = config
        self._controles = controles
        self._central = central
        self._cond = threading.Condition()
        self._parada = threading.Event()
        self._jobs: dict[str, Job] = {}
        self._fila: deque[Job] = deque()
        self._faturas: dict[str, Fatura] = {}
        self._criados = 0
        # Simultaneidade (controle de teste): um job conta da criação até terminar ou ser purgado.
        self._em_curso: dict[str, str] = {}  # job_id → operadora
        self._agora: Counter[str] = Counter()
        self._picos: Counter[str] = Counter()
        self._pico_total = 0
        semente = config.semente
        self._semente = random.SystemRandom().getrandbits(64) if semente is None else semente
        self._threads: list[threading.Thread] = []

    def iniciar(self) -> None:
        for numero in range(MAX_SIMULTANEOS):
            self._disparar(self._trabalhar, f"simulador-robo-{numero}")
        self._disparar(self._vigiar, "simulador-vigia")

    def _disparar(self, alvo: Callable[[], None], nome: str) -> None:
        thread = threading.Thread(target=alvo, name=nome, daemon=True)
        thread.start()
        self._threads.append(thread)

    def parar(self) -> None:
        self._parada.set()
        self.acordar()
        for thread in self._threads:
            thread.join(timeout=2)

    def acordar(self) -> None:
        """Reavaliar pausa e velocidade depois de uma mudança nos controles."""
        with self._cond:
            self._cond.notify_all()

    # Criação e consulta

    def criar(
        self,
        *,
        tipo: str,
        operadora: str,
        dados: dict[str, str],
        processo_id: str | None,
        base_url: str,
    ) -> Job:
        # Tudo numa seção só: a ordem da fila é a da numeração que sorteia o roteiro.
        with self._cond:
            forcado, erro = self._controles.registrar_criacao(operadora, processo_id)
            self._criados += 1
            rng = random.Random(f"{self._semente}:{self._criados}")
            # O sorteio acontece sempre, para a sequência não depender das falhas forçadas.
            falhar = rng.random() < self._controles.taxa_falha or forcado
            job = Job(
                job_id=str(uuid.uuid4()),
                tipo=tipo,
                operadora=operadora,
                dados=dados,
                processo_id=processo_id,
                base_url=base_url,
                roteiro=_roteiro(rng, tipo, operadora, dados, falhar=falhar, erro=erro),
            )
            self._jobs[job.job_id] = job
            self._fila.append(job)
            self._comecou(job)
            self._log(job, "INFO", f"Job criado para operadora {operadora}", LOGGER_API)
            self._cond.notify_all()
        return job

    def status(self, job_id: str) -> dict | None:
        with self._cond:
            self._purgar_vencidos()
            job = self._jobs.get(job_id)
            return job.como_status() if job else None

    def logs(self, job_id: str) -> list[dict] | None:
        with self._cond:
            self._purgar_vencidos()
            job = self._jobs.get(job_id)
            return job.logs_json() if job else None

    def listar(self) -> list[dict]:
        with self._cond:
            self._purgar_vencidos()
            return [job.como_resumo() for job in self._jobs.values()]

    def contagens(self) -> dict[str, int]:
        with self._cond:
            self._purgar_vencidos()
            estados = [job.status for job in self._jobs.values()]
        return {
            "jobs_pending": estados.count(PENDING),
            "jobs_active": estados.count(RUNNING),
            "jobs_done": estados.count(COMPLETED) + estados.count(FAILED),
        }

    def simultaneidade(self) -> dict:
        """Jobs em curso agora e o maior número visto, por operadora e no total."""
        with self._cond:
            return {
                "jobs_simultaneos": {op: n for op, n in self._agora.items() if n},
                "jobs_simultaneos_total": len(self._em_curso),
                "pico_jobs_simultaneos": dict(self._picos),
                "pico_jobs_simultaneos_total": self._pico_total,
            }

    def zerar_picos(self) -> None:
        """Os picos recomeçam do que está em curso agora (os jobs não somem num reset)."""
        with self._cond:
            self._picos = Counter({op: n for op, n in self._agora.items() if n})
            self._pico_total = len(self._em_curso)

    def _comecou(self, job: Job) -> None:
        self._em_curso[job.job_id] = job.operadora
        self._agora[job.operadora] += 1
        self._picos[job.operadora] = max(self._picos[job.operadora], self._agora[job.operadora])
        self._pico_total = max(self._pico_total, len(self._em_curso))

    def _terminou(self, job: Job) -> None:
        if (operadora := self._em_curso.pop(job.job_id, None)) is not None:
            self._agora[operadora] -= 1

    def fatura(self, caminho: str) -> Fatura | None:
        with self._cond:
            return self._faturas.get(caminho)

    # Controles de teste

    def purgar(self) -> int:
        with self._cond:
            return self._purgar_vencidos()

    def envelhecer(self, horas: float) -> int:
        delta = timedelta(hours=horas)
        with self._cond:
            for job in self._jobs.values():
                job.envelhecer(delta)
            return len(self._jobs)

    def situacao(self, job_id: str) -> str | None:
        with self._cond:
            job = self._jobs.get(job_id)
            return job.status if job else None

    def registrar_log(self, job_id: str, nivel: str, mensagem: str) -> str | None:
        """Acrescenta uma linha ao log de um job não terminado; devolve o status (None: não existe).

        Um job já terminado não ganha a linha: quem chama confere o status devolvido.
        """
        with self._cond:
            job = self._jobs.get(job_id)
            if job is None:
                return None
            if job.status not in (COMPLETED, FAILED):
                self._log(job, nivel, mensagem, f"app.rpa.{job.operadora.lower()}")
            return job.status

    # Execução

    def _trabalhar(self) -> None:
        while True:
            with self._cond:
                while not self._parada.is_set() and (self._controles.pausado or not self._fila):
                    self._cond.wait()
                if self._parada.is_set():
                    return
                job = self._fila.popleft()
                job.status = RUNNING
                job.started_at = agora()
            self._executar(job)

    def _executar(self, job: Job) -> None:
        roteiro = job.roteiro
        for indice, passo in enumerate(roteiro.passos):
            if not self._aguardar(passo.espera) or job.purgado:
                return
            marcado, erro = self._controles.falha_marcada(job.job_id)
            if marcado or indice == roteiro.falha_no_passo:
                self._finalizar(job, FAILED, erro=erro or roteiro.erro)
                return
            with self._cond:
                if passo.progresso is not None:
                    job.progress = passo.progresso
                self._log(job, passo.nivel, passo.mensagem, passo.logger)
        if self._aguardar(ESPERA_FINAL_S) and not job.purgado:
            self._finalizar(job, COMPLETED)

    def _aguardar(self, segundos: float) -> bool:
        """Espera ``segundos`` de tempo simulado; False se o simulador está parando."""
        restante = segundos
        with self._cond:
            while restante > 0 and not self._parada.is_set():
                if self._controles.pausado:
                    self._cond.wait()
                    continue
                velocidade = self._controles.velocidade
                inicio = time.monotonic()
                self._cond.wait(restante / velocidade)
                restante -= (time.monotonic() - inicio) * velocidade
        return not self._parada.is_set()

    def _finalizar(self, job: Job, status: str, *, erro: str | None = None) -> None:
        with self._cond:
            if status == COMPLETED:
                job.result = self._resultado(job)
                job.progress = 100
            else:
                job.error = erro
                self._log(job, "ERROR", erro or "", f"app.rpa.{job.operadora.lower()}")
            job.status = status
            job.completed_at = agora()
            self._terminou(job)
            # A linha final vem depois do status gravado: quem a lê já acha o job terminado.
            self._log(job, "WARN", f"Job {job.job_id} concluído com status {status}", LOGGER_API)
        url = self._config.processo_api_url
        if job.processo_id and url:
            avisar_fim(url, job.processo_id, status, self._controles.registrar_callback)

    def _resultado(self, job: Job) -> object:
        roteiro = job.roteiro
        if job.tipo == "sat":
            return roteiro.protocolo
        regra = self._controles.consumir_resultado_forcado(job.operadora)
        caminho = f"faturas/{job.operadora.lower()}_{job.job_id}.pdf"
        cnpj, filtro = job.dados["cnpj"], job.dados["filtro"]
        if regra and regra.pdf_cnpj is not None:
            cnpj = regra.pdf_cnpj  # o robô trouxe a fatura de outro cliente
        if regra and regra.pdf_filtro is not None:
            filtro = regra.pdf_filtro
        self._faturas[caminho] = Fatura(
            operadora=job.operadora,
            cnpj=cnpj,
            filtro=filtro,
            competencia=roteiro.competencia,
            valor=roteiro.valor,
            vencimento=roteiro.vencimento,
            job_id=job.job_id,
            pdf_valido=regra.pdf if regra else True,
        )
        url = f"{job.base_url}/arquivos/{caminho}"
        if regra and regra.substituir_resultado:
            return _com_url(regra.resultado, url)
        forma = self._controles.forma_resultado or roteiro.forma
        if forma == "string":
            return url
        if forma == "objeto_parcial":
            return {"arquivo_fatura": url}
        return {
            "arquivo_fatura": url,
            "valor_fatura": roteiro.valor,
            "data_vencimento": roteiro.vencimento.isoformat(),
        }

    def _log(self, job: Job, nivel: str, mensagem: str, logger: str) -> None:
        linha = LinhaLog(agora(), nivel, mensagem)
        job.logs.append(linha)
        self._central.publicar(
            {
                "type": "log",
                "level": nivel,
                "message": mensagem,
                "operadora": job.operadora,
                "job_id": job.job_id,
                "timestamp": iso_evento(linha.timestamp),
                "service": "rpa-api",
                "logger": logger,
            }
        )

    def _purgar_vencidos(self) -> int:
        limite = agora() - timedelta(hours=self._config.purga_horas)
        vencidos = [job for job in self._jobs.values() if job.created_at < limite]
        for job in vencidos:
            del self._jobs[job.job_id]
            self._terminou(job)
            job.purgado = True  # um job ainda rodando pára no próximo passo e libera a vaga
            if job in self._fila:
                self._fila.remove(job)
        ids = {job.job_id for job in vencidos}
        # "Todos os seus endpoints respondem 404" (docs/api-rpa.md §1): a fatura também.
        self._faturas = {c: f for c, f in self._faturas.items() if f.job_id not in ids}
        return len(vencidos)

    def _vigiar(self) -> None:
        """Purga periódica e o evento ``system_status`` (a cada 5 s simulados)."""
        while not self._parada.wait(self._intervalo(INTERVALO_STATUS_S)):
            contagens = self.contagens()
            self._central.publicar(
                {"type": "system_status", **contagens, "timestamp": iso_evento(agora())}
            )

    def _intervalo(self, segundos: float) -> float:
        return max(INTERVALO_MINIMO_S, segundos / self._controles.velocidade)


def _com_url(valor: object, url: str) -> object:
    """``valor`` com ``{url}`` trocado por ``url`` em todo texto (chaves e valores, recursivo)."""
    if isinstance(valor, str):
        return valor.replace("{url}", url)
    if isinstance(valor, list):
        return [_com_url(item, url) for item in valor]
    if isinstance(valor, dict):
        return {_com_url(chave, url): _com_url(item, url) for chave, item in valor.items()}
    return valor


def _roteiro(
    rng: random.Random,
    tipo: str,
    operadora: str,
    dados: dict[str, str],
    *,
    falhar: bool,
    erro: str | None,
) -> Roteiro:
    hoje = agora().date()
    if tipo == "sat":
        return roteiro_sat(rng, dados=dados, falhar=falhar, erro=erro, hoje=hoje)
    return roteiro_download(
        rng,
        operadora=operadora,
        login=dados["login"],
        filtro=dados["filtro"],
        falhar=falhar,
        erro=erro,
        hoje=hoje,
    )
