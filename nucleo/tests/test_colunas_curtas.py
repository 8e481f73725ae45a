"""As colunas das listas do admin cabem num notebook: texto longo cortado com a dica inteira,
data e hora curtas na hora local com o ano na dica."""

import datetime as dt

from django.utils import timezone

from nucleo.admin_base import quando_curto, texto_curto


def test_texto_longo_e_cortado_e_a_dica_tem_o_texto_inteiro():
    longo = "COMPANHIA DE TELECOMUNICAÇÕES & SERVIÇOS <LTDA>"
    html = texto_curto(longo, 20)
    assert 'title="COMPANHIA DE TELECOMUNICAÇÕES &amp; SERVIÇOS &lt;LTDA&gt;"' in html
    assert ">COMPANHIA DE TELECO…</span>" in html  # 19 letras e as reticências


def test_texto_curto_fica_como_esta_e_vazio_vira_travessao():
    assert texto_curto("VIVO", 20) == "VIVO"
    assert texto_curto("", 20) == texto_curto(None, 20) == "—"


def test_quando_curto_na_hora_de_brasilia_com_o_ano_na_dica():
    momento = dt.datetime(2026, 3, 5, 2, 30, tzinfo=dt.UTC)  # 23:30 do dia 4 em Brasília
    html = quando_curto(momento)
    assert ">04/03 23:30</time>" in html and 'title="04/03/2026 23:30"' in html
    assert quando_curto(None) == "—"
    assert timezone.get_current_timezone_name() == "America/Sao_Paulo"
