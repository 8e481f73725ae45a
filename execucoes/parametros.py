"""O que vai no corpo de cada chamada ao robô — e a versão mascarada guardada na execução."""

from execucoes.models import TipoExecucao

MASCARA = "••••••"


def corpo_download(processo, *, com_senha: bool) -> dict:
    cliente = processo.cliente
    return {
        "login": cliente.login_portal,
        "senha": cliente.senha_portal if com_senha else (MASCARA if cliente.senha_portal else ""),
        "filtro": cliente.filtro,
        "cnpj": cliente.cnpj_formatado,
        "processo_id": str(processo.pk),
    }


def corpo_sat(processo) -> dict:
    cliente = processo.cliente
    return {
        "cnpj": cliente.cnpj_formatado,
        "razao": cliente.razao_social,
        "operadora": cliente.operadora.codigo,
        "nome_filtro": cliente.nome_sat or cliente.razao_social,
        "unidade": cliente.unidade,
        "servico": cliente.servico,
        "dados_sat": cliente.dados_sat,
        "nome_arquivo": processo.fatura.name.rsplit("/", 1)[-1] if processo.fatura else "",
        "data_vencimento": processo.vencimento.strftime("%d/%m/%Y") if processo.vencimento else "",
        "processo_id": str(processo.pk),
    }


def parametros_mascarados(tipo: str, processo) -> dict:
    """Guardado em `parametros_entrada`: nunca a senha do portal."""
    if tipo == TipoExecucao.DOWNLOAD_FATURA:
        return {
            "operadora": processo.cliente.operadora.codigo,
            **corpo_download(processo, com_senha=False),
        }
    if tipo == TipoExecucao.UPLOAD_SAT:
        return corpo_sat(processo)
    return {}
