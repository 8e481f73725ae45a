from notificacoes.models import LIMITE_DO_SINO, nao_lidas


def sino(request):
    """O número do sino no cabeçalho: uma função, consultada só quando o template a mostra."""

    def contar() -> str:
        total = nao_lidas(getattr(request, "user", None))
        return f"{LIMITE_DO_SINO}+" if total > LIMITE_DO_SINO else str(total) if total else ""

    return {"notificacoes_nao_lidas": contar}
