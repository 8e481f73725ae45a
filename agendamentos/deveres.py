"""Os deveres de `agendamentos` no worker (nucleo.deveres): rodar o que venceu e avisar quem
opera dos downloads que ainda faltam depois de um agendamento rodar."""

from django.conf import settings

from agendamentos.avisos import downloads_em_falta
from agendamentos.execucao import reivindicar_devidos, rodar_pendentes
from notificacoes import eventos
from nucleo.deveres import Dever


def rodar_agendamentos() -> None:
    # A cada 2 s: duas consultas pequenas (pelo índice de `proxima_em`) e o horário chega ao robô
    # em segundos (`python -m bench capacidade` mede do horário ao primeiro job).
    reivindicar_devidos()
    rodar_pendentes()


def avisar_downloads_em_falta() -> None:
    """Um aviso por execução de download que rodou há `AGENDAMENTOS_DIAS_PARA_AVISAR_DOWNLOADS`
    dias e ainda deixa faturas por baixar (a chave é a execução: não se repete)."""
    dias = settings.AGENDAMENTOS_DIAS_PARA_AVISAR_DOWNLOADS
    for em_falta in downloads_em_falta(dias=dias):
        agendamento = em_falta.execucao.agendamento
        eventos.avisar_downloads_atrasados(
            nome=agendamento.nome,
            chave=str(em_falta.execucao.pk),
            processos=em_falta.processos,
            dias=dias,
        )


DEVERES = [
    Dever("agendamentos", 2, fazer=rodar_agendamentos),
    Dever("agendamentos_downloads_em_falta", 600, fazer=avisar_downloads_em_falta),
]
