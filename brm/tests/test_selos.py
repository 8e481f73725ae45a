"""Todo status tem a sua cor de selo, declarada ao lado dele (um status novo sem cor falha aqui)."""

from brm.templatetags.brm_formatos import selo_status
from execucoes.models import COR_DO_NIVEL, COR_DO_STATUS, NivelLog, StatusExecucao
from processos import models as processos


def test_cada_status_e_nivel_tem_cor():
    assert set(processos.COR_DO_STATUS) == set(processos.StatusProcesso)
    assert set(COR_DO_STATUS) == set(StatusExecucao)
    assert set(COR_DO_NIVEL) == set(NivelLog)


def test_o_selo_da_pagina_usa_a_cor_do_status_de_processo_e_de_execucao():
    assert "selo-amarelo" in selo_status("AGUARDANDO_APROVACAO", "Aguardando aprovação")
    assert "selo-vermelho" in selo_status("FALHOU", "Falhou")
    assert "selo-cinza" in selo_status("OUTRO", "?")
