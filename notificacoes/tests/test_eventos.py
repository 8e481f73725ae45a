import datetime as dt
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest

from brm.fabricas import criar_cliente, criar_operadora, criar_processo, jwt_de_teste
from execucoes.models import Execucao, StatusExecucao, TipoExecucao
from execucoes.token_rpa import marcar_token
from notificacoes import eventos
from notificacoes.models import Canal, Notificacao, TipoNotificacao
from processos.models import Processo, StatusProcesso

pytestmark = pytest.mark.django_db

SP = ZoneInfo("America/Sao_Paulo")


def _do(tipo, canal=Canal.APP):
    return Notificacao.objects.filter(tipo=tipo, canal=canal)


def _esperando(razao_social, vencimento, valor="100.00"):
    return criar_processo(
        criar_cliente(criar_operadora("VIVO"), razao_social=razao_social),
        status=StatusProcesso.AGUARDANDO_APROVACAO,
        vencimento=vencimento,
        valor=Decimal(valor),
    )


# --- Resumo diário de aprovação -------------------------------------------------------------------
@pytest.fixture
def tres_esperando(db):
    return [
        _esperando("TERCEIRA & FILHOS LTDA", dt.date(2026, 3, 25), "300.00"),
        _esperando("PRIMEIRA LTDA", dt.date(2026, 3, 12), "1234.56"),
        _esperando("SEM VENCIMENTO LTDA", None),
        _esperando("SEGUNDA LTDA", dt.date(2026, 3, 15), "200.00"),
    ]


def test_resumo_de_aprovacao_lista_do_vencimento_mais_proximo_com_links(
    tres_esperando, aprovador, relogio, settings, navegador_de
):
    settings.SITE_URL = "https://brm.example.com"
    relogio.ir_para(dt.datetime(2026, 3, 10, 8, 0, tzinfo=SP))
    criar_processo(status=StatusProcesso.AGUARDANDO_DOWNLOAD)  # não espera aprovação

    assert eventos.resumo_de_aprovacao() == 1

    aviso = _do(TipoNotificacao.RESUMO_APROVACAO).get(destinatario=aprovador)
    assert aviso.assunto == "4 fatura(s) esperando aprovação — 10/03/2026"
    ordem = [aviso.texto.index(nome) for nome in ("PRIMEIRA", "SEGUNDA", "TERCEIRA", "SEM VENC")]
    assert ordem == sorted(ordem)
    terceira, primeira, _, _ = tres_esperando
    assert f"https://brm.example.com/processos/{primeira.pk}/" in aviso.texto
    assert f'href="https://brm.example.com/processos/{terceira.pk}/"' in aviso.html
    assert "R$ 1.234,56" in aviso.texto
    assert "12/03/2026" in aviso.html
    assert "TERCEIRA & FILHOS LTDA" in aviso.texto  # texto puro, sem entidades HTML
    assert "TERCEIRA &amp; FILHOS LTDA" in aviso.html
    lista = navegador_de(aprovador).get(aviso.link)
    assert lista.status_code == 200 and "PRIMEIRA LTDA" in lista.content.decode()


def test_resumo_de_aprovacao_espera_a_hora_e_sai_uma_vez_por_dia(
    tres_esperando, aprovador, relogio
):
    relogio.ir_para(dt.datetime(2026, 3, 10, 7, 59, tzinfo=SP))
    assert eventos.resumo_de_aprovacao() == 0
    relogio.ir_para(dt.datetime(2026, 3, 10, 8, 1, tzinfo=SP))
    assert eventos.resumo_de_aprovacao() == 1
    relogio.ir_para(dt.datetime(2026, 3, 10, 18, 0, tzinfo=SP))
    assert eventos.resumo_de_aprovacao() == 0
    relogio.ir_para(dt.datetime(2026, 3, 11, 8, 0, tzinfo=SP))
    assert eventos.resumo_de_aprovacao() == 1
    assert _do(TipoNotificacao.RESUMO_APROVACAO).filter(destinatario=aprovador).count() == 2


def test_nada_a_aprovar_nada_e_mandado(aprovador, relogio):
    relogio.ir_para(dt.datetime(2026, 3, 10, 9, 0, tzinfo=SP))
    assert eventos.resumo_de_aprovacao() == 0
    assert not Notificacao.objects.exists()


def test_o_resumo_de_aprovacao_nao_vai_ao_operador(tres_esperando, operador, relogio):
    relogio.ir_para(dt.datetime(2026, 3, 10, 9, 0, tzinfo=SP))
    eventos.resumo_de_aprovacao()
    assert not Notificacao.objects.filter(destinatario=operador).exists()


