"""As listas e o andamento do robô num navegador de verdade, na tela de um notebook (1366 x 768):
nenhuma lista do admin rola para o lado e o status aparece; o processo na fila, rodando ou
esperando uma nova tentativa diz isso na lista e na sua página. Só o app web (sem worker: as
execuções ficam no estado em que o teste as põe)."""

import datetime as dt
import os
import shutil
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib import admin
from django.urls import reverse
from django.utils import timezone

from agendamentos.models import Disparo, ExecucaoAgendamento, Resultado
from brm.fabricas import (
    criar_agendamento,
    criar_cliente,
    criar_operadora,
    criar_processo,
    criar_usuario,
    porta_livre,
    subir_servidor_web,
)
from execucoes.models import Execucao, LogExecucao, StatusExecucao, TipoExecucao
from notificacoes.models import Canal, Notificacao, TipoNotificacao, Webhook
from processos.models import Origem, Processo, StatusProcesso, Transicao

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CAPTURAS = Path(settings.BASE_DIR) / "artefatos" / "capturas"
NOTEBOOK = {"width": 1366, "height": 768}

# A coluna que diz o estado de cada linha, em cada lista do admin. Um ModelAdmin novo entra aqui.
COLUNA_DE_STATUS = {
    "contas.usuario": "perfil_selo",
    "operadoras.operadora": "ativa",
    "clientes.cliente": "situacao",
    "processos.processo": "status_selo",
    "processos.transicao": "para_selo",
    "execucoes.execucao": "status_selo",
    "execucoes.logexecucao": "nivel_selo",
    "agendamentos.agendamento": "situacao",
    "agendamentos.execucaoagendamento": "resultado_",
    "notificacoes.notificacao": "status_selo",
    "notificacoes.webhook": "ativo",
}

NOME_LONGO = "COMPANHIA DE TELECOMUNICAÇÕES E SERVIÇOS INTEGRADOS DO MATO GROSSO DO SUL LTDA"
TEXTO_LONGO = (
    "O portal da operadora respondeu com uma página de manutenção programada; o robô tentou "
    "de novo três vezes e desistiu: https://portal.operadora.example/fatura/segunda-via/abcdef"
)


@pytest.fixture(autouse=True)
def _senhas_que_o_servidor_confere(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.PBKDF2PasswordHasher"]


@pytest.fixture
def web(tmp_path):
    """Só o app web (gunicorn + uvicorn), no banco de testes."""
    if not Path(CHROMIUM).exists():
        pytest.skip("Chromium do Debian não instalado (apt-get install chromium)")
    porta = porta_livre()
    saida = open(tmp_path / "web.log", "w")  # noqa: SIM115
    servidor = subir_servidor_web(porta, {"API_EXTERNA_URL": "http://127.0.0.1:9"}, saida)
    yield f"http://127.0.0.1:{porta}"
    servidor.terminate()
    servidor.wait(timeout=15)
    saida.close()
    registro = (tmp_path / "web.log").read_text()
    assert "Internal Server Error" not in registro, registro[-3000:]


@pytest.fixture
def navegador():
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"  # o Playwright síncrono roda um laço
    from playwright.sync_api import sync_playwright

    CAPTURAS.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM,
            args=["--no-sandbox", "--disable-background-networking", "--disable-component-update"],
        )
        yield browser
        browser.close()


def entrar_no_notebook(browser, base: str, usuario: str):
    pagina = browser.new_context(locale="pt-BR", viewport=NOTEBOOK).new_page()
    pagina.goto(f"{base}/admin/")
    pagina.fill("#id_login", usuario)
    pagina.fill("#id_password", "senha-de-teste-1")
    pagina.click("input[type=submit]")
    pagina.wait_for_url(f"{base}/admin/")
    return pagina


