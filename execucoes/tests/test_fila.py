"""A fila do despacho: quem vai ao robô primeiro e quantos de cada vez (`execucoes.fila`).

O despacho é o de verdade (`despachar_pendentes`), só sem o POST: a execução reivindicada fica
“sendo enviada”, ocupando a vaga, como fica enquanto o robô não responde."""

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from brm.fabricas import criar_cliente, criar_operadora, criar_processo
from execucoes import despacho, fila
from execucoes.models import Execucao, StatusExecucao, TipoExecucao
from processos.models import StatusProcesso

pytestmark = pytest.mark.django_db

JANEIRO, FEVEREIRO, MARCO = dt.date(2026, 1, 1), dt.date(2026, 2, 1), dt.date(2026, 3, 1)


@pytest.fixture(autouse=True)
def _sem_robo(monkeypatch, settings):
    """O POST não sai: a execução fica reivindicada (em voo), como com o robô ainda respondendo."""
    settings.RPA_JOBS_SIMULTANEOS = 100
    monkeypatch.setattr(despacho, "_enviar", lambda execucao, cerca: 1)


def na_fila(processo, tipo=TipoExecucao.DOWNLOAD_FATURA, **campos) -> Execucao:
    return Execucao.objects.create(processo=processo, tipo=tipo, **campos)


def despachadas(limite: int = 100) -> list[Execucao]:
    """As execuções que o despacho levou agora, na ordem em que as levou."""
    antes = set(
        Execucao.objects.filter(envio_iniciado_em__isnull=False).values_list("pk", flat=True)
    )
    despacho.despachar_pendentes(limite=limite)
    levadas = Execucao.objects.filter(envio_iniciado_em__isnull=False).exclude(pk__in=antes)
    return list(levadas.order_by("envio_iniciado_em", "atualizado_em"))


def terminar(execucao: Execucao) -> None:
    Execucao.objects.filter(pk=execucao.pk).update(
        status=StatusExecucao.CONCLUIDO, envio_iniciado_em=None, finalizada_em=timezone.now()
    )


def um_de_cada_vez() -> list[Execucao]:
    """A ordem da fila: despacha uma por vez, com uma vaga só."""
    ordem = []
    while levada := despachadas(limite=1):
        ordem += levada
        terminar(levada[0])
    return ordem


@pytest.fixture
def vivo():
    return criar_operadora("VIVO", jobs_simultaneos=1)


# --- a ordem ------------------------------------------------------------------------------------
def test_competencia_mais_antiga_vai_primeiro(vivo):
    marco = na_fila(criar_processo(criar_cliente(vivo), competencia=MARCO))
    janeiro = na_fila(criar_processo(criar_cliente(vivo), competencia=JANEIRO))
    fevereiro = na_fila(criar_processo(criar_cliente(vivo), competencia=FEVEREIRO))
    assert um_de_cada_vez() == [janeiro, fevereiro, marco]


def test_no_mesmo_mes_vai_primeiro_quem_vence_antes_e_quem_nao_se_sabe_por_ultimo(vivo):
    def cliente_que_venceu_em(vencimento):
        cliente = criar_cliente(vivo)
        if vencimento:
            criar_processo(
                cliente,
                competencia=FEVEREIRO,
                status=StatusProcesso.UPLOAD_REALIZADO,
                vencimento=vencimento,
            )
        return cliente

    sem_historico = na_fila(criar_processo(cliente_que_venceu_em(None), competencia=MARCO))
    dia_20 = na_fila(criar_processo(cliente_que_venceu_em(dt.date(2026, 3, 20)), competencia=MARCO))
    dia_5 = na_fila(criar_processo(cliente_que_venceu_em(dt.date(2026, 3, 5)), competencia=MARCO))
    assert um_de_cada_vez() == [dia_5, dia_20, sem_historico]


def test_vencimento_previsto_e_o_anterior_trazido_para_a_competencia(vivo):
    """O cliente que pulou meses: o último vencimento conhecido (de dezembro, para 15/01) vale
    como 15/04 em março — não passa na frente de quem vence dia 10."""
    pulou = criar_cliente(vivo)
    criar_processo(pulou, competencia=dt.date(2025, 12, 1), vencimento=dt.date(2026, 1, 15))
    criar_processo(pulou, competencia=JANEIRO)  # sem vencimento: não conta
    em_dia = criar_cliente(vivo)
    criar_processo(em_dia, competencia=FEVEREIRO, vencimento=dt.date(2026, 3, 10))
    do_pulou = na_fila(criar_processo(pulou, competencia=MARCO))
    do_em_dia = na_fila(criar_processo(em_dia, competencia=MARCO))

    fila.enfileirar()
    previstos = dict(Execucao.objects.values_list("pk", "vencimento_previsto"))
    assert previstos == {do_pulou.pk: dt.date(2026, 4, 15), do_em_dia.pk: dt.date(2026, 4, 10)}
    assert um_de_cada_vez() == [do_em_dia, do_pulou]


def test_no_empate_vai_quem_chegou_primeiro(vivo):
    primeira = na_fila(criar_processo(criar_cliente(vivo), competencia=MARCO))
    segunda = na_fila(criar_processo(criar_cliente(vivo), competencia=MARCO))
    terceira = na_fila(criar_processo(criar_cliente(vivo), competencia=MARCO))
    assert um_de_cada_vez() == [primeira, segunda, terceira]