# --- Vencendo sem SAT --------------------------------------------------------------------------
def test_faturas_vencendo_em_3_dias_sem_sat_avisam_quem_opera(operador, relogio):
    relogio.ir_para(dt.datetime(2026, 3, 10, 9, 0, tzinfo=SP))
    vence = _esperando("VENCE LOGO LTDA", dt.date(2026, 3, 13))
    _esperando("VENCE DEPOIS LTDA", dt.date(2026, 3, 14))
    registrada = _esperando("JA NO SAT LTDA", dt.date(2026, 3, 11))
    Processo.objects.filter(pk=registrada.pk).update(status=StatusProcesso.UPLOAD_REALIZADO)

    assert eventos.vencimentos_sem_sat() == 1
    assert eventos.vencimentos_sem_sat() == 0

    aviso = _do(TipoNotificacao.VENCIMENTO_SEM_SAT).get(destinatario=operador)
    assert "VENCE LOGO" in aviso.texto and f"/processos/{vence.pk}/" in aviso.texto
    assert "VENCE DEPOIS" not in aviso.texto and "JA NO SAT" not in aviso.texto


# --- Execução sem nova tentativa ------------------------------------------------------------------
def _falhou(processo, tentativa, status=StatusExecucao.FALHOU):
    execucao = Execucao.objects.create(
        processo=processo,
        tipo=TipoExecucao.DOWNLOAD_FATURA,
        status=status,
        numero_tentativa=tentativa,
        erro="Portal fora do ar",
    )
    Processo.registrar_execucao(execucao)
    return execucao


def test_execucao_que_esgotou_as_tentativas_avisa_uma_vez(operador, settings):
    settings.RPA_MAX_TENTATIVAS = 3
    processo = criar_processo(criar_cliente(razao_social="FALHOU TUDO LTDA"))
    _falhou(processo, 1)
    nova = Execucao.objects.create(
        processo=processo, tipo=TipoExecucao.DOWNLOAD_FATURA, numero_tentativa=2
    )
    Processo.registrar_execucao(nova)
    assert eventos.tentativas_esgotadas() == 0  # há nova tentativa na fila

    Execucao.objects.filter(pk=nova.pk).update(status=StatusExecucao.FALHOU)
    _falhou(processo, 3, StatusExecucao.TIMEOUT)
    assert eventos.tentativas_esgotadas() == 1
    assert eventos.tentativas_esgotadas() == 0

    aviso = _do(TipoNotificacao.TENTATIVAS_ESGOTADAS).get(destinatario=operador)
    assert "FALHOU TUDO LTDA" in aviso.assunto and "tentativa 3" in aviso.assunto
    assert "Portal fora do ar" in aviso.texto
    assert aviso.link == f"/processos/{processo.pk}/"


# --- Token da API RPA -----------------------------------------------------------------------------
def test_token_expirando_avisa_aos_30_7_e_1_dia_uma_vez_cada(administrador, relogio, settings):
    expira = relogio.agora + dt.timedelta(days=40)
    settings.API_EXTERNA_TOKEN = jwt_de_teste(40)
    avisos = []
    for faltando in (35, 29.5, 20, 6.9, 3, 0.8, 0.5):
        relogio.ir_para(expira - dt.timedelta(days=faltando))
        avisos.append(eventos.token_expirando())
    assert avisos == [0, 1, 0, 1, 0, 1, 0]
    assuntos = list(
        _do(TipoNotificacao.TOKEN_EXPIRANDO).order_by("criado_em").values_list("assunto", flat=True)
    )
    assert [assunto.split(" (")[0] for assunto in assuntos] == [
        "O token da API RPA expira em até 30 dia(s)",
        "O token da API RPA expira em até 7 dia(s)",
        "O token da API RPA expira em até 1 dia(s)",
    ]


def test_token_novo_perto_de_expirar_avisa_so_o_marco_mais_urgente(administrador, settings):
    settings.API_EXTERNA_TOKEN = jwt_de_teste(5)
    assert eventos.token_expirando() == 1
    assert eventos.token_expirando() == 0
    assert "até 7 dia(s)" in _do(TipoNotificacao.TOKEN_EXPIRANDO).get().assunto


