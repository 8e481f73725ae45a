"""A fila de aprovação: a ordem, a contagem “12 de 40”, aprovar, rejeitar e pular pelos serviços
de verdade, quem pode, o custo da página, os avisos e a variação do valor."""

import datetime as dt
import re
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from brm.fabricas import criar_cliente, criar_processo
from processos.fatura import guardar_fatura
from processos.models import Processo, StatusProcesso, Transicao
from simulador.pdf import Fatura, fatura_pdf, pdf_de_texto

pytestmark = pytest.mark.django_db

FILA = reverse("fila_de_aprovacao")
HOJE = dt.date(2026, 4, 1)


@pytest.fixture(autouse=True)
def _hoje(monkeypatch):
    monkeypatch.setattr(timezone, "localdate", lambda *a, **k: HOJE)


def esperando(cliente=None, competencia=dt.date(2026, 3, 1), pdf: bytes | None = None, **campos):
    """Um processo aguardando aprovação, com a fatura guardada (um PDF só dele, salvo `pdf`)."""
    campos.setdefault("valor", Decimal("100.00"))
    campos.setdefault("vencimento", dt.date(2026, 4, 20))
    processo = criar_processo(
        cliente or criar_cliente(),
        competencia,
        status=StatusProcesso.AGUARDANDO_APROVACAO,
        **campos,
    )
    guardar_fatura(processo, pdf or pdf_de_texto([f"Fatura do processo {processo.pk}"]))
    processo.save(update_fields=["fatura", "fatura_sha256"])
    return processo


def da_vez(resposta) -> str:
    return re.search(r'id="fila" class="fila" data-processo="([^"]+)"', resposta.content.decode())[
        1
    ]


def posicao(resposta) -> str:
    return re.search(r'id="posicao" class="posicao">([^<]+)<', resposta.content.decode())[1]


def decidir(cliente_web, processo, acao: str, **dados):
    return cliente_web.post(FILA, {"processo": str(processo.pk), "acao": acao, **dados})


def aprovar(cliente_web, processo, **dados):
    dados = {"valor": "100,00", "vencimento": "2026-04-20", **dados}
    return decidir(cliente_web, processo, "aprovar", **dados)


def test_vencimento_mais_proximo_primeiro_sem_vencimento_no_fim_e_entao_o_mais_antigo(
    aprovador, navegador_de
):
    tarde = esperando(vencimento=dt.date(2026, 4, 30))
    cedo = esperando(vencimento=dt.date(2026, 4, 5))
    sem_data_novo = esperando(vencimento=None, competencia=dt.date(2026, 3, 1))
    sem_data_antigo = esperando(vencimento=None, competencia=dt.date(2026, 1, 1))
    web = navegador_de(aprovador)
    vistos = []
    for _ in range(4):
        resposta = web.get(FILA)
        vistos.append(da_vez(resposta))
        decidir(web, Processo.objects.get(pk=vistos[-1]), "pular")
    assert vistos == [str(p.pk) for p in (cedo, tarde, sem_data_antigo, sem_data_novo)]


def test_mostra_12_de_40_depois_de_11_decididas(aprovador, navegador_de):
    for dia in range(1, 41):
        esperando(vencimento=dt.date(2026, 5, 1) + dt.timedelta(days=dia))
    web = navegador_de(aprovador)
    assert posicao(web.get(FILA)) == "1 de 40"
    for _ in range(11):
        atual = Processo.objects.get(pk=da_vez(web.get(FILA)))
        assert aprovar(web, atual, vencimento=f"{atual.vencimento:%Y-%m-%d}").status_code == 302
    assert posicao(web.get(FILA)) == "12 de 40"
    assert Processo.objects.filter(status=StatusProcesso.AGUARDANDO_APROVACAO).count() == 29


