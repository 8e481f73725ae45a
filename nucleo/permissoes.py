"""O que cada pessoa da equipe pode fazer, perguntado num lugar só.

Ler (ver tudo) é uma capacidade; cada escrita é outra. Quem diz que capacidades um perfil tem é
`contas.permissoes` (uma tabela, ligada ao Django como backend de autenticação); aqui fica só o
vocabulário e a pergunta, que o admin, a API, as páginas e os streams fazem do mesmo jeito. As
capacidades passam pelo `has_perm` do Django, por isso também valem nos templates
(`{% if perms.equipe.aprovar %}`).
"""

from django.db import models


class Capacidade(models.TextChoices):
    LER = "equipe.ler", "ver processos, execuções, cadastros e logs"
    OPERAR = "equipe.operar", "rodar os robôs, enviar faturas à mão, criar e cancelar"
    APROVAR = "equipe.aprovar", "aprovar e rejeitar faturas"
    CADASTRAR = "equipe.cadastrar", "manter operadoras e clientes e excluir processos"
    GERIR_EQUIPE = "equipe.gerir_equipe", "manter as pessoas da equipe"
    GERIR_TOKEN = "equipe.gerir_token", "guardar e renovar o token da API RPA"
    AGENDAR = "equipe.agendar", "manter, pausar e executar os agendamentos"


def pode(usuario, capacidade: Capacidade | str) -> bool:
    """A pessoa (ativa) tem a capacidade? Anônimo, desativado ou sem perfil: não."""
    if usuario is None or not getattr(usuario, "is_active", False):
        return False
    return usuario.has_perm(capacidade)