def test_token_recusado_avisa_os_administradores_uma_vez_por_recusa(
    administrador, operador, settings
):
    settings.API_EXTERNA_TOKEN = jwt_de_teste(300)
    assert eventos.token_foi_recusado() == 0
    marcar_token(settings.API_EXTERNA_TOKEN, recusado=True)
    assert eventos.token_foi_recusado() == 1
    assert eventos.token_foi_recusado() == 0
    assert list(_do(TipoNotificacao.TOKEN_RECUSADO).values_list("destinatario", flat=True)) == [
        administrador.pk
    ]


# --- Pedidos do agendamento -----------------------------------------------------------------------
def test_resumo_mensal_conta_por_status_e_operadora_com_valores(administrador):
    vivo, oi = criar_operadora("VIVO"), criar_operadora("OI")
    marco = dt.date(2026, 3, 1)
    criar_processo(
        criar_cliente(vivo),
        competencia=marco,
        status=StatusProcesso.UPLOAD_REALIZADO,
        valor=Decimal("1000.00"),
    )
    criar_processo(
        criar_cliente(vivo),
        competencia=marco,
        status=StatusProcesso.AGUARDANDO_APROVACAO,
        valor=Decimal("234.56"),
    )
    falhou = criar_processo(criar_cliente(oi, razao_social="OI COM FALHA LTDA"), competencia=marco)
    _falhou(falhou, 3)
    criar_processo(criar_cliente(oi), competencia=dt.date(2026, 2, 1), valor=Decimal("99999"))

    assunto, texto, html = eventos.resumo_mensal(marco)

    assert assunto == "Resumo de 03/2026: 3 processo(s)"
    assert "Upload realizado: 1" in texto and "Aguardando aprovação: 1" in texto
    assert "Aguardando download: 1" in texto
    assert "total R$ 1.234,56 em 2 fatura(s); aprovado R$ 1.000,00" in texto
    assert "- OI: 1 processo(s)" in texto and "- VIVO: 2 processo(s)" in texto
    assert "Processos com falha esperando alguém: 1" in texto
    assert f"/processos/{falhou.pk}/" in html and "OI COM FALHA LTDA" in html


def test_enviar_resumo_mensal_uma_vez_por_competencia(administrador):
    assert eventos.enviar_resumo_mensal(dt.date(2026, 3, 1)) == 1
    assert eventos.enviar_resumo_mensal(dt.date(2026, 3, 1)) == 0
    assert eventos.enviar_resumo_mensal(dt.date(2026, 4, 1)) == 1


def test_agendamento_que_falhou_avisa_os_administradores_uma_vez(administrador, operador):
    assert eventos.avisar_agendamento_falhou("Downloads do dia 5", "API fora do ar", "exec-1") == 1
    assert eventos.avisar_agendamento_falhou("Downloads do dia 5", "API fora do ar", "exec-1") == 0
    aviso = _do(TipoNotificacao.AGENDAMENTO_FALHOU).get()
    assert aviso.destinatario == administrador
    assert aviso.assunto == "O agendamento “Downloads do dia 5” falhou"
    assert "API fora do ar" in aviso.texto


def test_downloads_atrasados_listam_os_processos_para_quem_opera(operador):
    faltando = criar_processo(criar_cliente(razao_social="AINDA SEM FATURA LTDA"))
    assert (
        eventos.avisar_downloads_atrasados(nome="Downloads", chave="exec-2", processos=[], dias=2)
        == 0
    )
    assert (
        eventos.avisar_downloads_atrasados(
            nome="Downloads", chave="exec-2", processos=[faltando], dias=2
        )
        == 1
    )
    aviso = _do(TipoNotificacao.DOWNLOADS_ATRASADOS).get()
    assert aviso.destinatario == operador
    assert "AINDA SEM FATURA LTDA" in aviso.texto and f"/processos/{faltando.pk}/" in aviso.texto


def test_downloads_atrasados_aceitam_um_queryset_grande_lendo_so_os_primeiros(operador):
    for numero in range(eventos.LISTADOS + 5):
        criar_processo(criar_cliente(razao_social=f"CLIENTE {numero:03d} LTDA"))
    faltando = Processo.objects.filter(status=StatusProcesso.AGUARDANDO_DOWNLOAD)
    assert (
        eventos.avisar_downloads_atrasados(
            nome="Downloads do dia 5", chave="exec-3", processos=faltando, dias=3
        )
        == 1
    )
    aviso = _do(TipoNotificacao.DOWNLOADS_ATRASADOS).get()
    assert aviso.assunto == "55 download(s) ainda faltando 3 dia(s) depois de “Downloads do dia 5”"
    assert "CLIENTE 000 LTDA" in aviso.texto and "… e mais 5." in aviso.texto
    assert "CLIENTE 054 LTDA" not in aviso.texto
