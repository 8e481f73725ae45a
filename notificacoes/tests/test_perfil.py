import pytest

from notificacoes.envio import notificar
from notificacoes.models import Canal, Notificacao, Preferencia, TipoNotificacao

pytestmark = pytest.mark.django_db


def test_o_perfil_mostra_a_grade_dos_tipos_que_o_perfil_recebe(operador, navegador_de):
    pagina = navegador_de(operador).get("/contas/perfil/")
    assert pagina.status_code == 200
    html = pagina.content.decode()
    assert "Execução falhou sem nova tentativa" in html
    assert "Faturas vencendo sem registro no SAT" in html
    assert "Resumo do mês" in html
    assert "Faturas esperando aprovação" not in html  # o operador não aprova
    assert "Token da API RPA" not in html


def test_o_administrador_ve_todos_os_tipos(administrador, navegador_de):
    html = navegador_de(administrador).get("/contas/perfil/").content.decode()
    for tipo in TipoNotificacao:
        assert tipo.label in html


def test_guardar_as_preferencias_e_elas_valem_no_proximo_aviso(aprovador, navegador_de):
    aprovador.email = "paulo@brm.example"
    aprovador.save()
    dados = {
        f"{tipo}__{canal}": "on"
        for tipo in TipoNotificacao.values
        for canal in (Canal.EMAIL, Canal.APP)
    }
    del dados[f"{TipoNotificacao.RESUMO_APROVACAO}__{Canal.EMAIL}"]
    resposta = navegador_de(aprovador).post("/contas/perfil/", dados, follow=True)
    assert "Preferências de notificação guardadas." in resposta.content.decode()
    assert (
        Preferencia.objects.get(
            usuario=aprovador, tipo=TipoNotificacao.RESUMO_APROVACAO, canal=Canal.EMAIL
        ).ligada
        is False
    )

    notificar(TipoNotificacao.RESUMO_APROVACAO, chave="dia", assunto="a", texto="t")
    assert list(Notificacao.objects.values_list("canal", flat=True)) == [Canal.APP]


def test_o_resumo_mensal_e_por_assinatura(operador, navegador_de):
    navegador = navegador_de(operador)
    html = navegador.get("/contas/perfil/").content.decode()
    assert f'name="{TipoNotificacao.RESUMO_MENSAL}__{Canal.APP}" id' in html
    campo = html.split(f'name="{TipoNotificacao.RESUMO_MENSAL}__{Canal.APP}"')[1].split(">")[0]
    assert "checked" not in campo

    navegador.post("/contas/perfil/", {f"{TipoNotificacao.RESUMO_MENSAL}__{Canal.APP}": "on"})
    notificar(TipoNotificacao.RESUMO_MENSAL, chave="2026-03", assunto="a", texto="t")
    assert Notificacao.objects.filter(destinatario=operador, canal=Canal.APP).exists()


def test_campos_de_fora_da_grade_sao_ignorados(operador, navegador_de):
    navegador_de(operador).post(
        "/contas/perfil/", {f"{TipoNotificacao.TOKEN_RECUSADO}__{Canal.EMAIL}": "on"}
    )
    assert not Preferencia.objects.filter(tipo=TipoNotificacao.TOKEN_RECUSADO).exists()