def test_aprovar_e_proxima_passa_pelo_servico_e_registra_quem_aprovou(aprovador, navegador_de):
    primeiro = esperando(vencimento=dt.date(2026, 4, 10))
    segundo = esperando(vencimento=dt.date(2026, 4, 11))
    web = navegador_de(aprovador)
    resposta = aprovar(
        web, primeiro, valor="1.234,56", vencimento="2026-04-12", observacao="conferida"
    )
    assert resposta.status_code == 302 and resposta["Location"] == FILA
    primeiro.refresh_from_db()
    assert primeiro.status == StatusProcesso.AGUARDANDO_ENVIO_SAT
    assert (primeiro.valor, primeiro.vencimento) == (Decimal("1234.56"), dt.date(2026, 4, 12))
    assert primeiro.aprovado_por == aprovador and primeiro.aprovado_em is not None
    transicao = primeiro.transicoes.get()
    assert (transicao.de, transicao.para, transicao.usuario, transicao.motivo) == (
        StatusProcesso.AGUARDANDO_APROVACAO,
        StatusProcesso.AGUARDANDO_ENVIO_SAT,
        aprovador,
        "conferida",
    )
    seguinte = web.get(FILA)
    assert da_vez(seguinte) == str(segundo.pk)
    assert f"Fatura de {primeiro} aprovada." in seguinte.content.decode()


def test_rejeitar_e_proxima_volta_para_o_download_com_o_motivo(administrador, navegador_de):
    processo = esperando()
    outro = esperando(vencimento=dt.date(2026, 4, 25))
    web = navegador_de(administrador)
    resposta = decidir(web, processo, "rejeitar", motivo="Fatura de fevereiro")
    assert resposta.status_code == 302
    processo.refresh_from_db()
    assert processo.status == StatusProcesso.AGUARDANDO_DOWNLOAD and not processo.fatura
    transicao = processo.transicoes.get()
    assert (transicao.usuario, transicao.motivo) == (administrador, "Fatura de fevereiro")
    assert da_vez(web.get(FILA)) == str(outro.pk)


@pytest.mark.parametrize("motivo", ["", "   "])
def test_rejeitar_sem_motivo_e_recusado_e_nada_muda(aprovador, navegador_de, motivo):
    processo = esperando()
    web = navegador_de(aprovador)
    resposta = decidir(web, processo, "rejeitar", motivo=motivo)
    assert resposta.status_code == 400
    assert "Informe o motivo da rejeição." in resposta.content.decode()
    assert da_vez(resposta) == str(processo.pk)
    processo.refresh_from_db()
    assert processo.status == StatusProcesso.AGUARDANDO_APROVACAO and processo.fatura
    assert not Transicao.objects.exists()


def test_pular_nao_muda_nada_e_a_pulada_volta_depois_das_outras(aprovador, navegador_de):
    pulada = esperando(vencimento=dt.date(2026, 4, 5))
    outra = esperando(vencimento=dt.date(2026, 4, 6))
    web = navegador_de(aprovador)
    assert decidir(web, pulada, "pular").status_code == 302
    resposta = web.get(FILA)
    assert da_vez(resposta) == str(outra.pk) and posicao(resposta) == "1 de 2"
    pulada.refresh_from_db()
    assert pulada.status == StatusProcesso.AGUARDANDO_APROVACAO and not Transicao.objects.exists()
    aprovar(web, outra)
    resposta = web.get(FILA)
    assert da_vez(resposta) == str(pulada.pk) and posicao(resposta) == "2 de 2"


def test_depois_da_ultima_nada_mais_para_aprovar_com_link_de_volta(aprovador, navegador_de):
    processo = esperando()
    web = navegador_de(aprovador)
    aprovar(web, processo)
    html = web.get(FILA).content.decode()
    assert "Nada mais para aprovar" in html and reverse("admin:index") in html


def test_operador_recebe_403_e_anonimo_vai_para_o_login(operador, navegador_de, client):
    processo = esperando()
    resposta = client.get(FILA)
    assert resposta.status_code == 302 and "login" in resposta["Location"]
    assert decidir(client, processo, "rejeitar", motivo="x").status_code == 302
    web = navegador_de(operador)
    assert web.get(FILA).status_code == 403
    assert aprovar(web, processo).status_code == 403
    processo.refresh_from_db()
    assert processo.status == StatusProcesso.AGUARDANDO_APROVACAO


