"""Os deveres de `notificacoes` no worker (nucleo.deveres): detectar os eventos e mandar a fila."""

from notificacoes import envio, eventos
from nucleo.deveres import Dever

DEVERES = [
    Dever("notificacoes_resumo_aprovacao", 60, fazer=eventos.resumo_de_aprovacao),
    Dever("notificacoes_vencimentos", 60, fazer=eventos.vencimentos_sem_sat),
    Dever("notificacoes_tentativas", 5, fazer=eventos.tentativas_esgotadas),
    Dever("notificacoes_token", 10, fazer=eventos.avisos_do_token),
    Dever("notificacoes_enviar", 1, tarefa=envio.Remetente),
]
