"""Aviso de término ao sistema de processos (o "callback" documentado pelos autores da API)."""

import json
import logging
import threading
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable

logger = logging.getLogger(__name__)

TIMEOUT_S = 5


def avisar_fim(
    base_url: str, processo_id: str, status: str, registrar: Callable[[dict], None]
) -> None:
    """POST ``{base_url}/api/processos/{processo_id}/status`` numa thread; falhas são ignoradas."""
    url = f"{base_url.rstrip('/')}/api/processos/{urllib.parse.quote(processo_id, safe='')}/status"
    threading.Thread(
        target=_enviar, args=(url, processo_id, status, registrar), daemon=True
    ).start()


def _enviar(url: str, processo_id: str, status: str, registrar: Callable[[dict], None]) -> None:
    pedido = urllib.request.Request(
        url,
        data=json.dumps({"status": status}).encode(),
        headers={"Content-Type": "application/json"},
        method="POST",
    )
    registro = {"processo_id": processo_id, "status": status, "url": url}
    try:
        with urllib.request.urlopen(pedido, timeout=TIMEOUT_S) as resposta:
            registro["resposta"] = resposta.status
    except urllib.error.HTTPError as erro:
        registro["resposta"] = erro.code
    except (OSError, ValueError) as erro:
        logger.info("Callback to %s failed: %s", url, erro)
        registro["erro"] = str(erro)
    registrar(registro)
