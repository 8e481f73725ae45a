"""A fila de aprovação num navegador de verdade (Chromium, 1366 x 768), só com o teclado: 30 faturas,
quase todas aprovadas com A, uma rejeitada com R + motivo + Enter, uma pulada com P (e aprovada
no fim, quando volta). O app é o mesmo dos outros testes de navegador (gunicorn + uvicorn)."""

import datetime as dt
from decimal import Decimal

import pytest

from brm.fabricas import criar_cliente, criar_processo, criar_usuario
from brm.tests import test_navegador
from processos.fatura import guardar_fatura
from processos.models import Processo, StatusProcesso, Transicao
from simulador.pdf import Fatura, fatura_pdf, pdf_de_texto

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# As fixtures do app servido e do Chromium, as mesmas da página do processo.
app = test_navegador.app
navegador = test_navegador.navegador
_senhas_que_o_servidor_confere = test_navegador._senhas_que_o_servidor_confere

TOTAL = 30
REJEITADA, PULADA = 5, 10  # as posições, na ordem da fila (0 = a primeira)
SEM_VALORES_DO_ROBO = 3  # as últimas: sem vencimento, vêm no fim; o PDF traz os valores


def _faturas() -> list[Processo]:
    processos = []
    for numero in range(TOTAL - SEM_VALORES_DO_ROBO):
        processo = criar_processo(
            criar_cliente(),
            status=StatusProcesso.AGUARDANDO_APROVACAO,
            valor=Decimal(100 + numero),
            vencimento=dt.date(2026, 5, 1) + dt.timedelta(days=numero),
        )
        cnpj = processo.cliente.cnpj_formatado  # a fatura menciona o cliente, como as de verdade
        guardar_fatura(processo, pdf_de_texto([f"Fatura {numero}", f"CNPJ {cnpj}"]))
        processo.save(update_fields=["fatura", "fatura_sha256"])
        processos.append(processo)
    for numero in range(SEM_VALORES_DO_ROBO):
        processo = criar_processo(
            criar_cliente(),
            competencia=dt.date(2026, 1 + numero, 1),
            status=StatusProcesso.AGUARDANDO_APROVACAO,
        )
        fatura = Fatura(
            "VIVO",
            processo.cliente.cnpj_formatado,
            processo.cliente.filtro,
            "01/2026",
            f"{1000 + numero}.50",
            dt.date(2026, 6, 10),
            "j",
        )
        guardar_fatura(processo, fatura_pdf(fatura))
        processo.save(update_fields=["fatura", "fatura_sha256"])
        processos.append(processo)
    return processos


def _pronta(pagina, numero: int, anterior: str | None = None) -> str:
    """A fatura `numero` na tela (outra que não a `anterior`: pular não muda o número) e os
    atalhos ligados, sem esperar à toa. Devolve o id do processo da vez."""
    from playwright.sync_api import expect

    if anterior:
        expect(pagina.locator("#fila")).not_to_have_attribute("data-processo", anterior)
    expect(pagina.locator("#posicao")).to_have_text(f"{numero} de {TOTAL}")
    expect(pagina.locator("body[data-atalhos=prontos]")).to_have_count(1)
    return pagina.locator("#fila").get_attribute("data-processo")


def _cabe_na_tela(pagina) -> None:
    """1366 x 768: o PDF e os botões visíveis sem rolar a página, nem para o lado."""
    largura = pagina.evaluate("document.documentElement.scrollWidth")
    assert largura <= 1366, f"a página tem {largura} px de largura"
    for seletor in ("#fatura-pdf", "#aprovar", "#rejeitar", "#pular", "#posicao"):
        caixa = pagina.locator(seletor).bounding_box()
        assert caixa and caixa["y"] + caixa["height"] <= 768 and caixa["x"] >= 0, seletor


def test_aprovador_limpa_a_fila_so_com_o_teclado(app, navegador):
    from playwright.sync_api import expect

    criar_usuario("APROVADOR", "paulo")
    processos = _faturas()
    pagina = test_navegador.entrar(navegador, app, "paulo")
    pagina.set_viewport_size({"width": 1366, "height": 768})
    pagina.click("#link-fila")
    _pronta(pagina, 1)
    _cabe_na_tela(pagina)
    test_navegador.capturar(pagina, "fila-de-aprovacao")

    do_pdf = {str(p.pk) for p in processos[-SEM_VALORES_DO_ROBO:]}
    vistos, decididas = [], 0
    for passo in range(TOTAL + 1):  # a pulada aparece duas vezes
        vistos.append(_pronta(pagina, decididas + 1, anterior=vistos[-1] if vistos else None))
        if passo == 1:  # com a mensagem da aprovação anterior na tela
            expect(pagina.locator(".messagelist")).to_contain_text("aprovada")
            _cabe_na_tela(pagina)
        if passo == REJEITADA:
            pagina.keyboard.press("r")
            expect(pagina.locator("#id_motivo")).to_be_focused()
            pagina.keyboard.press("Enter")  # sem motivo: recusado, nada muda
            expect(pagina.locator(".errorlist")).to_contain_text("Informe o motivo da rejeição.")
            assert _pronta(pagina, decididas + 1) == vistos[-1]
            expect(pagina.locator("#id_motivo")).to_be_focused()  # o erro devolve o foco ao motivo
            pagina.keyboard.type("Fatura de outro cliente")
            pagina.keyboard.press("Enter")
            decididas += 1
        elif passo == PULADA:
            pagina.keyboard.press("p")
        else:
            if vistos[-1] in do_pdf:
                expect(pagina.locator("#valor-da-fatura")).to_contain_text("lido do PDF — confira")
            pagina.keyboard.press("a")
            decididas += 1
    expect(pagina.get_by_text("Nada mais para aprovar")).to_be_visible()
    test_navegador.capturar(pagina, "fila-de-aprovacao-vazia")

    na_ordem = [str(p.pk) for p in processos]
    pulada = na_ordem.pop(PULADA)
    assert vistos == [*na_ordem[:PULADA], pulada, *na_ordem[PULADA:], pulada]  # voltou no fim
    rejeitada = Processo.objects.get(pk=vistos[REJEITADA])
    assert rejeitada.status == StatusProcesso.AGUARDANDO_DOWNLOAD
    assert rejeitada.transicoes.get().motivo == "Fatura de outro cliente"
    aprovadas = Processo.objects.filter(status=StatusProcesso.AGUARDANDO_ENVIO_SAT)
    assert aprovadas.count() == TOTAL - 1
    assert set(aprovadas.values_list("aprovado_por__username", flat=True)) == {"paulo"}
    assert Transicao.objects.count() == TOTAL
    lidas_do_pdf = Processo.objects.filter(pk__in=na_ordem[-SEM_VALORES_DO_ROBO:])
    assert sorted(lidas_do_pdf.values_list("valor", flat=True)) == [
        Decimal("1000.50"),
        Decimal("1001.50"),
        Decimal("1002.50"),
    ]
    assert not lidas_do_pdf.filter(valor_lido_do_pdf=True).exists()  # a pessoa confirmou
