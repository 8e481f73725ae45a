"""Controles de teste (rotas ``/__simulador/``): falhas injetadas, ajustes e contadores.

Nada disto existe na API real; serve para os testes provocarem e observarem os casos difíceis.
"""

import random
import threading
from collections import Counter, deque
from dataclasses import asdict, dataclass

from simulador.config import Configuracao

MODOS_HTTP = ("erro_500", "travar", "json_invalido", "corpo")
FORMAS_RESULTADO = ("string", "objeto", "objeto_parcial")


@dataclass
class FalhaHttp:
    modo: str  # um de MODOS_HTTP
    restantes: int
    prefixo: str = ""
    segundos: float = 0.0
    # Com processar, a chamada tem seu efeito (ex.: o job é criado) e só a resposta falha.
    processar: bool = False
    # Modo "corpo": a resposta é este JSON com este status.
    corpo: object = None
    status: int = 200
    # Fração das chamadas que a regra atinge (sorteio com semente fixa): 0,1 = uma em dez.
    taxa: float = 1.0


@dataclass
class ResultadoForcado:
    """O que muda nos próximos downloads concluídos (``/__simulador/falhas/resultado``)."""

    restantes: int
    operadora: str | None = None  # em maiúsculas; None vale para qualquer uma
    substituir_resultado: bool = False
    # Com substituir_resultado, o ``result`` do job; "{url}" em qualquer texto vira a URL da fatura.
    resultado: object = None
    pdf_cnpj: str | None = None
    pdf_filtro: str | None = None
    pdf: bool = True  # False: a fatura é servida com bytes que não são PDF

    def vale_para(self, operadora: str) -> bool:
        return self.operadora is None or self.operadora == operadora.upper()


class Controles:
    def __init__(self, config: Configuracao) -> None:
        self._config = config
        self._lock = threading.Lock()
        self.reset()

    def reset(self) -> None:
        with self._lock:
            self._sorteio = random.Random(self._config.semente or 0)
            self.falhas_http: list[FalhaHttp] = []
            self.resultados_forcados: list[ResultadoForcado] = []
            self.cortar_eventos_apos: int | None = None
            self.token_expirado = False
            self.jobs_a_falhar: dict[str, str | None] = {}
            self.proximos_a_falhar = 0
            self.erro_proximos: str | None = None
            self.forma_resultado: str | None = None
            self.velocidade = self._config.velocidade
            self.taxa_falha = self._config.taxa_falha
            self.pausado = False
            self.chamadas: Counter[str] = Counter()
            self.jobs_criados = 0
            self.jobs_por_operadora: Counter[str] = Counter()
            self.jobs_por_processo: Counter[str] = Counter()
            self.callbacks: deque[dict] = deque(maxlen=100)

    def adicionar_falha_http(self, falha: FalhaHttp) -> None:
        with self._lock:
            self.falhas_http.append(falha)

    def consumir_falha_http(self, caminho: str) -> FalhaHttp | None:
        """A primeira falha HTTP pendente que vale para ``caminho``, descontada uma vez."""
        with self._lock:
            for falha in self.falhas_http:
                if caminho.startswith(falha.prefixo) and self._sorteio.random() < falha.taxa:
                    falha.restantes -= 1
                    if falha.restantes <= 0:
                        self.falhas_http.remove(falha)
                    return falha
        return None

    def adicionar_resultado_forcado(self, regra: ResultadoForcado) -> None:
        with self._lock:
            self.resultados_forcados.append(regra)

    def consumir_resultado_forcado(self, operadora: str) -> ResultadoForcado | None:
        """A primeira regra pendente que vale para um download de ``operadora``, descontada."""
        with self._lock:
            for regra in self.resultados_forcados:
                if regra.vale_para(operadora):
                    regra.restantes -= 1
                    if regra.restantes <= 0:
                        self.resultados_forcados.remove(regra)
                    return regra
        return None

    def marcar_job(self, job_id: str, erro: str | None) -> None:
        with self._lock:
            self.jobs_a_falhar[job_id] = erro

    def falha_marcada(self, job_id: str) -> tuple[bool, str | None]:
        with self._lock:
            if job_id not in self.jobs_a_falhar:
                return False, None
            return True, self.jobs_a_falhar[job_id]

    def falhar_proximos(self, quantidade: int, erro: str | None) -> None:
        with self._lock:
            self.proximos_a_falhar = quantidade
            self.erro_proximos = erro

    def registrar_criacao(self, operadora: str, processo_id: str | None) -> tuple[bool, str | None]:
        """Conta um job criado; diz se ele deve falhar por ``falhar_proximos``."""
        with self._lock:
            self.jobs_criados += 1
            self.jobs_por_operadora[operadora] += 1
            if processo_id:
                self.jobs_por_processo[processo_id] += 1
            if self.proximos_a_falhar <= 0:
                return False, None
            self.proximos_a_falhar -= 1
            return True, self.erro_proximos

    def contar_chamada(self, chave: str) -> None:
        with self._lock:
            self.chamadas[chave] += 1

    def registrar_callback(self, registro: dict) -> None:
        with self._lock:
            self.callbacks.append(registro)

    def estado(self) -> dict:
        with self._lock:
            return {
                "chamadas": dict(self.chamadas),
                "jobs_criados": self.jobs_criados,
                "jobs_por_operadora": dict(self.jobs_por_operadora),
                "jobs_por_processo": dict(self.jobs_por_processo),
                "callbacks": list(self.callbacks),
                "falhas_http": [asdict(falha) for falha in self.falhas_http],
                "resultados_forcados": [asdict(regra) for regra in self.resultados_forcados],
                "cortar_eventos_apos": self.cortar_eventos_apos,
                "token_expirado": self.token_expirado,
                "jobs_a_falhar": sorted(self.jobs_a_falhar),
                "proximos_a_falhar": self.proximos_a_falhar,
                "forma_resultado": self.forma_resultado,
                "velocidade": self.velocidade,
                "taxa_falha": self.taxa_falha,
                "pausado": self.pausado,
            }
