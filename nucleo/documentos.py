"""CNPJ (numérico e alfanumérico, em uso desde julho de 2026) e CPF."""

from django.core.exceptions import ValidationError
from stdnum.br import cnpj as stdnum_cnpj
from stdnum.br import cpf as stdnum_cpf
from stdnum.exceptions import ValidationError as ErroStdnum


def normalizar_cnpj(valor: str) -> str:
    return stdnum_cnpj.compact(valor or "")


def termo_de_busca(termo: str) -> str:
    """Um CNPJ com pontuação ("25.988.000/0001-72") vira o guardado, sem ela; o resto fica igual."""
    cnpj = normalizar_cnpj(termo)
    return cnpj if len(cnpj) == 14 and cnpj != termo.strip() else termo


def validar_cnpj(valor: str) -> None:
    try:
        stdnum_cnpj.validate(valor)
    except ErroStdnum:
        raise ValidationError(
            "CNPJ inválido: %(valor)s.", code="cnpj", params={"valor": valor}
        ) from None


def formatar_cnpj(valor: str) -> str:
    if len(valor) == 14:  # como se guarda (normalizar_cnpj): só a pontuação, sem reler
        return f"{valor[:2]}.{valor[2:5]}.{valor[5:8]}/{valor[8:12]}-{valor[12:]}"
    return stdnum_cnpj.format(valor) if valor else ""


def normalizar_cpf(valor: str) -> str:
    return stdnum_cpf.compact(valor or "")


def validar_cpf(valor: str) -> None:
    try:
        stdnum_cpf.validate(valor)
    except ErroStdnum:
        raise ValidationError(
            "CPF inválido: %(valor)s.", code="cpf", params={"valor": valor}
        ) from None
