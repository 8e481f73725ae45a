"""Dois servidores web de verdade no mesmo banco: o limite de senhas erradas vale para os dois
juntos (os contadores ficam no cache do banco, não na memória de cada processo)."""

import pytest
import requests

from brm.fabricas import SENHA, criar_usuario, porta_livre, subir_servidor_web

pytestmark = [pytest.mark.lento, pytest.mark.django_db(transaction=True)]


def test_cinco_senhas_erradas_espalhadas_em_dois_servidores_bloqueiam_nos_dois(
    tmp_path, settings, cache_compartilhado_limpo
):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.PBKDF2PasswordHasher"]
    usuario = criar_usuario("OPERADOR")
    portas = [porta_livre(), porta_livre()]
    servidores = []
    try:
        for numero, porta in enumerate(portas):
            saida = open(tmp_path / f"web{numero}.log", "w")  # noqa: SIM115 (fica aberto com o processo)
            # O cache padrão (sem CACHE_URL): a tabela do banco.
            servidores.append(subir_servidor_web(porta, {}, saida))

        def entrar(porta: int, senha: str) -> requests.Response:
            return requests.post(
                f"http://127.0.0.1:{porta}/api/token/",
                json={"username": usuario.username, "password": senha},
                timeout=10,
            )

        respostas = [entrar(portas[tentativa % 2], "errada") for tentativa in range(3)]
        # Uma réplica sai do ar (um deploy, um contêiner morto): o que ela contou não se perde.
        servidores[0].terminate()
        servidores[0].wait(timeout=20)
        respostas += [entrar(portas[1], "errada") for _ in range(2)]
        assert [r.status_code for r in respostas] == [401] * 5

        # A sexta, no servidor que só viu três, já é bloqueada — mesmo com a senha certa.
        bloqueada = entrar(portas[1], SENHA)
        assert bloqueada.status_code == 429, bloqueada.text
        assert "access" not in bloqueada.json()
    finally:
        for servidor in servidores:
            servidor.terminate()
            servidor.wait(timeout=15)