def _uma_linha_de_cada_lista() -> None:
    """Linhas com os textos mais longos que a equipe vê: nomes de empresa, erros do robô."""
    administrador = criar_usuario("ADMINISTRADOR", "ana.admin")
    administrador.email = "ana.administradora.do.back.office@brm-solutions.example"
    administrador.save()
    operadora = criar_operadora("EMBRATEL", url_endpoint_rpa="https://rpa.terceiro.example")
    cliente = criar_cliente(operadora, razao_social=NOME_LONGO, servico="Link dedicado 1 Gbps")
    processo = criar_processo(
        cliente,
        status=StatusProcesso.AGUARDANDO_APROVACAO,
        valor="123456.78",
        vencimento=dt.date(2026, 4, 10),
        observacoes=TEXTO_LONGO,
    )
    Transicao.objects.create(
        processo=processo,
        de=StatusProcesso.AGUARDANDO_DOWNLOAD,
        para=StatusProcesso.AGUARDANDO_APROVACAO,
        usuario=administrador,
        origem=Origem.WEB,
        motivo=TEXTO_LONGO,
    )
    execucao = Execucao.objects.create(
        processo=processo,
        tipo=TipoExecucao.DOWNLOAD_FATURA,
        status=StatusExecucao.FALHOU,
        job_id="job-" + "a1b2c3d4" * 4,
        iniciada_em=timezone.now(),
        finalizada_em=timezone.now(),
        erro=TEXTO_LONGO,
    )
    LogExecucao.objects.create(execucao=execucao, mensagem=TEXTO_LONGO, momento=timezone.now())
    agendamento = criar_agendamento(nome="Downloads dos dias úteis da primeira quinzena do mês")
    ExecucaoAgendamento.objects.create(
        agendamento=agendamento,
        disparo=Disparo.MANUAL,
        disparado_por=administrador,
        resultado=Resultado.FALHA,
        terminado_em=timezone.now(),
        resumo=TEXTO_LONGO[:300],
        erro=TEXTO_LONGO,
    )
    webhook = Webhook.objects.create(
        nome="Canal do financeiro", url="https://chat.example/hooks/" + "x" * 80, tipos=["FALHA"]
    )
    Notificacao.objects.create(
        tipo=TipoNotificacao.values[0],
        canal=Canal.WEBHOOK,
        webhook=webhook,
        evento="e1",
        chave="k1",
        assunto=TEXTO_LONGO[:200],
        texto=TEXTO_LONGO,
        erro=TEXTO_LONGO,
    )


MEDIR = """(coluna) => {
  const caixa = document.querySelector('#changelist .results');
  const titulo = document.querySelector('#result_list thead th.column-' + coluna);
  const celula = document.querySelector('#result_list tbody tr td.field-' + coluna
                                        + ', #result_list tbody tr th.field-' + coluna);
  const limite = Math.min(caixa.getBoundingClientRect().right, window.innerWidth);
  return {
    rola: caixa.scrollWidth - caixa.clientWidth,
    pagina_rola: document.documentElement.scrollWidth - window.innerWidth,
    linhas: document.querySelectorAll('#result_list tbody tr').length,
    titulo: titulo ? titulo.getBoundingClientRect().right - limite : null,
    celula: celula ? celula.getBoundingClientRect().right - limite : null,
  };
}"""


def test_nenhuma_lista_do_admin_rola_para_o_lado_no_notebook_e_o_status_aparece(web, navegador):
    _uma_linha_de_cada_lista()
    registrados = {modelo._meta.label_lower: modelo for modelo in admin.site._registry}
    assert set(registrados) == set(COLUNA_DE_STATUS), "diga a coluna de status da lista nova"
    pagina = entrar_no_notebook(navegador, web, "ana.admin")
    problemas = []
    for rotulo, modelo in registrados.items():
        opts = modelo._meta
        pagina.goto(web + reverse(f"admin:{opts.app_label}_{opts.model_name}_changelist"))
        medida = pagina.evaluate(MEDIR, COLUNA_DE_STATUS[rotulo])
        pagina.screenshot(path=str(CAPTURAS / f"lista-1366-{opts.model_name}.png"))
        if medida["linhas"] == 0:
            problemas.append(f"{rotulo}: a lista veio vazia")
        if medida["rola"] > 0 or medida["pagina_rola"] > 0:
            problemas.append(f"{rotulo}: rola {medida['rola']} px para o lado")
        if medida["titulo"] is None or medida["celula"] is None or medida["celula"] > 0:
            problemas.append(f"{rotulo}: a coluna de status não aparece inteira ({medida})")
    assert not problemas, "\n".join(problemas)


