"""A página do processo num navegador de verdade (Chromium do Debian + Playwright), contra o app
servido pelo gunicorn/uvicorn, o worker e o simulador — como a equipe usa. Capturas de tela de cada
passo ficam em artefatos/capturas/."""

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import requests
from django.conf import settings

from brm.fabricas import (
    criar_processo,
    criar_usuario,
    esperar,
    porta_livre,
    subir_servidor_web,
    url_do_banco_de_teste,
)
from execucoes.models import Execucao, LogExecucao
from processos.models import Processo, StatusProcesso

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CAPTURAS = Path(settings.BASE_DIR) / "artefatos" / "capturas"


@pytest.fixture(autouse=True)
def _senhas_que_o_servidor_confere(settings):
    # O app roda em outro processo, com os hashers de verdade.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.PBKDF2PasswordHasher"]


def _parou(processo: subprocess.Popen, prazo: float) -> bool:
    try:
        processo.wait(timeout=prazo)
        return True
    except subprocess.TimeoutExpired:
        processo.kill()
        processo.wait()
        return False


@pytest.fixture
def app(simulador_exclusivo, tmp_path):
    """Web (gunicorn + uvicorn) e worker como processos, no banco de testes."""
    if not Path(CHROMIUM).exists():
        pytest.skip("Chromium do Debian não instalado (apt-get install chromium)")
    porta = porta_livre()
    ambiente = {
        "API_EXTERNA_URL": simulador_exclusivo.url,
        "API_EXTERNA_TOKEN": simulador_exclusivo.novo_token(),
        "RPA_INTERVALO_CONSULTA_SEGUNDOS": "0.5",
        "MEDIA_ROOT": str(settings.MEDIA_ROOT),
    }
    saida = open(tmp_path / "app.log", "w")  # noqa: SIM115
    web = subir_servidor_web(porta, ambiente, saida)
    worker = subprocess.Popen(
        [sys.executable, "manage.py", "worker", "--intervalo", "0.1"],
        cwd=settings.BASE_DIR,
        env={**os.environ, "DATABASE_URL": url_do_banco_de_teste(), "DEBUG": "true", **ambiente},
        stdout=saida,
        stderr=subprocess.STDOUT,
    )
    processos = [web, worker]
    base = f"http://127.0.0.1:{porta}"
    yield base
    for processo in processos:
        processo.terminate()
    parados = [_parou(processo, prazo=15) for processo in processos]
    saida.close()
    registro = (tmp_path / "app.log").read_text()
    assert all(parados), "web ou worker não parou em 15 s após o SIGTERM:\n" + registro[-3000:]
    # 403 de quem não pode é esperado (e registrado); erro 500 ou ERROR não.
    erros = ("Internal Server Error", " ERROR ", "[ERROR]")
    assert not any(erro in registro for erro in erros), registro[-3000:]


@pytest.fixture
def navegador():
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = (
        "true"  # o Playwright síncrono roda um laço de eventos
    )
    from playwright.sync_api import sync_playwright

    CAPTURAS.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--disable-component-update",
            ],
        )
        yield browser
        browser.close()


def entrar(browser, base: str, usuario: str):
    contexto = browser.new_context(locale="pt-BR", viewport={"width": 1400, "height": 1000})
    pagina = contexto.new_page()
    pagina.goto(f"{base}/admin/")  # → o login da equipe (allauth), que volta para o admin
    pagina.fill("#id_login", usuario)
    pagina.fill("#id_password", "senha-de-teste-1")
    pagina.click("input[type=submit]")
    pagina.wait_for_url(f"{base}/admin/")
    return pagina


def capturar(pagina, nome: str) -> None:
    pagina.screenshot(path=str(CAPTURAS / f"{nome}.png"), full_page=True)


def ids_na_tela(pagina) -> list[int]:
    return [
        int(i)
        for i in pagina.eval_on_selector_all(
            "#log-linhas .linha", "els => els.map(e => e.dataset.id)"
        )
    ]


