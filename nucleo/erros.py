"""As recusas do domínio, que o admin, a API e as páginas traduzem cada um à sua maneira."""


class AcaoRecusada(Exception):
    """A ação não cabe agora (estado, dados). Na API: HTTP 409."""


class SemPermissao(AcaoRecusada):
    """O perfil de quem pede não permite a ação. Na API: HTTP 403."""
