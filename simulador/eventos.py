"""Central de eventos do fluxo ``GET /events/logs``: cada cliente recebe todos os eventos.

Cada inscrito tem uma fila limitada. Um cliente que não consome e enche a fila é encerrado
(ele reconecta), em vez de fazer o simulador acumular memória sem limite.
"""

import json
import logging
import threading
from collections import deque

logger = logging.getLogger(__name__)

LIMITE_FILA = 1000


class Inscrito:
    def __init__(self, limite: int = LIMITE_FILA) -> None:
        self._fila: deque[bytes] = deque()
        self._limite = limite
        self._cond = threading.Condition()
        self.encerrado = False

    def entregar(self, dados: bytes) -> None:
        with self._cond:
            if self.encerrado:
                return
            if len(self._fila) >= self._limite:
                logger.warning("Event stream client too slow; dropping it")
                self._fila.clear()
                self.encerrado = True
            else:
                self._fila.append(dados)
            self._cond.notify()

    def proximo(self, espera: float) -> bytes | None:
        """O próximo evento, ou None se nada chegou em ``espera`` segundos ou se encerrado."""
        with self._cond:
            if not self._fila and not self.encerrado and espera > 0:
                self._cond.wait(espera)
            if self.encerrado or not self._fila:
                return None
            return self._fila.popleft()

    def encerrar(self) -> None:
        with self._cond:
            self.encerrado = True
            self._cond.notify()


class CentralEventos:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._inscritos: set[Inscrito] = set()

    def inscrever(self) -> Inscrito:
        inscrito = Inscrito()
        with self._lock:
            self._inscritos.add(inscrito)
        return inscrito

    def cancelar(self, inscrito: Inscrito) -> None:
        inscrito.encerrar()
        with self._lock:
            self._inscritos.discard(inscrito)

    def publicar(self, evento: dict) -> None:
        dados = formatar(evento)
        with self._lock:
            inscritos = list(self._inscritos)
        for inscrito in inscritos:
            inscrito.entregar(dados)

    def conectados(self) -> int:
        with self._lock:
            return len(self._inscritos)

    def fechar(self) -> None:
        with self._lock:
            inscritos = list(self._inscritos)
            self._inscritos.clear()
        for inscrito in inscritos:
            inscrito.encerrar()


def formatar(evento: dict) -> bytes:
    """Um evento SSE: uma linha ``data:`` com o JSON e uma linha em branco, sem ``id:``."""
    return b"data: " + codificar_json(evento) + b"\n\n"


def codificar_json(dados: object) -> bytes:
    """JSON em UTF-8 numa linha só: controles (NUL, CR, LF...) saem escapados (``\\u0000``).

    Um substituto isolado (``"\\ud800"`` recebido num corpo JSON) não existe em UTF-8; nesse caso
    o texto todo sai escapado em ASCII, em vez de derrubar a resposta ou a thread do robô.
    """
    try:
        return json.dumps(dados, ensure_ascii=False).encode()
    except UnicodeEncodeError:
        return json.dumps(dados).encode()
