"""Personas, fábricas pequenas e esperas dos testes (STYLE.md), num módulo que se importa.

Os testes importam daqui (`from brm.fabricas import criar_processo`); o `conftest.py` só guarda
as fixtures, que chamam estas funções. Fica no pacote do projeto porque ele pode importar todos os
apps (o `nucleo/` não pode).
"""

import datetime as dt
import itertools
import os
import socket
import subprocess
import sys
import threading
import time

import jwt
import requests
from django.conf import settings
from django.db import connection
from django.utils import timezone
from rest_framework.test import APIClient
from stdnum.br import cnpj as stdnum_cnpj

from agendamentos.models import Agendamento, TipoAgendamento
from clientes.models import Cliente
from contas.models import Usuario
from operadoras.models import Operadora
from processos.models import Processo

_sequencia = itertools.count(1)
SENHA = "senha-de-teste-1"  # a de toda pessoa criada por `criar_usuario`


def esperar(condicao, prazo: float = 15.0, intervalo: float = 0.05, mensagem: str = ""):
    """Repete `condicao` até ela dar algo verdadeiro (e o devolve) ou o prazo acabar."""
    limite = time.monotonic() + prazo
    while True:
        valor = condicao()
        if valor:
            return valor
        if time.monotonic() > limite:
            raise AssertionError(mensagem or f"condição não atendida em {prazo} s")
        time.sleep(intervalo)


def url_do_banco_de_teste() -> str:
    """A URL do banco de testes, para um processo filho (app, worker) usar o mesmo banco."""
    dados = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{dados['NAME']}"
    return f"postgres://{dados['USER']}:{dados['PASSWORD']}@{dados['HOST']}:{dados['PORT']}/{dados['NAME']}"


def porta_livre() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def subir_servidor_web(porta: int, ambiente: dict, saida) -> subprocess.Popen:
    """O app web como em produção (gunicorn + worker uvicorn, `gunicorn.conf.py`), no banco de
    testes; devolve quando o login responde."""
    processo = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "-c", "gunicorn.conf.py", "brm.asgi:application"],
        cwd=settings.BASE_DIR,
        env={
            **os.environ,
            "DATABASE_URL": url_do_banco_de_teste(),
            "DEBUG": "true",
            "PORT": str(porta),
            "WEB_CONCURRENCY": "1",
            "MEDIA_ROOT": str(settings.MEDIA_ROOT),
            **ambiente,
        },
        stdout=saida,
        stderr=subprocess.STDOUT,
    )

    def no_ar():
        try:
            resposta = requests.get(
                f"http://127.0.0.1:{porta}/contas/login/", timeout=1, allow_redirects=False
            )
            return resposta.status_code < 500  # em produção, um redirect para HTTPS
        except requests.RequestException:
            return False

    try:
        esperar(no_ar, prazo=30, mensagem="o app web não subiu")
    except AssertionError:
        processo.kill()
        raise
    return processo


def gerar_cnpj(numero: int | None = None) -> str:
    base = f"{numero if numero is not None else next(_sequencia):08d}0001"
    return base + stdnum_cnpj.calc_check_digits(base)


def criar_usuario(perfil: str, username: str | None = None) -> Usuario:
    username = username or f"{perfil.lower()}{next(_sequencia)}"
    return Usuario.objects.create_user(
        username=username, password=SENHA, perfil=perfil, nome=username.title()
    )


def criar_operadora(codigo: str = "VIVO", **campos) -> Operadora:
    campos.setdefault("possui_rpa", True)
    operadora, _ = Operadora.objects.get_or_create(
        codigo=codigo, defaults={"nome": codigo, **campos}
    )
    return operadora


def criar_cliente(operadora: Operadora | None = None, **campos) -> Cliente:
    numero = next(_sequencia)
    campos.setdefault("razao_social", f"EMPRESA {numero} LTDA")
    campos.setdefault("cnpj", gerar_cnpj(numero))
    campos.setdefault("filtro", str(1000 + numero))
    campos.setdefault("servico", "Internet")
    campos.setdefault("dados_sat", "Link Dedicado")
    campos.setdefault("unidade", "Campo Grande-MS")
    campos.setdefault("login_portal", f"financeiro{numero}@cliente.example")
    campos.setdefault("senha_portal", f"senha-secreta-{numero}")
    return Cliente.objects.create(operadora=operadora or criar_operadora(), **campos)


def criar_processo(cliente: Cliente | None = None, competencia=dt.date(2026, 3, 1), **campos):
    return Processo.objects.create(
        cliente=cliente or criar_cliente(), competencia=competencia, **campos
    )


def criar_agendamento(
    tipo: str = TipoAgendamento.CRIAR_PROCESSOS, expressao: str = "0 8 5 * *", **campos
) -> Agendamento:
    campos.setdefault("nome", f"Agendamento {next(_sequencia)}")
    return Agendamento.objects.create(tipo=tipo, expressao=expressao, **campos)


def token_de(usuario: Usuario, senha: str = SENHA) -> str:
    """O JWT de acesso que a API dá a quem entra com usuário e senha."""
    resposta = APIClient().post(
        "/api/token/", {"username": usuario.username, "password": senha}, format="json"
    )
    assert resposta.status_code == 200, resposta.content
    return resposta.json()["access"]


def api_de(usuario_ou_perfil: Usuario | str) -> APIClient:
    """Um cliente da API com o JWT dessa pessoa (ou de alguém novo com esse perfil)."""
    usuario = (
        criar_usuario(usuario_ou_perfil)
        if isinstance(usuario_ou_perfil, str)
        else usuario_ou_perfil
    )
    cliente = APIClient()
    cliente.credentials(HTTP_AUTHORIZATION=f"Bearer {token_de(usuario)}")
    return cliente


def jwt_de_teste(dias: int = 365, segredo: str = "segredo-qualquer-com-32-bytes-ou-mais!") -> str:
    """Um JWT com `exp` daqui a `dias` (negativo: já expirou)."""
    exp = timezone.now() + dt.timedelta(days=dias)
    return jwt.encode({"sub": "brm", "exp": int(exp.timestamp())}, segredo, algorithm="HS256")


def em_paralelo(funcao, quantidade: int, prazo: float = 120) -> list:
    """Roda `funcao` em `quantidade` threads soltas juntas (cada uma com a sua conexão ao banco);
    devolve o que cada uma deu, ou levantou."""
    largada = threading.Barrier(quantidade)
    resultados: list = [None] * quantidade

    def correr(indice):
        largada.wait()
        try:
            resultados[indice] = funcao()
        except Exception as erro:
            resultados[indice] = erro
        finally:
            connection.close()

    threads = [threading.Thread(target=correr, args=(i,)) for i in range(quantidade)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=prazo)
    return resultados
