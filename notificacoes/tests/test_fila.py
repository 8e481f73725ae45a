import pytest

from brm.fabricas import criar_usuario
from contas.models import Perfil
from notificacoes.envio import notificar
from notificacoes.models import Canal, Notificacao, Preferencia, StatusNotificacao, TipoNotificacao

pytestmark = pytest.mark.django_db


def _com_email(usuario):
    usuario.email = f"{usuario.username}@brm.example"
    usuario.save()
    return usuario


def _aviso(tipo=TipoNotificacao.TENTATIVAS_ESGOTADAS, chave="evento-1", **extra):
    return notificar(tipo, chave=chave, assunto="Assunto", texto="Texto", **extra)


def test_cada_pessoa_que_pode_agir_recebe_por_email_e_no_sino(operador, aprovador, administrador):
    for pessoa in (operador, aprovador, administrador):
        _com_email(pessoa)

    assert _aviso() == 6

    linhas = set(Notificacao.objects.values_list("destinatario__username", "canal"))
    assert linhas == {
        (pessoa.username, canal)
        for pessoa in (operador, aprovador, administrador)
        for canal in (Canal.EMAIL, Canal.APP)
    }


def test_o_mesmo_evento_entra_na_fila_uma_vez_so(operador):
    _com_email(operador)
    assert _aviso() == 2
    assert _aviso() == 0
    assert Notificacao.objects.count() == 2


def test_o_sino_ja_nasce_entregue_e_o_email_espera_o_worker(operador):
    _com_email(operador)
    _aviso()
    assert Notificacao.objects.get(canal=Canal.APP).status == StatusNotificacao.ENVIADA
    assert Notificacao.objects.get(canal=Canal.EMAIL).status == StatusNotificacao.PENDENTE


def test_quem_desligou_o_email_recebe_so_no_sino(operador):
    _com_email(operador)
    Preferencia.objects.create(
        usuario=operador, tipo=TipoNotificacao.TENTATIVAS_ESGOTADAS, canal=Canal.EMAIL, ligada=False
    )
    _aviso()
    assert list(Notificacao.objects.values_list("canal", flat=True)) == [Canal.APP]


def test_quem_nao_tem_email_recebe_so_no_sino(operador):
    _aviso()
    assert list(Notificacao.objects.values_list("canal", flat=True)) == [Canal.APP]


def test_operador_nao_recebe_o_resumo_de_aprovacao_nem_se_pedirem(operador, aprovador):
    _com_email(operador)
    _com_email(aprovador)
    _aviso(TipoNotificacao.RESUMO_APROVACAO, para=[operador, aprovador])
    assert set(Notificacao.objects.values_list("destinatario", flat=True)) == {aprovador.pk}


def test_avisos_do_token_vao_so_para_administradores(operador, aprovador, administrador):
    _aviso(TipoNotificacao.TOKEN_EXPIRANDO)
    assert set(Notificacao.objects.values_list("destinatario", flat=True)) == {administrador.pk}


def test_resumo_mensal_vai_aos_administradores_e_a_quem_assinar(operador, aprovador, administrador):
    Preferencia.objects.create(
        usuario=operador, tipo=TipoNotificacao.RESUMO_MENSAL, canal=Canal.APP, ligada=True
    )
    _aviso(TipoNotificacao.RESUMO_MENSAL)
    assert set(Notificacao.objects.values_list("destinatario", flat=True)) == {
        administrador.pk,
        operador.pk,
    }


def test_pessoa_desativada_nao_recebe(operador):
    outro = criar_usuario(Perfil.OPERADOR)
    outro.is_active = False
    outro.save()
    _aviso()
    assert set(Notificacao.objects.values_list("destinatario", flat=True)) == {operador.pk}