def test_link_para_a_fila_so_para_quem_aprova(aprovador, operador, navegador_de, client):
    assert FILA in navegador_de(aprovador).get(reverse("admin:index")).content.decode()
    client.force_login(operador)
    assert FILA not in client.get(reverse("admin:index")).content.decode()


def test_pedido_estranho_nao_da_500(aprovador, navegador_de):
    processo = esperando()
    web = navegador_de(aprovador)
    for dados in (
        {"processo": "nao-e-uuid", "acao": "aprovar"},
        {"processo": "3f2b6c1e-0000-4000-8000-000000000000", "acao": "aprovar"},
        {"processo": str(processo.pk), "acao": "apagar"},
        {"processo": str(processo.pk), "acao": "aprovar", "valor": "abc", "vencimento": "ontem"},
    ):
        assert web.post(FILA, dados).status_code in (302, 400), dados
    processo.refresh_from_db()
    assert processo.status == StatusProcesso.AGUARDANDO_APROVACAO


def test_quando_outra_pessoa_ja_decidiu_avisa_e_segue(aprovador, administrador, navegador_de):
    processo = esperando()
    aprovar(navegador_de(administrador), processo)
    web = navegador_de(aprovador)
    resposta = aprovar(web, processo)
    assert resposta.status_code == 302
    assert "o processo está em “Aguardando envio ao SAT”" in web.get(FILA).content.decode()
    processo.refresh_from_db()
    assert processo.aprovado_por == administrador


def test_pagina_custa_as_mesmas_consultas_com_10_ou_40_na_fila(aprovador, navegador_de):
    web = navegador_de(aprovador)
    cliente = criar_cliente()
    for mes in range(1, 7):  # meses anteriores do cliente da vez
        criar_processo(cliente, dt.date(2025, mes, 1), valor=Decimal(100))
    esperando(cliente, vencimento=dt.date(2026, 4, 2))

    def consultas() -> int:
        decidir(web, esperando(vencimento=dt.date(2026, 6, 1)), "pular")  # uma pulada também
        with CaptureQueriesContext(connection) as capturadas:
            assert web.get(FILA).status_code == 200
        return len(capturadas)

    for _ in range(8):
        esperando(vencimento=dt.date(2026, 5, 1))
    com_10 = consultas()
    for _ in range(29):
        esperando(vencimento=dt.date(2026, 5, 1))
    assert consultas() == com_10 <= 12


@pytest.mark.parametrize(
    ("vencimento", "aviso"),
    [
        (dt.date(2026, 3, 28), "Vencida em 28/03/2026 (há 4 dia(s))."),
        (HOJE, "Vence hoje (01/04/2026)."),
        (dt.date(2026, 4, 4), "Vence em 3 dia(s) (04/04/2026)."),
        (None, "Sem vencimento: informe-o antes de aprovar."),
    ],
)
def test_avisa_vencimento_passado_ou_proximo(aprovador, navegador_de, vencimento, aviso):
    esperando(vencimento=vencimento)
    assert aviso in navegador_de(aprovador).get(FILA).content.decode()


def test_nao_avisa_vencimento_a_mais_de_3_dias(aprovador, navegador_de):
    esperando(vencimento=dt.date(2026, 4, 5))
    assert 'id="avisos"' not in navegador_de(aprovador).get(FILA).content.decode()


def test_avisa_valor_zero_e_pdf_identico_ao_de_outro_processo(aprovador, navegador_de):
    pdf = pdf_de_texto(["Fatura repetida"])
    outro = esperando(pdf=pdf, vencimento=dt.date(2026, 5, 30))
    esperando(pdf=pdf, valor=Decimal("0.00"), vencimento=dt.date(2026, 4, 20))
    html = navegador_de(aprovador).get(FILA).content.decode()
    assert "Valor zero" in html
    assert 'id="fatura-repetida"' in html and str(outro) in html