def test_o_painel_cabe_no_notebook_com_as_execucoes_por_dia(web, navegador):
    _uma_linha_de_cada_lista()
    pagina = entrar_no_notebook(navegador, web, "ana.admin")
    pagina.goto(f"{web}/admin/?competencia=03/2026")
    pagina.screenshot(path=str(CAPTURAS / "painel-1366.png"), full_page=True)
    rola = pagina.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert rola <= 0
    assert pagina.locator("#execucoes-por-dia a.dia").count() == 30
    assert pagina.is_visible("#execucoes-por-dia .coluna")  # a de hoje, com uma execução
    assert "sucesso do robô" in pagina.inner_text("#grafico-operadoras").lower()


def _processo_com(status: str, **campos) -> Processo:
    processo = criar_processo(criar_cliente(criar_operadora("VIVO")))
    Execucao.objects.create(
        processo=processo, tipo=TipoExecucao.DOWNLOAD_FATURA, status=status, **campos
    )
    return processo


def test_a_lista_e_a_pagina_dizem_o_que_o_robo_esta_fazendo(web, navegador):
    criar_usuario("OPERADOR", "olga")
    na_fila = _processo_com(StatusExecucao.PENDENTE)
    baixando = _processo_com(StatusExecucao.EXECUTANDO, progresso=66, job_id="job-66")
    esperando = _processo_com(
        StatusExecucao.PENDENTE,
        numero_tentativa=2,
        executar_apos=timezone.now() + dt.timedelta(minutes=10),
    )
    pagina = entrar_no_notebook(navegador, web, "olga")

    pagina.goto(web + reverse("admin:processos_processo_changelist"))
    pagina.screenshot(path=str(CAPTURAS / "lista-andamento.png"))

    def na_linha(processo):
        return pagina.inner_text(f"#result_list tr:has([data-processo='{processo.pk}'])")

    assert "Na fila" in na_linha(na_fila)
    assert "Baixando… 66 %" in na_linha(baixando)
    assert "Nova tentativa em" in na_linha(esperando)

    pagina.goto(web + reverse("processo_detalhe", args=[esperando.pk]))
    assert "Nova tentativa em" in pagina.inner_text("#andamento")
    assert "Na fila" not in pagina.inner_text("#andamento")
    pagina.click("button[data-acao=tentar_agora]")
    pagina.wait_for_function(
        "document.querySelector('#andamento')?.innerText.includes('Na fila')", timeout=10000
    )
    pagina.screenshot(path=str(CAPTURAS / "pagina-tentar-agora.png"))
    assert Execucao.objects.get(processo=esperando).executar_apos is None

    pagina.goto(web + reverse("processo_detalhe", args=[baixando.pk]))
    assert "Baixando… 66 %" in pagina.inner_text("#andamento")
    assert pagina.is_visible("button[data-acao=cancelar_execucao]")
    assert "o robô ainda não mandou" in pagina.inner_text("#painel-log")


def test_paginas_de_conta_no_visual_do_admin_com_caminho_de_volta(web, navegador):
    criar_usuario("OPERADOR", "olga")
    anonima = navegador.new_context(locale="pt-BR", viewport=NOTEBOOK).new_page()
    anonima.goto(f"{web}/contas/password/reset/")
    assert anonima.is_visible("#header") and anonima.is_visible("#caminho-de-volta a")
    anonima.click("#caminho-de-volta a")
    anonima.wait_for_url(f"{web}/contas/login/")

    pagina = entrar_no_notebook(navegador, web, "olga")
    for endereco in ("/contas/password/change/", "/contas/email/", "/contas/logout/"):
        pagina.goto(web + endereco)
        nome = endereco.strip("/").replace("/", "-")
        pagina.screenshot(path=str(CAPTURAS / f"{nome}.png"))
        assert pagina.is_visible("#header"), endereco
        assert pagina.inner_text("#caminho-de-volta") == "← Voltar ao painel", endereco
        rola = pagina.evaluate("document.documentElement.scrollWidth - window.innerWidth")
        assert rola <= 0, endereco
    pagina.click("#caminho-de-volta a")
    pagina.wait_for_url(f"{web}/admin/")
