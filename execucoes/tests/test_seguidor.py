"""O seguidor do stream grava as linhas na ordem do robô, mesmo as que chegam antes do job_id."""

import pytest

from conftest import criar_processo
from execucoes.models import Execucao, LogExecucao, StatusExecucao, TipoExecucao
from execucoes.rpa import Evento
from execucoes.seguidor import SeguidorDeEventos

pytestmark = pytest.mark.django_db


def linha(numero: int) -> Evento:
    return Evento(
        tipo="log",
        dados={
            "type": "log",
            "level": "INFO",
            "message": f"passo {numero}",
            "job_id": "j1",
            "timestamp": f"2026-03-01T10:00:0{numero}Z",
        },
    )


def test_linhas_antes_do_job_id_esperam_e_entram_em_ordem():
    execucao = Execucao.objects.create(
        processo=criar_processo(), tipo=TipoExecucao.DOWNLOAD_FATURA, status=StatusExecucao.PENDENTE
    )
    seguidor = SeguidorDeEventos()
    for numero in (1, 2):
        seguidor._esvaziar_buffer()
        seguidor._receber(linha(numero))
    assert LogExecucao.objects.count() == 0  # o despacho ainda não gravou o job_id

    Execucao.objects.filter(pk=execucao.pk).update(job_id="j1", status=StatusExecucao.EXECUTANDO)
    seguidor._receber(linha(3))  # já conhecida, mas há linhas anteriores esperando: vai atrás delas
    seguidor._esvaziar_buffer()
    assert list(LogExecucao.objects.order_by("id").values_list("mensagem", flat=True)) == [
        "passo 1",
        "passo 2",
        "passo 3",
    ]
