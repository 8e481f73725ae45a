import datetime as dt

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext

from brm.fabricas import criar_cliente, criar_operadora
from processos.criacao import criar_processos_mensais
from processos.models import Processo, StatusProcesso, Transicao

pytestmark = pytest.mark.django_db
MARCO = dt.date(2026, 3, 1)


def test_cria_um_processo_por_cliente_ativo_de_operadora_ativa():
    vivo, oi = criar_operadora("VIVO"), criar_operadora("OI")
    inativa = criar_operadora("ANTIGA", ativo=False)
    ativos = [criar_cliente(vivo), criar_cliente(vivo), criar_cliente(oi)]
    criar_cliente(vivo, ativo=False)
    cliente_da_inativa = criar_cliente(vivo)
    cliente_da_inativa.operadora = inativa
    cliente_da_inativa.save()

    resultado = criar_processos_mensais(competencia=MARCO)

    assert resultado.criados == 3
    processos = Processo.objects.filter(competencia=MARCO)
    assert {p.cliente_id for p in processos} == {c.id for c in ativos}
    assert {p.status for p in processos} == {StatusProcesso.AGUARDANDO_DOWNLOAD}


def test_rodar_duas_vezes_cria_uma_vez_e_grava_uma_transicao_por_processo():
    criar_cliente(), criar_cliente()
    primeira = criar_processos_mensais(competencia=MARCO)
    segunda = criar_processos_mensais(competencia=MARCO)
    assert (primeira.criados, primeira.existentes) == (2, 0)
    assert (segunda.criados, segunda.existentes) == (0, 2)
    assert Processo.objects.count() == 2
    assert Transicao.objects.count() == 2
    assert set(Transicao.objects.values_list("de", "para")) == {
        ("", StatusProcesso.AGUARDANDO_DOWNLOAD)
    }


def test_so_uma_operadora_quando_pedida():
    vivo, oi = criar_operadora("VIVO"), criar_operadora("OI")
    criar_cliente(vivo), criar_cliente(oi)
    resultado = criar_processos_mensais(competencia=MARCO, operadora=oi)
    assert resultado.criados == 1
    assert Processo.objects.get().cliente.operadora == oi


def test_insere_em_lotes_sem_uma_ida_ao_banco_por_cliente():
    operadora = criar_operadora()
    for _ in range(60):
        criar_cliente(operadora)
    with CaptureQueriesContext(connection) as consultas:
        resultado = criar_processos_mensais(competencia=MARCO)
    assert resultado.criados == 60
    assert len(consultas) < 10


def test_comando_aceita_mm_aaaa_e_operadora(capsys):
    criar_cliente(criar_operadora("VIVO")), criar_cliente(criar_operadora("OI"))
    call_command("criar_processos_mensais", "--competencia", "03/2026", "--operadora", "vivo")
    assert "1 processo(s) criado(s)" in capsys.readouterr().out
    assert Processo.objects.get().competencia == MARCO


@pytest.mark.parametrize(
    ("argumentos", "mensagem"),
    [
        (["--competencia", "13/2026"], "Competência inválida"),
        (["--competencia", "2026-03"], "use MM/AAAA"),
        (["--competencia", "03/2026", "--operadora", "NAOEXISTE"], "não encontrada"),
    ],
)
def test_comando_recusa_entrada_ruim_com_mensagem_clara(argumentos, mensagem):
    with pytest.raises(CommandError, match=mensagem):
        call_command("criar_processos_mensais", *argumentos)
    assert Processo.objects.count() == 0
