"""O que cada tipo de agendamento faz quando roda."""

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from agendamentos import execucao as servico
from agendamentos.deveres import rodar_agendamentos
from agendamentos.models import ExecucaoAgendamento, Resultado, TipoAgendamento
from brm.fabricas import criar_agendamento, criar_cliente, criar_operadora, criar_processo
from clientes.models import Cliente
from execucoes.models import Execucao, StatusExecucao, TipoExecucao
from processos.criacao import criar_processos_mensais
from processos.models import Origem, Processo, StatusProcesso, Transicao

JANEIRO = dt.date(2027, 1, 1)
BAIXAR = TipoAgendamento.BAIXAR_FATURAS


def rodar_no_horario(relogio, agendamento) -> ExecucaoAgendamento:
    relogio.agora = agendamento.proxima_em
    rodar_agendamentos()
    return agendamento.execucoes.get()


def downloads_pedidos() -> set:
    return set(
        Execucao.objects.filter(
            tipo=TipoExecucao.DOWNLOAD_FATURA, status=StatusExecucao.PENDENTE
        ).values_list("processo_id", flat=True)
    )


def rejeitar_em(relogio, processo, horario: str) -> None:
    antes = relogio.agora
    relogio.em(horario)
    Transicao.objects.create(
        processo=processo,
        de=StatusProcesso.AGUARDANDO_APROVACAO,
        para=StatusProcesso.AGUARDANDO_DOWNLOAD,
        origem=Origem.WEB,
        motivo="Fatura ilegível",
    )
    relogio.agora = antes


@pytest.fixture
def mes(relogio):
    """Janeiro de 2027, dia 5: processos do mês em cada situação que o download olha."""
    relogio.em("2027-01-05 07:00")
    vivo, oi = criar_operadora("VIVO"), criar_operadora("OI")
    sem_robo = criar_operadora("AZUTON", possui_rpa=False)
    p = {
        "vivo": criar_processo(criar_cliente(vivo), competencia=JANEIRO),
        "oi": criar_processo(criar_cliente(oi), competencia=JANEIRO),
        "sem_robo": criar_processo(criar_cliente(sem_robo), competencia=JANEIRO),
        "em_andamento": criar_processo(criar_cliente(vivo), competencia=JANEIRO),
        "rejeitado_hoje": criar_processo(criar_cliente(vivo), competencia=JANEIRO),
        "rejeitado_em_dezembro": criar_processo(criar_cliente(vivo), competencia=JANEIRO),
        "dezembro": criar_processo(criar_cliente(vivo), competencia=dt.date(2026, 12, 1)),
        "em_aprovacao": criar_processo(
            criar_cliente(vivo),
            competencia=JANEIRO,
            status=StatusProcesso.AGUARDANDO_APROVACAO,
        ),
        "cliente_inativo": criar_processo(criar_cliente(vivo, ativo=False), competencia=JANEIRO),
    }
    Execucao.objects.create(
        processo=p["em_andamento"],
        tipo=TipoExecucao.DOWNLOAD_FATURA,
        status=StatusExecucao.EXECUTANDO,
    )
    rejeitar_em(relogio, p["rejeitado_hoje"], "2027-01-03 15:00")
    rejeitar_em(relogio, p["rejeitado_em_dezembro"], "2026-12-28 15:00")
    return {nome: processo.pk for nome, processo in p.items()}


def test_baixar_faturas_pede_o_download_de_quem_espera_no_mes(relogio, mes):
    agendamento = criar_agendamento(BAIXAR, expressao="0 8 5 * *")
    execucao = rodar_no_horario(relogio, agendamento)
    esperados = {mes["vivo"], mes["oi"], mes["rejeitado_em_dezembro"]}
    assert downloads_pedidos() == esperados
    assert execucao.resultado == Resultado.SUCESSO
    assert execucao.itens == 3
    assert execucao.resumo == "Competência 01/2027: 3 download(s) pedido(s) ao robô."
    # Nenhum processo ganhou uma segunda execução (o que já rodava continua sendo o único).
    assert Execucao.objects.filter(processo_id=mes["em_andamento"]).count() == 1


def test_baixar_faturas_de_uma_operadora_so(relogio, mes):
    from operadoras.models import Operadora

    oi = Operadora.objects.get(codigo="OI")
    agendamento = criar_agendamento(BAIXAR, expressao="0 8 5 * *", operadora=oi)
    rodar_no_horario(relogio, agendamento)
    assert downloads_pedidos() == {mes["oi"]}


def test_baixar_faturas_pode_incluir_os_rejeitados_no_mes(relogio, mes):
    agendamento = criar_agendamento(BAIXAR, expressao="0 8 5 * *", incluir_rejeitados=True)
    rodar_no_horario(relogio, agendamento)
    assert mes["rejeitado_hoje"] in downloads_pedidos()


