from brm.tests.test_configuracao import MOSTRAR_BANCO, rodar_python


def test_hora_do_resumo_malformada_falha_na_partida_dizendo_o_nome():
    saida = rodar_python(MOSTRAR_BANCO, NOTIFICACOES_HORA_RESUMO="8h")
    assert saida.returncode != 0
    assert "NOTIFICACOES_HORA_RESUMO deve ser HH:MM" in saida.stderr


def test_as_variaveis_das_notificacoes_valem():
    saida = rodar_python(
        "from django.conf import settings as s; "
        "print(s.SITE_URL, s.NOTIFICACOES_HORA_RESUMO, s.NOTIFICACOES_MAX_TENTATIVAS)",
        SITE_URL="https://brm.example.com",
        NOTIFICACOES_HORA_RESUMO="07:30",
        NOTIFICACOES_MAX_TENTATIVAS="3",
    )
    assert saida.stdout.split() == ["https://brm.example.com", "07:30", "3"], saida.stderr
