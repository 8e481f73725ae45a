"""A fatura que o robô devolve: buscar o PDF e conferir que ele é do cliente do processo.

A conferência é a última guarda de "nunca a fatura de outro cliente": seja qual for o caminho
(job adotado, robô confuso, resposta trocada), uma fatura só é anexada se o texto do PDF menciona o
CNPJ do cliente ou a sua conta/filtro.
"""

import logging
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import SuspiciousFileOperation
from django.core.files.storage import storages

from execucoes.rpa import ClienteRPA
from processos.fatura import FaturaInvalida, texto_do_pdf

logger = logging.getLogger(__name__)


class FaturaDeOutroCliente(FaturaInvalida):
    pass


@dataclass(frozen=True)
class Conferencia:
    """O resultado da conferência, guardado na execução e mostrado na página do processo."""

    ok: bool
    mensagem: str

    def como_json(self) -> dict:
        return {"ok": self.ok, "mensagem": self.mensagem}


def ler_pdf(cliente: ClienteRPA, origem: str) -> bytes:
    """O PDF de uma URL (regras de host em `ClienteRPA.baixar_arquivo`) ou de uma chave no
    armazenamento compartilhado onde os robôs gravam (docs/api-rpa.md §1)."""
    if origem.startswith(("http://", "https://")):
        return cliente.baixar_arquivo(origem)
    armazenamento = storages["faturas_rpa"]
    # As mensagens vão para a equipe: nunca com o caminho no disco do servidor (só no log).
    try:
        if not armazenamento.exists(origem):
            raise FaturaInvalida(f"o arquivo “{origem}” não está no armazenamento de faturas")
        with armazenamento.open(origem, "rb") as arquivo:
            return arquivo.read(settings.TAMANHO_MAXIMO_FATURA + 1)
    except SuspiciousFileOperation:
        raise FaturaInvalida(
            "o robô indicou um arquivo fora do armazenamento de faturas; nada foi lido"
        ) from None
    except OSError as erro:
        logger.warning("Could not read invoice %r from storage: %s", origem, erro)
        raise FaturaInvalida(
            f"não foi possível ler o arquivo “{origem}” do armazenamento de faturas"
        ) from None


def conferir_cliente(cliente_do_processo, pdf: bytes) -> Conferencia:
    """A conferência aprovada, ou FaturaDeOutroCliente com a explicação."""
    texto = texto_do_pdf(pdf)
    identificacao = _identificacao(cliente_do_processo)
    if not texto.strip():
        raise FaturaDeOutroCliente(
            "não foi possível ler o texto do PDF para conferir se a fatura é do cliente "
            f"({identificacao}); nada foi anexado — confira o arquivo e envie a fatura à mão"
        )
    mencao = cliente_do_processo.mencao_em(texto)
    if not mencao:
        raise FaturaDeOutroCliente(
            f"o PDF não menciona o cliente deste processo ({identificacao}); nada foi anexado — "
            "o robô pode ter trazido a fatura de outro cliente"
        )
    return Conferencia(True, f"A fatura menciona o {mencao} do cliente.")


def _identificacao(cliente) -> str:
    partes = [f"CNPJ {cliente.cnpj_formatado}"]
    if cliente.filtro:
        partes.append(f"conta/filtro {cliente.filtro}")
    return " ou ".join(partes)
