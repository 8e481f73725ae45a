import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from brm.fabricas import criar_usuario
from contas.models import Perfil
from notificacoes.envio import notificar
from notificacoes.models import Canal, Notificacao, TipoNotificacao

pytestmark = pytest.mark.django_db


def _avisos(quantos: int, para) -> list[Notificacao]:
    for numero in range(quantos):
        notificar(
            TipoNotificacao.TENTATIVAS_ESGOTADAS,
            chave=f"execucao:{numero}",
            assunto=f"Falhou o download {numero}",
            texto="Alguém precisa decidir.",
            link=f"/processos/{numero}/",
            para=[para],
        )
    return list(Notificacao.objects.filter(destinatario=para, canal=Canal.APP))


def test_o_sino_do_cabecalho_mostra_quantas_nao_foram_lidas(operador, navegador_de):
    _avisos(3, operador)
    pagina = navegador_de(operador).get("/admin/").content.decode()
    assert 'id="sino-contador">3</span>' in pagina
    assert 'href="/notificacoes/"' in pagina and 'href="/contas/perfil/"' in pagina


def test_o_sino_custa_uma_consulta(operador, navegador_de):
    _avisos(2, operador)
    navegador = navegador_de(operador)
    with CaptureQueriesContext(connection) as pedido:
        navegador.get("/notificacoes/?pagina=1")
    consultas = [q["sql"] for q in pedido.captured_queries]
    assert sum("lida_em" in sql and "COUNT" in sql.upper() for sql in consultas) == 1


def test_sem_notificacoes_o_sino_fica_sem_numero(operador, navegador_de):
    pagina = navegador_de(operador).get("/admin/").content.decode()
    assert 'id="sino"' in pagina and "sino-contador" not in pagina


def test_a_caixa_mostra_so_as_minhas_com_o_link_de_cada(operador, aprovador, navegador_de):
    _avisos(2, operador)
    _avisos(1, aprovador)
    Notificacao.objects.filter(destinatario=aprovador).update(assunto="Do aprovador")
    pagina = navegador_de(operador).get("/notificacoes/").content.decode()
    assert "Falhou o download 0" in pagina and 'href="/processos/1/"' in pagina
    assert "Do aprovador" not in pagina


def test_marcar_como_lida_tira_do_sino(operador, navegador_de):
    primeira, segunda = _avisos(2, operador)
    navegador = navegador_de(operador)
    resposta = navegador.post(f"/notificacoes/{primeira.pk}/lida/")
    assert resposta.status_code == 302
    primeira.refresh_from_db()
    segunda.refresh_from_db()
    assert primeira.lida and not segunda.lida
    assert 'id="sino-contador">1</span>' in navegador.get("/admin/").content.decode()


def test_marcar_todas_como_lidas(operador, aprovador, navegador_de):
    _avisos(3, operador)
    [do_outro] = _avisos(1, aprovador)
    resposta = navegador_de(operador).post("/notificacoes/lidas/", follow=True)
    assert "3 notificação(ões) marcada(s) como lida(s)." in resposta.content.decode()
    assert not Notificacao.objects.filter(destinatario=operador, lida_em=None).exists()
    do_outro.refresh_from_db()
    assert not do_outro.lida


def test_ninguem_marca_a_notificacao_de_outra_pessoa(operador, aprovador, navegador_de):
    [do_outro] = _avisos(1, aprovador)
    resposta = navegador_de(operador).post(f"/notificacoes/{do_outro.pk}/lida/")
    assert resposta.status_code == 404
    do_outro.refresh_from_db()
    assert not do_outro.lida


def test_marcar_como_lida_so_por_post(operador, navegador_de):
    [aviso] = _avisos(1, operador)
    assert navegador_de(operador).get(f"/notificacoes/{aviso.pk}/lida/").status_code == 405
    assert navegador_de(operador).get("/notificacoes/lidas/").status_code == 405
    aviso.refresh_from_db()
    assert not aviso.lida


def test_marcar_exige_o_token_csrf(operador):
    from django.test import Client

    [aviso] = _avisos(1, operador)
    navegador = Client(enforce_csrf_checks=True)
    navegador.force_login(operador)
    assert navegador.post(f"/notificacoes/{aviso.pk}/lida/").status_code == 403
    aviso.refresh_from_db()
    assert not aviso.lida


def test_quem_nao_entrou_vai_para_o_login(client):
    for url in ("/notificacoes/", "/contas/perfil/"):
        resposta = client.get(url)
        assert resposta.status_code == 302 and "/contas/login/" in resposta["Location"]


def test_quem_foi_desativado_nao_ve_a_caixa(client, inativo):
    client.force_login(inativo)
    assert client.get("/notificacoes/").status_code in (302, 403)


def test_o_contador_para_em_99_mais(operador, navegador_de):
    Notificacao.objects.bulk_create(
        Notificacao(
            tipo=TipoNotificacao.TENTATIVAS_ESGOTADAS,
            canal=Canal.APP,
            destinatario=operador,
            evento=str(numero),
            chave=f"x:{numero}",
            assunto="Aviso",
            texto="Aviso",
        )
        for numero in range(120)
    )
    assert 'id="sino-contador">99+</span>' in navegador_de(operador).get("/admin/").content.decode()


def test_pessoa_sem_capacidade_de_receber_nao_tem_linhas(operador):
    outro = criar_usuario(Perfil.OPERADOR)
    _avisos(1, outro)
    assert not Notificacao.objects.filter(destinatario=operador).exists()
