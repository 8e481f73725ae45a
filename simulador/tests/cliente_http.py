"""Como um programa fala com o simulador nos testes: o cliente HTTP com token, o leitor do fluxo
de eventos (SSE), corpos de pedido válidos e a espera por uma condição."""

import json
import time
from collections.abc import Callable

import requests

from simulador.servidor import Simulador

CORPO_DOWNLOAD = {
    "login": "usuario@empresa.com.br",
    "senha": "senha-super-secreta",
    "filtro": "12345678",
    "cnpj": "12.345.678/0001-90",
}
CORPO_SAT = {
    "cnpj": "12.345.678/0001-90",
    "razao": "EMPRESA LTDA",
    "operadora": "OI",
    "nome_filtro": "OI FIXO",
    "unidade": "UNIDADE CENTRAL",
    "servico": "TELEFONIA",
    "dados_sat": "dados",
    "nome_arquivo": "fatura_oi_202401.pdf",
    "data_vencimento": "15/01/2024",
}


def esperar(condicao: Callable[[], object], prazo: float = 5.0, intervalo: float = 0.02):
    """Repete ``condicao`` até ela dar um valor verdadeiro (e o devolve) ou o prazo acabar."""
    limite = time.monotonic() + prazo
    while True:
        valor = condicao()
        if valor:
            return valor
        if time.monotonic() > limite:
            raise AssertionError(f"condição não atendida em {prazo} s: {condicao}")
        time.sleep(intervalo)


class Cliente:
    """Um cliente da API com token, como o produto usaria."""

    def __init__(self, sim: Simulador) -> None:
        self.sim = sim
        self.url = sim.url
        self.sessao = requests.Session()
        self.sessao.headers["Authorization"] = f"Bearer {sim.novo_token()}"

    def get(self, caminho: str, **kwargs) -> requests.Response:
        return self.sessao.get(self.url + caminho, timeout=kwargs.pop("timeout", 5), **kwargs)

    def post(self, caminho: str, **kwargs) -> requests.Response:
        return self.sessao.post(self.url + caminho, timeout=kwargs.pop("timeout", 5), **kwargs)

    def controle(self, nome: str, **dados) -> dict:
        resposta = requests.post(f"{self.url}/__simulador/{nome}", json=dados, timeout=5)
        assert resposta.status_code == 200, resposta.text
        return resposta.json()

    def estado(self) -> dict:
        return requests.get(f"{self.url}/__simulador/estado", timeout=5).json()

    def criar_download(self, operadora: str = "OI", **extra) -> str:
        resposta = self.post(f"/executar/{operadora}", json={**CORPO_DOWNLOAD, **extra})
        assert resposta.status_code == 200, resposta.text
        return resposta.json()["job_id"]

    def status(self, job_id: str) -> dict:
        resposta = self.get(f"/status/{job_id}")
        assert resposta.status_code == 200, resposta.text
        return resposta.json()

    def esperar_fim(self, job_id: str, prazo: float = 5.0) -> dict:
        return esperar(
            lambda: (s := self.status(job_id))["status"] in ("COMPLETED", "FAILED") and s, prazo
        )


class LeitorSSE:
    """Lê ``GET /events/logs`` linha a linha: eventos (dict) e comentários (str)."""

    def __init__(self, url: str, timeout: float = 5.0) -> None:
        self.resposta = requests.get(f"{url}/events/logs", stream=True, timeout=timeout)
        self.linhas_brutas: list[bytes] = []

    def proximo(self) -> dict | str | None:
        """O próximo evento ou comentário; None quando o servidor fecha a conexão."""
        dados = []
        while True:
            linha = self.resposta.raw.readline()
            if not linha:
                return None
            self.linhas_brutas.append(linha)
            linha = linha.decode().rstrip("\n")
            if linha == "":
                if dados:
                    return json.loads("\n".join(dados))
                continue
            if linha.startswith(":"):
                return linha
            campo, _, valor = linha.partition(": ")
            assert campo == "data", f"linha inesperada no fluxo: {linha!r}"
            dados.append(valor)

    def ate(self, condicao: Callable[[dict], bool], prazo: float = 5.0) -> list[dict | str]:
        """Lê até um evento satisfazer ``condicao``; devolve tudo o que leu."""
        lidos: list[dict | str] = []
        limite = time.monotonic() + prazo
        while time.monotonic() < limite:
            item = self.proximo()
            if item is None:
                break
            lidos.append(item)
            if isinstance(item, dict) and condicao(item):
                return lidos
        raise AssertionError(f"evento esperado não chegou; lidos: {lidos[-5:]}")

    def fechar(self) -> None:
        self.resposta.close()