def _com_historico(valor_atual: str, anteriores=(100, 100, 100, 100, 100, 160)):
    cliente = criar_cliente()
    for mes, valor in enumerate(anteriores, start=9):  # do mais antigo (09/2025) ao mais novo
        criar_processo(
            cliente,
            dt.date(2025 + (mes > 12), (mes - 1) % 12 + 1, 1),
            valor=Decimal(valor),
            vencimento=dt.date(2025, 1, 10),
            status=StatusProcesso.UPLOAD_REALIZADO,
        )
    return esperando(cliente, dt.date(2026, 3, 1), valor=Decimal(valor_atual))


def comparacoes(html: str) -> list[tuple[bool, str]]:
    bloco = re.search(r'<ul class="comparacoes" id="comparacoes">(.*?)</ul>', html, re.S)[1]
    return [
        (bool(classe), re.sub(r"\s+", " ", texto).strip())
        for classe, texto in re.findall(r'<li( class="destaque")?>(.*?)</li>', bloco, re.S)
    ]


def test_variacao_contra_o_mes_anterior_e_a_media_com_destaque_alem_de_20(aprovador, navegador_de):
    # Anteriores: 160 (02/2026) e cinco de 100; média 110.
    _com_historico("200.00")
    html = navegador_de(aprovador).get(FILA).content.decode()
    assert comparacoes(html) == [
        (True, "<strong>+25,0 %</strong> em relação a 02/2026"),
        (True, "<strong>+81,8 %</strong> em relação à média de 6 mês(es) (R$ 110,00)"),
    ]
    assert "09/2025" in html and "Upload realizado" in html and "10/01/2025" in html


def test_variacao_dentro_do_limiar_nao_tem_destaque(aprovador, navegador_de):
    _com_historico("128.00", anteriores=(120, 120, 120, 120, 120, 120))
    assert comparacoes(navegador_de(aprovador).get(FILA).content.decode()) == [
        (False, "<strong>+6,7 %</strong> em relação a 02/2026"),
        (False, "<strong>+6,7 %</strong> em relação à média de 6 mês(es) (R$ 120,00)"),
    ]


def test_limiar_da_variacao_vem_da_configuracao(aprovador, navegador_de, settings):
    settings.APROVACAO_LIMIAR_VARIACAO = 5
    _com_historico("90.00", anteriores=(100, 100, 100, 100, 100, 100))
    assert [
        destaque for destaque, _ in comparacoes(navegador_de(aprovador).get(FILA).content.decode())
    ] == [True, True]


def test_sem_valores_do_robo_a_fila_preenche_do_pdf_e_pede_conferencia(aprovador, navegador_de):
    pdf = fatura_pdf(
        Fatura(
            "VIVO", "12.345.678/0001-95", "4455", "03/2026", "1234.56", dt.date(2026, 4, 10), "j"
        )
    )
    processo = esperando(pdf=pdf, valor=None, vencimento=None)
    html = navegador_de(aprovador).get(FILA).content.decode()
    assert "lido do PDF — confira" in html
    assert 'value="1.234,56"' in html and 'value="2026-04-10"' in html
    processo.refresh_from_db()
    assert processo.valor is None  # mostrar não grava; quem grava é a aprovação


def test_limiar_da_variacao_lido_do_ambiente_e_negativo_falha_dizendo_o_nome():
    from brm.tests.test_configuracao import rodar_python

    mostrar = "import django; django.setup(); from django.conf import settings as s; print(s.APROVACAO_LIMIAR_VARIACAO)"
    assert rodar_python(mostrar).stdout.strip() == "20.0"
    assert rodar_python(mostrar, APROVACAO_LIMIAR_VARIACAO="35").stdout.strip() == "35.0"
    negativo = rodar_python(mostrar, APROVACAO_LIMIAR_VARIACAO="-5")
    assert negativo.returncode != 0 and "APROVACAO_LIMIAR_VARIACAO" in negativo.stderr
