"""O id de cada pedido: vem do proxy (`X-Request-ID`, se tem cara de id) ou é criado aqui; vai em
toda linha de log do pedido e volta no cabeçalho da resposta. Uma linha por pedido respondido."""

import logging
import re
import time
import uuid

from asgiref.sync import iscoroutinefunction, markcoroutinefunction

from nucleo import logs

logger = logging.getLogger("brm.pedidos")

ID_ACEITO = re.compile(r"[A-Za-z0-9._:-]{8,128}")
CABECALHO = "X-Request-ID"
# Sondas a cada poucos segundos não viram linha de log (só quando algo dá errado).
SONDAS = {"/healthz", "/readyz", "/metrics"}


def id_do_pedido(request) -> str:
    recebido = request.headers.get(CABECALHO, "")
    return recebido if ID_ACEITO.fullmatch(recebido) else uuid.uuid4().hex


class IdDoPedido:
    sync_capable = True
    async_capable = True

    def __init__(self, get_response) -> None:
        self.get_response = get_response
        if iscoroutinefunction(get_response):
            markcoroutinefunction(self)

    def __call__(self, request):
        if iscoroutinefunction(self):
            return self._acall(request)
        with logs.no_contexto(request_id=id_do_pedido(request), execucao_id="", job_id=""):
            inicio = time.monotonic()
            resposta = self.get_response(request)
            return self._responder(request, resposta, inicio)

    async def _acall(self, request):
        with logs.no_contexto(request_id=id_do_pedido(request), execucao_id="", job_id=""):
            inicio = time.monotonic()
            resposta = await self.get_response(request)
            return self._responder(request, resposta, inicio)

    def _responder(self, request, resposta, inicio: float):
        resposta[CABECALHO] = logs.atuais()["request_id"]
        if request.path in SONDAS and resposta.status_code == 200:
            return resposta
        logger.info(
            "%s %s %s",
            request.method,
            request.path,
            resposta.status_code,
            extra={
                "method": request.method,
                "path": request.path,
                "status": resposta.status_code,
                "duration_ms": round((time.monotonic() - inicio) * 1000, 1),
            },
        )
        return resposta
