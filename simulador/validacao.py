"""Validação dos corpos de ``/executar``, com os erros 422 no formato do FastAPI da API real.

Os erros nunca repetem os valores recebidos: o corpo traz a senha do portal.
"""

import json

CAMPOS_DOWNLOAD = ("login", "senha", "filtro", "cnpj")
CAMPOS_SAT = (
    "cnpj",
    "razao",
    "operadora",
    "nome_filtro",
    "unidade",
    "servico",
    "dados_sat",
    "nome_arquivo",
    "data_vencimento",
)


def validar(corpo: bytes, obrigatorios: tuple[str, ...]) -> tuple[dict[str, str], list[dict]]:
    """Os campos obrigatórios (não vazios) e o ``processo_id`` opcional, ou a lista de erros."""
    if not corpo.strip():
        return {}, [_erro(["body"], "field required", "value_error.missing")]
    try:
        dados = json.loads(corpo)
    except json.JSONDecodeError as exc:
        mensagem = f"{exc.msg}: line {exc.lineno} column {exc.colno} (char {exc.pos})"
        return {}, [_erro(["body"], mensagem, "value_error.jsondecode")]
    except UnicodeDecodeError:
        return {}, [_erro(["body"], "invalid UTF-8 text", "value_error.jsondecode")]
    if not isinstance(dados, dict):
        return {}, [_erro(["body"], "value is not a valid dict", "type_error.dict")]
    validos: dict[str, str] = {}
    erros: list[dict] = []
    for campo in obrigatorios:
        erro = _erro_do_campo(dados, campo, obrigatorio=True)
        if erro:
            erros.append(erro)
        else:
            validos[campo] = str(dados[campo]).strip()
    erro = _erro_do_campo(dados, "processo_id", obrigatorio=False)
    if erro:
        erros.append(erro)
    elif str(dados.get("processo_id") or "").strip():
        validos["processo_id"] = str(dados["processo_id"]).strip()
    return validos, erros


def _erro_do_campo(dados: dict, campo: str, *, obrigatorio: bool) -> dict | None:
    loc = ["body", campo]
    valor = dados.get(campo)
    if valor is None:
        if not obrigatorio:
            return None
        if campo not in dados:
            return _erro(loc, "field required", "value_error.missing")
        return _erro(loc, "none is not an allowed value", "type_error.none.not_allowed")
    if isinstance(valor, bool) or not isinstance(valor, str | int | float):
        return _erro(loc, "str type expected", "type_error.str")
    if obrigatorio and not str(valor).strip():
        mensagem = "ensure this value has at least 1 characters"
        # Só loc/msg/type, como no FastAPI do contrato (docs/api-rpa.md §1), sem `ctx` nem `input`.
        return _erro(loc, mensagem, "value_error.any_str.min_length")
    return None


def _erro(loc: list, mensagem: str, tipo: str) -> dict:
    return {"loc": loc, "msg": mensagem, "type": tipo}