def test_nova_tentativa_espera_a_sua_hora_e_nao_segura_a_fila(vivo):
    depois = timezone.now() + dt.timedelta(minutes=5)
    esperando = na_fila(
        criar_processo(criar_cliente(vivo), competencia=JANEIRO), executar_apos=depois
    )
    outra = na_fila(criar_processo(criar_cliente(vivo), competencia=MARCO))
    assert um_de_cada_vez() == [outra]
    Execucao.objects.filter(pk=esperando.pk).update(executar_apos=timezone.now())
    assert um_de_cada_vez() == [esperando]


def test_envio_ao_sat_vai_pela_competencia_e_pelo_vencimento_da_fatura(vivo):
    aprovado = criar_processo(
        criar_cliente(vivo),
        competencia=FEVEREIRO,
        status=StatusProcesso.AGUARDANDO_ENVIO_SAT,
        vencimento=dt.date(2026, 3, 2),
    )
    sat = na_fila(aprovado, tipo=TipoExecucao.UPLOAD_SAT)
    download = na_fila(criar_processo(criar_cliente(vivo), competencia=MARCO))
    fila.enfileirar()
    sat.refresh_from_db()
    assert (sat.operadora, sat.competencia, sat.vencimento_previsto) == (
        None,
        FEVEREIRO,
        dt.date(2026, 3, 2),
    )
    assert um_de_cada_vez() == [sat, download]


# --- a capacidade -------------------------------------------------------------------------------
def test_operadora_cheia_espera_e_as_outras_seguem():
    vivo, oi = (
        criar_operadora("VIVO", jobs_simultaneos=2),
        criar_operadora("OI", jobs_simultaneos=3),
    )
    for operadora in (vivo, vivo, vivo, vivo, oi, oi, oi, oi):
        na_fila(criar_processo(criar_cliente(operadora)))

    levadas = despachadas()
    por_operadora = sorted(e.processo.cliente.operadora.codigo for e in levadas)
    assert por_operadora == ["OI", "OI", "OI", "VIVO", "VIVO"]
    assert despachadas() == []  # as vagas continuam ocupadas

    terminar(levadas[0])
    assert [e.processo.cliente.operadora for e in despachadas()] == [
        levadas[0].processo.cliente.operadora
    ]


def test_limite_global_vale_para_downloads_e_envios_ao_sat(settings):
    settings.RPA_JOBS_SIMULTANEOS = 3
    vivo, oi = (
        criar_operadora("VIVO", jobs_simultaneos=5),
        criar_operadora("OI", jobs_simultaneos=5),
    )
    sat = na_fila(
        criar_processo(
            criar_cliente(vivo),
            competencia=JANEIRO,
            status=StatusProcesso.AGUARDANDO_ENVIO_SAT,
            vencimento=JANEIRO,
        ),
        tipo=TipoExecucao.UPLOAD_SAT,
    )
    for operadora in (vivo, vivo, oi, oi):
        na_fila(criar_processo(criar_cliente(operadora)))

    levadas = despachadas()
    assert len(levadas) == 3 and sat in levadas
    assert despachadas() == []
    terminar(sat)
    assert len(despachadas()) == 1


def test_job_rodando_e_envio_sem_resposta_ocupam_vaga(vivo):
    rodando = criar_processo(criar_cliente(vivo))
    na_fila(rodando, status=StatusExecucao.EXECUTANDO, job_id="job-1")
    esperando = na_fila(criar_processo(criar_cliente(vivo)))
    assert despachadas() == []

    Execucao.objects.filter(processo=rodando).update(status=StatusExecucao.FALHOU)
    assert despachadas() == [esperando]
    assert despachadas() == []  # sendo enviada, ainda sem resposta: ocupa a vaga


def test_execucao_criada_em_lote_entra_na_fila_do_robo_da_sua_operadora():
    vivo = criar_operadora("VIVO", jobs_simultaneos=1)
    oi = criar_operadora("OI", jobs_simultaneos=1)
    processos = [criar_processo(criar_cliente(o)) for o in (vivo, vivo, oi)]
    Execucao.objects.bulk_create(
        [Execucao(processo=p, tipo=TipoExecucao.DOWNLOAD_FATURA) for p in processos]
    )
    assert sorted(e.operadora.codigo for e in despachadas()) == ["OI", "VIVO"]


def test_reivindicar_custa_o_mesmo_com_a_fila_grande():
    operadoras = [criar_operadora(c, jobs_simultaneos=1) for c in ("VIVO", "OI", "EMBRATEL")]
    despacho.despachar_pendentes()  # a primeira vez cria o estado da API RPA

    def consultas_para_despachar(tamanho_da_fila: int) -> int:
        Execucao.objects.all().delete()
        for numero in range(tamanho_da_fila):
            na_fila(criar_processo(criar_cliente(operadoras[numero % 3])))
        fila.enfileirar()
        with CaptureQueriesContext(connection) as contexto:
            assert len(despachadas(limite=3)) == 3
        return len(contexto)

    assert consultas_para_despachar(3) == consultas_para_despachar(60)