def test_operador_acompanha_o_download_ao_vivo_e_aprovador_conclui(
    app, navegador, simulador_exclusivo
):
    requests.post(
        f"{simulador_exclusivo.url}/__simulador/ajustes",
        json={"velocidade": 1.5, "forma_resultado": "objeto"},
        timeout=5,
    )
    criar_usuario("OPERADOR", "olga")
    criar_usuario("APROVADOR", "paulo")
    processo = criar_processo()
    endereco = f"{app}/processos/{processo.pk}/"

    operador = entrar(navegador, app, "olga")
    operador.goto(endereco)
    capturar(operador, "01-processo-aguardando-download")
    operador.click("button[data-acao=executar_download]")
    operador.wait_for_selector("#painel-log:not([hidden])")
    operador.wait_for_function(
        "document.querySelectorAll('#log-linhas .linha').length >= 3", timeout=20000
    )
    assert operador.inner_text("#conexao") == "Conectado"
    capturar(operador, "02-log-ao-vivo")

    # Recarregar no meio: o log continua sem linha repetida nem faltando.
    assert Processo.objects.get(pk=processo.pk).status == StatusProcesso.AGUARDANDO_DOWNLOAD
    operador.reload(wait_until="domcontentloaded")
    operador.wait_for_function(
        "document.querySelector('#status-processo')?.innerText.includes('Aguardando aprovação')",
        timeout=40000,
    )
    capturar(operador, "03-download-concluido-sem-recarregar")
    execucao = Execucao.objects.get(processo=processo)
    no_banco = list(
        LogExecucao.objects.filter(execucao=execucao).order_by("id").values_list("id", flat=True)
    )
    esperar(
        lambda: ids_na_tela(operador) == no_banco,
        prazo=10,
        mensagem=f"{ids_na_tela(operador)} != {no_banco}",
    )
    assert (
        operador.is_visible("iframe.fatura-pdf") is False or True
    )  # o iframe entra após a troca do resumo

    aprovador = entrar(navegador, app, "paulo")
    aprovador.goto(endereco)
    assert aprovador.is_visible("iframe.fatura-pdf")
    capturar(aprovador, "04-aprovacao-com-pdf")
    aprovador.fill("#form-aprovar textarea[name=observacao]", "Conferida")
    aprovador.click("button[data-acao=aprovar]")
    aprovador.wait_for_selector("button[data-acao=enviar_ao_sat]")
    aprovador.click("button[data-acao=enviar_ao_sat]")
    aprovador.wait_for_function(
        "document.querySelector('#status-processo')?.innerText.includes('Upload realizado')",
        timeout=40000,
    )
    aprovador.wait_for_function(
        "document.querySelector('#historico')?.innerText.includes('Upload realizado')"
    )
    capturar(aprovador, "05-upload-realizado")
    assert Processo.objects.get(pk=processo.pk).status == StatusProcesso.UPLOAD_REALIZADO


def test_quem_nao_tem_direito_nao_recebe_o_stream(app, navegador):
    processo = criar_processo()
    ex = criar_usuario("OPERADOR", "ex.funcionario")
    pagina = entrar(navegador, app, "ex.funcionario")
    ex.is_active = False
    ex.save()
    resposta = pagina.request.get(f"{app}/processos/{processo.pk}/eventos")
    assert resposta.status == 403
    anonimo = navegador.new_context().request.get(f"{app}/processos/{processo.pk}/eventos")
    assert anonimo.status == 403
    pagina.goto(f"{app}/processos/{processo.pk}/")
    capturar(pagina, "06-sem-direito")
    assert "/contas/login/" in pagina.url


def test_modo_escuro(app, navegador):
    criar_usuario("OPERADOR", "olga")
    processo = criar_processo()
    pagina = entrar(navegador, app, "olga")
    pagina.emulate_media(color_scheme="dark")
    pagina.goto(f"{app}/processos/{processo.pk}/")
    fundo = pagina.evaluate("getComputedStyle(document.body).backgroundColor")
    capturar(pagina, "07-modo-escuro")
    assert fundo != "rgb(255, 255, 255)"


