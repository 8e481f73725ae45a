"""As capacidades de cada perfil (o vocabulário está em `nucleo.permissoes`).

Um perfil novo (um AUDITOR só de leitura, por exemplo) é uma linha aqui e um valor em `Perfil`
(com a migração da restrição do banco); o admin, a API, as páginas e os streams o seguem sozinhos.
"""

from django.contrib.auth.backends import ModelBackend
from django.core.exceptions import PermissionDenied

from contas.models import Perfil
from nucleo.permissoes import Capacidade

CAPACIDADES_DO_PERFIL: dict[str, frozenset[str]] = {
    Perfil.ADMINISTRADOR: frozenset(Capacidade),
    Perfil.APROVADOR: frozenset({Capacidade.LER, Capacidade.OPERAR, Capacidade.APROVAR}),
    Perfil.OPERADOR: frozenset({Capacidade.LER, Capacidade.OPERAR}),
}


class PermissoesDoPerfil(ModelBackend):
    """Responde ao `has_perm` do Django pelas capacidades do perfil, sem consultar o banco.

    Não autentica ninguém (quem confere a senha são os backends seguintes); de `ModelBackend`
    herda só o `get_user`, para uma sessão aberta com `force_login` continuar valendo.

    Uma capacidade que o perfil não tem encerra a pergunta (`PermissionDenied`): os backends
    seguintes (o do Django consulta as permissões por grupo no banco) nem são ouvidos. Pergunta
    de fora do vocabulário segue para eles como sempre.
    """

    def authenticate(self, request, username=None, password=None, **kwargs):
        return None

    def get_all_permissions(self, user_obj, obj=None) -> set[str]:
        if not user_obj.is_active or user_obj.is_anonymous:
            return set()
        return set(CAPACIDADES_DO_PERFIL.get(user_obj.perfil, ()))

    def has_perm(self, user_obj, perm, obj=None) -> bool:
        if perm not in Capacidade.values:
            return False
        if perm in self.get_all_permissions(user_obj, obj):
            return True
        raise PermissionDenied
