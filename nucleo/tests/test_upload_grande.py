"""Um upload grande demais é recusado pelo tamanho contado ao receber, sem ir para a memória do
servidor (gunicorn de verdade; a memória do worker web é medida)."""

import pytest
import requests

from brm.fabricas import criar_processo, criar_usuario, porta_livre, subir_servidor_web

pytestmark = [pytest.mark.lento, pytest.mark.django_db(transaction=True)]

MB = 1024 * 1024
FRONTEIRA = "fronteira-do-teste"


class CorpoGrande:
    """Um corpo multipart de `tamanho` bytes de PDF falso, gerado aos pedaços (nunca inteiro)."""

    def __init__(self, tamanho: int) -> None:
        self.inicio = (
            f'--{FRONTEIRA}\r\nContent-Disposition: form-data; name="valor"\r\n\r\n10,00\r\n'
            f'--{FRONTEIRA}\r\nContent-Disposition: form-data; name="vencimento"\r\n\r\n'
            "2026-04-10\r\n"
            f'--{FRONTEIRA}\r\nContent-Disposition: form-data; name="arquivo"; '
            'filename="grande.pdf"\r\nContent-Type: application/pdf\r\n\r\n%PDF-1.4\n'
        ).encode()
        self.fim = f"\r\n--{FRONTEIRA}--\r\n".encode()
        self.miolo = tamanho
        self.enviado = 0

    def __len__(self) -> int:
        return len(self.inicio) + self.miolo + len(self.fim)

    def read(self, quanto: int = 64 * 1024) -> bytes:
        if self.enviado == 0 and self.inicio:
            pedaco, self.inicio = self.inicio, b""
            return pedaco
        if self.enviado < self.miolo:
            pedaco = b"0" * min(quanto, self.miolo - self.enviado)
            self.enviado += len(pedaco)
            return pedaco
        pedaco, self.fim = self.fim, b""
        return pedaco


def memoria_kb(pid: int) -> int:
    with open(f"/proc/{pid}/status") as status:
        linha = next(linha for linha in status if linha.startswith("VmRSS:"))
    return int(linha.split()[1])


def worker_do_gunicorn(mestre: int) -> int:
    with open(f"/proc/{mestre}/task/{mestre}/children") as filhos:
        return int(filhos.read().split()[0])


def test_upload_de_100_mb_e_recusado_sem_encher_a_memoria(tmp_path, settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.PBKDF2PasswordHasher"]
    processo = criar_processo()
    operador = criar_usuario("OPERADOR")
    porta = porta_livre()
    with open(tmp_path / "web.log", "w") as saida:
        web = subir_servidor_web(porta, {}, saida)
    try:
        acesso = requests.post(
            f"http://127.0.0.1:{porta}/api/token/",
            json={"username": operador.username, "password": "senha-de-teste-1"},
            timeout=10,
        ).json()["access"]
        worker = worker_do_gunicorn(web.pid)
        antes = memoria_kb(worker)
        resposta = requests.post(
            f"http://127.0.0.1:{porta}/api/processos/{processo.pk}/upload-manual/",
            data=CorpoGrande(100 * MB),
            headers={
                "Content-Type": f"multipart/form-data; boundary={FRONTEIRA}",
                "Authorization": f"Bearer {acesso}",
            },
            timeout=60,
        )
        depois = memoria_kb(worker)
    finally:
        web.terminate()
        web.wait(timeout=20)
    assert (depois - antes) < 40 * 1024, f"o worker web cresceu {(depois - antes) // 1024} MB"
    assert resposta.status_code == 400, resposta.text[:300]
    assert "passa de 20 MB" in resposta.json()["arquivo"][0]