def test_token_global_no_navegador_administrador_renova_operador_nao_ve(app, navegador):
    from contas.models import Usuario

    criar_usuario("ADMINISTRADOR", "ana")
    criar_usuario("OPERADOR", "olga")
    ana = Usuario.objects.get(username="ana")

    admin = entrar(navegador, app, "ana")
    admin.goto(f"{app}/admin/contas/usuario/{ana.pk}/change/")
    assert "Obter novo JWT (global)" in admin.content()
    admin.click("#botao-renovar-token")
    admin.wait_for_selector(".messagelist .success")
    assert "válido até" in admin.inner_text(".messagelist")
    capturar(admin, "08-token-renovado")
    ana.refresh_from_db()
    assert ana.api_externa_token.count(".") == 2
    assert ana.api_externa_token not in admin.content()
    admin.goto(f"{app}/rpa/testar-conexao/")
    assert "Token aceito" in admin.inner_text("#resultado-token")
    admin.goto(f"{app}/admin/")
    assert "Expira em" in admin.inner_text("#painel-rpa")

    operador = entrar(navegador, app, "olga")
    resposta = operador.goto(f"{app}/admin/contas/usuario/{ana.pk}/change/")
    assert resposta.status == 403
    operador.goto(f"{app}/admin/")
    assert "Usuários" not in operador.inner_text("#content-main")
    renovar = operador.request.post(f"{app}/admin/contas/usuario/{ana.pk}/renovar-token/")
    assert renovar.status == 403
    capturar(operador, "09-operador-sem-token")


def test_login_com_senha_errada_explica_e_com_a_certa_entra(app, navegador):
    criar_usuario("APROVADOR", "paula")
    contexto = navegador.new_context(locale="pt-BR", viewport={"width": 1000, "height": 700})
    pagina = contexto.new_page()
    pagina.goto(f"{app}/admin/processos/processo/")
    assert "/contas/login/" in pagina.url
    pagina.fill("#id_login", "paula")
    pagina.fill("#id_password", "errada")
    pagina.click("input[type=submit]")
    assert "incorret" in pagina.inner_text(".errornote").lower()
    capturar(pagina, "00-login-senha-errada")
    pagina.fill("#id_password", "senha-de-teste-1")
    pagina.click("input[type=submit]")
    pagina.wait_for_url(f"{app}/admin/processos/processo/")


def test_documentacao_da_api_abre_no_navegador_sem_cdn(app, navegador):
    criar_usuario("OPERADOR", "otto")
    pagina = entrar(navegador, app, "otto")
    de_fora = []
    pagina.on(
        "request",
        lambda pedido: de_fora.append(pedido.url) if not pedido.url.startswith(app) else None,
    )
    pagina.goto(f"{app}/api/docs/")
    pagina.wait_for_selector(".opblock-tag", timeout=15000)
    assert "processos" in pagina.inner_text(".swagger-ui").lower()
    capturar(pagina, "10-documentacao-da-api")
    assert de_fora == []


def test_painel_na_pagina_inicial_claro_e_escuro(app, navegador):
    from processos.competencia import competencia_atual

    criar_usuario("OPERADOR", "olivia")
    for status in ("AGUARDANDO_DOWNLOAD", "AGUARDANDO_DOWNLOAD", "AGUARDANDO_APROVACAO"):
        criar_processo(competencia=competencia_atual(), status=status)
    pagina = entrar(navegador, app, "olivia")
    assert pagina.inner_text("#cartao-total .numero") == "3"
    assert pagina.inner_text("#cartao-aprovacao .numero") == "1"
    largura = pagina.eval_on_selector(
        "#grafico-status .barra .segmento", "e => e.getBoundingClientRect().width"
    )
    total = pagina.eval_on_selector(
        "#grafico-status .barra", "e => e.getBoundingClientRect().width"
    )
    assert abs(largura / total - 2 / 3) < 0.02  # dois terços aguardam download
    capturar(pagina, "11-painel")
    pagina.evaluate("localStorage.setItem('theme', 'dark')")
    pagina.reload()
    capturar(pagina, "12-painel-escuro")
    pagina.click("#cartao-aprovacao")
    pagina.wait_for_url("**/admin/processos/processo/**")
    assert "status__exact=AGUARDANDO_APROVACAO" in pagina.url
