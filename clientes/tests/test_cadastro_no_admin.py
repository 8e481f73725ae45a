"""O cadastro de clientes no admin: um hash repetido vira erro no formulário, não 500."""

import pytest

from brm.fabricas import criar_cliente, gerar_cnpj

pytestmark = pytest.mark.django_db


def test_cliente_com_hash_repetido_no_admin_mostra_o_erro_sem_500(administrador, navegador_de):
    existente = criar_cliente(nome_sat="ACME", filtro="f1", unidade="SP")
    existente.hash_unico = ""
    existente.save()  # hash calculado, como no cadastro pelo admin
    navegador = navegador_de(administrador)
    resposta = navegador.post(
        "/admin/clientes/cliente/add/",
        {
            "razao_social": "Outra razão",
            "nome_sat": "ACME",
            "cnpj": gerar_cnpj(),
            "operadora": existente.operadora.pk,
            "ativo": "on",
            "filtro": "f1",
            "servico": existente.servico,
            "dados_sat": existente.dados_sat,
            "unidade": "SP",
        },
    )
    assert resposta.status_code == 200
    assert "mesmo hash" in resposta.content.decode()
