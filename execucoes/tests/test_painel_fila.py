"""A fila do robô no painel: por operadora, quantas esperam, quantas rodam da capacidade, o ritmo
da última hora e quando a fila deve acabar."""

import datetime as dt
import re

import pytest
from django.utils import timezone

from brm.fabricas import criar_cliente, criar_operadora, criar_processo, criar_usuario
from execucoes import fila
from execucoes.models import Execucao, StatusExecucao, TipoExecucao
from execucoes.painel import FilaDoRobo, painel

pytestmark = pytest.mark.django_db


def execucoes(operadora, status, quantas, **campos):
    for _ in range(quantas):
        Execucao.objects.create(
            processo=criar_processo(criar_cliente(operadora)),
            tipo=TipoExecucao.DOWNLOAD_FATURA,
            status=status,
            **campos,
        )


@pytest.fixture
def fila_da_vivo(settings):
    settings.RPA_JOBS_SIMULTANEOS = 12
    vivo = criar_operadora("VIVO", jobs_simultaneos=3)
    criar_operadora("OI", jobs_simultaneos=4)
    execucoes(vivo, StatusExecucao.PENDENTE, 30)
    execucoes(vivo, StatusExecucao.EXECUTANDO, 2)
    fila.enfileirar()
    # 20 terminaram nos últimos 20 minutos: 60 por hora.
    agora = timezone.now()
    for minuto in range(20):
        processo = criar_processo(criar_cliente(vivo))
        Execucao.objects.create(
            processo=processo,
            tipo=TipoExecucao.DOWNLOAD_FATURA,
            status=StatusExecucao.CONCLUIDO,
            operadora=vivo,
            competencia=processo.competencia,
            finalizada_em=agora - dt.timedelta(minutes=20 - minuto),
        )
    return vivo


def test_previsao_pelo_ritmo_da_ultima_hora():
    agora = timezone.make_aware(dt.datetime(2026, 3, 10, 14, 0))
    vinte_minutos = agora - dt.timedelta(minutes=20)
    ritmo = FilaDoRobo("VIVO", 25, 5, 5, 20, vinte_minutos, agora)
    assert ritmo.por_hora == 60
    assert ritmo.previsao == "termina por volta de 14:30"
    amanha = FilaDoRobo("VIVO", 2000, 5, 5, 20, vinte_minutos, agora)
    assert amanha.previsao == "termina por volta de 11/03 às 23:25"
    assert FilaDoRobo("VIVO", 30, 0, 5, 0, None, agora).previsao == "sem ritmo medido ainda"
    assert FilaDoRobo("VIVO", 0, 0, 5, 20, vinte_minutos, agora).previsao == "fila vazia"


def test_painel_mostra_a_fila_de_cada_robo(fila_da_vivo):
    filas = {f.codigo: f for f in painel().filas}
    vivo, oi, sat = filas["VIVO"], filas["OI"], filas["SAT"]
    assert (vivo.na_fila, vivo.em_voo, vivo.capacidade, vivo.terminadas) == (30, 2, 3, 20)
    assert 55 < vivo.por_hora <= 60
    assert (oi.na_fila, oi.em_voo, oi.capacidade, oi.previsao) == (0, 0, 4, "fila vazia")
    assert (sat.na_fila, sat.capacidade) == (0, 12)
    todas = painel().todas
    assert (todas.na_fila, todas.em_voo, todas.capacidade) == (30, 2, 12)


def test_pagina_inicial_mostra_a_fila_e_a_previsao(client, fila_da_vivo):
    client.force_login(criar_usuario("OPERADOR"))
    pagina = client.get("/admin/").content.decode()
    linha = re.search(r'<tr class="fila-vivo">(.*?)</tr>', pagina, re.S).group(1)
    texto = " ".join(re.sub(r"<[^>]+>", " ", linha).split())
    assert texto.startswith("VIVO 30 2 / 3 ")
    assert "termina por volta de" in texto
    assert "Fila do robô" in pagina and "no máximo 12" in pagina
    todos = re.search(r'<tr class="fila-todos">(.*?)</tr>', pagina, re.S).group(1)
    assert " ".join(re.sub(r"<[^>]+>", " ", todos).split()).startswith("Todos 30 2 / 12 ")


def test_fila_sem_ritmo_diz_que_ainda_nao_mediu(client):
    execucoes(criar_operadora("OI"), StatusExecucao.PENDENTE, 3)
    fila.enfileirar()
    client.force_login(criar_usuario("OPERADOR"))
    pagina = client.get("/admin/").content.decode()
    linha = re.search(r'<tr class="fila-oi">(.*?)</tr>', pagina, re.S).group(1)
    assert "sem ritmo medido ainda" in linha and "—" in linha
