import pytest
from django.core.exceptions import ValidationError
from django.db import connection

from brm.fabricas import criar_cliente, criar_usuario
from nucleo.criptografia import cifrar, decifrar
from nucleo.documentos import validar_cnpj, validar_cpf


@pytest.mark.parametrize(
    "cnpj", ["25.988.000/0001-72", "25988000000172", "12.ABC.345/01DE-35", "12abc34501de35"]
)
def test_cnpj_valido_numerico_e_alfanumerico(cnpj):
    validar_cnpj(cnpj)


@pytest.mark.parametrize(
    "cnpj", ["25.988.000/0001-73", "11.111.111/1111-11", "12.ABC.345/01DE-36", "123", ""]
)
def test_cnpj_invalido(cnpj):
    with pytest.raises(ValidationError, match="CNPJ inválido"):
        validar_cnpj(cnpj)


def test_cpf_valido_e_invalido():
    validar_cpf("529.982.247-25")
    with pytest.raises(ValidationError, match="CPF inválido"):
        validar_cpf("529.982.247-26")


@pytest.mark.django_db
def test_cliente_com_cnpj_alfanumerico_e_guardado_normalizado():
    cliente = criar_cliente(cnpj="12.abc.345/01de-35")
    cliente.full_clean()
    cliente.refresh_from_db()
    assert cliente.cnpj == "12ABC34501DE35"
    assert cliente.cnpj_formatado == "12.ABC.345/01DE-35"


@pytest.mark.django_db
def test_coluna_da_senha_do_portal_nao_contem_a_senha():
    cliente = criar_cliente(senha_portal="minha-senha-super-secreta")
    with connection.cursor() as cursor:
        cursor.execute("SELECT senha_portal FROM clientes_cliente WHERE id = %s", [cliente.pk.hex])
        bruto = cursor.fetchone()[0]
    assert "minha-senha-super-secreta" not in bruto
    assert bruto.startswith("fernet:")
    cliente.refresh_from_db()
    assert cliente.senha_portal == "minha-senha-super-secreta"


@pytest.mark.django_db
def test_token_da_api_e_guardado_cifrado():
    usuario = criar_usuario("ADMINISTRADOR")
    usuario.api_externa_token = "eyJhbGciOiJIUzI1NiJ9.token.assinatura"
    usuario.save()
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT api_externa_token FROM contas_usuario WHERE id = %s", [usuario.pk.hex]
        )
        assert "eyJhbGci" not in cursor.fetchone()[0]


def test_rotacao_de_chave_decifra_com_a_antiga_e_recifra_com_a_nova(settings):
    from cryptography.fernet import Fernet

    antiga, nova = Fernet.generate_key().decode(), Fernet.generate_key().decode()
    settings.FIELD_ENCRYPTION_KEY = [antiga]
    cifrado = cifrar("segredo")
    settings.FIELD_ENCRYPTION_KEY = [nova, antiga]
    assert decifrar(cifrado) == "segredo"
    recifrado = cifrar(decifrar(cifrado))  # o que `recifrar_segredos` faz ao ler e salvar
    settings.FIELD_ENCRYPTION_KEY = [nova]
    assert decifrar(recifrado) == "segredo"