def test_download_pedido_pelo_agendamento_e_igual_ao_do_botao(relogio, mes):
    Processo.objects.filter(pk=mes["vivo"]).update(ultima_execucao_falhou=True)
    agendamento = criar_agendamento(BAIXAR, expressao="0 8 5 * *")
    rodar_no_horario(relogio, agendamento)
    execucao = Execucao.objects.get(processo_id=mes["vivo"])
    assert execucao.executado_por is None
    assert execucao.parametros_entrada["operadora"] == "VIVO"
    assert execucao.parametros_entrada["senha"] == "••••••"  # nunca a senha do portal
    assert not Processo.objects.get(pk=mes["vivo"]).ultima_execucao_falhou


def test_rodar_o_download_de_novo_nao_duplica_nada(relogio, mes, administrador):
    agendamento = criar_agendamento(BAIXAR, expressao="0 8 5 * *")
    rodar_no_horario(relogio, agendamento)
    de_novo = servico.executar_agora(agendamento, administrador)
    assert de_novo.resultado == Resultado.SUCESSO and de_novo.itens == 0
    assert len(downloads_pedidos()) == 3


def test_baixar_milhares_custa_consultas_por_lote_nao_por_processo(relogio):
    relogio.em("2027-01-05 07:00")
    operadora = criar_operadora("VIVO")
    modelo = criar_cliente(operadora)
    Cliente.objects.bulk_create(
        Cliente(
            operadora=operadora,
            razao_social=f"EMPRESA EM LOTE {n}",
            cnpj=f"{n:012d}00",
            hash_unico=f"lote{n}",
            filtro=str(50_000 + n),
            senha_portal=modelo.senha_portal,
        )
        for n in range(1_100)
    )
    criar_processos_mensais(competencia=JANEIRO, origem=Origem.COMANDO)
    agendamento = criar_agendamento(BAIXAR, expressao="0 8 5 * *")
    relogio.agora = agendamento.proxima_em
    with CaptureQueriesContext(connection) as consultas:
        rodar_agendamentos()
    assert agendamento.execucoes.get().itens == 1_101
    assert len(downloads_pedidos()) == 1_101
    # Um a um seriam mais de 4 consultas por processo; em lotes, umas poucas por lote (o SQLite
    # divide cada INSERT em partes de algumas dezenas de linhas).
    assert len(consultas) < 110


def test_enviar_ao_sat_leva_as_aprovadas_de_qualquer_mes(relogio):
    relogio.em("2027-01-05 07:00")
    aprovada = criar_processo(
        status=StatusProcesso.AGUARDANDO_ENVIO_SAT,
        competencia=dt.date(2026, 12, 1),
        fatura="faturas/2026/12/a.pdf",
        vencimento=dt.date(2027, 1, 10),
    )
    sem_fatura = criar_processo(status=StatusProcesso.AGUARDANDO_ENVIO_SAT)
    ja_enviando = criar_processo(
        status=StatusProcesso.AGUARDANDO_ENVIO_SAT, fatura="faturas/2026/12/b.pdf"
    )
    Execucao.objects.create(processo=ja_enviando, tipo=TipoExecucao.UPLOAD_SAT)
    criar_processo()  # esperando download: não é com o SAT
    agendamento = criar_agendamento(TipoAgendamento.ENVIAR_AO_SAT, expressao="0 8 * * *")
    execucao = rodar_no_horario(relogio, agendamento)
    enviados = Execucao.objects.filter(tipo=TipoExecucao.UPLOAD_SAT).exclude(processo=ja_enviando)
    assert list(enviados.values_list("processo_id", flat=True)) == [aprovada.pk]
    assert enviados.get().parametros_entrada["data_vencimento"] == "10/01/2027"
    assert execucao.itens == 1
    assert execucao.resumo == "1 fatura(s) enviada(s) ao SAT."
    assert not Execucao.objects.filter(processo=sem_fatura).exists()


def test_criar_processos_de_uma_operadora(relogio):
    relogio.em("2027-01-05 07:00")
    vivo, oi = criar_operadora("VIVO"), criar_operadora("OI")
    criar_cliente(vivo), criar_cliente(oi), criar_cliente(oi)
    agendamento = criar_agendamento(expressao="0 6 1 * *", operadora=oi)
    relogio.em("2027-02-01 06:00")
    execucao = rodar_no_horario(relogio, agendamento)
    assert execucao.resumo == "Competência 02/2027: 2 processo(s) criado(s), 0 já existiam."
    fevereiro = Processo.objects.filter(competencia=dt.date(2027, 2, 1))
    assert set(fevereiro.values_list("cliente__operadora__codigo", flat=True)) == {"OI"}
    assert all(fevereiro.values_list("criado_automaticamente", flat=True))
