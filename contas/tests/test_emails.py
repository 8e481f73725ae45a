"""E-mails da conta (allauth, página “E-mails”): um endereço pertence a uma pessoa só."""

import pytest
from allauth.account.models import EmailAddress

from brm.fabricas import criar_usuario

pytestmark = pytest.mark.django_db

MENSAGEM = "Este e-mail já é de outra pessoa da equipe."


def test_nao_se_adiciona_o_email_de_outra_pessoa_a_propria_conta(client):
    dona = criar_usuario("ADMINISTRADOR")
    dona.email = "diretoria@brm.example"
    dona.save()
    intrusa = criar_usuario("OPERADOR")
    client.force_login(intrusa)

    resposta = client.post("/contas/email/", {"action_add": "", "email": "Diretoria@BRM.example"})

    assert resposta.status_code == 200
    assert MENSAGEM in resposta.content.decode()
    assert not EmailAddress.objects.filter(user=intrusa).exists()


def test_nem_o_que_outra_pessoa_tem_entre_os_emails_da_conta(client):
    dona = criar_usuario("APROVADOR")
    EmailAddress.objects.create(user=dona, email="aprovacao@brm.example", verified=False)
    intrusa = criar_usuario("OPERADOR")
    client.force_login(intrusa)

    resposta = client.post("/contas/email/", {"action_add": "", "email": "aprovacao@brm.example"})

    assert MENSAGEM in resposta.content.decode()
    assert not EmailAddress.objects.filter(user=intrusa).exists()


def test_um_email_livre_entra_na_propria_conta(client):
    pessoa = criar_usuario("OPERADOR")
    client.force_login(pessoa)

    resposta = client.post("/contas/email/", {"action_add": "", "email": "olga@brm.example"})

    assert resposta.status_code == 302
    assert EmailAddress.objects.filter(user=pessoa, email="olga@brm.example").exists()


def test_o_admin_tambem_recusa_o_email_de_outra_pessoa(navegador_de, administrador):
    dona = criar_usuario("APROVADOR")
    dona.email = "paulo@brm.example"
    dona.save()
    outra = criar_usuario("OPERADOR")

    resposta = navegador_de(administrador).post(
        f"/admin/contas/usuario/{outra.pk}/change/",
        {
            "username": outra.username,
            "nome": outra.nome,
            "email": "PAULO@brm.example",
            "perfil": outra.perfil,
            "is_active": "on",
            "novo_token": "",
        },
    )

    assert resposta.status_code == 200
    assert MENSAGEM in resposta.content.decode()
    outra.refresh_from_db()
    assert outra.email == ""
