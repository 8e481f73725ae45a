"""O callback da API RPA: um aviso para olhar agora, nunca a verdade."""

import uuid

import pytest
from django.core.cache import cache
from django.urls import reverse
from django.utils import timezone

from brm.fabricas import criar_processo
from execucoes.models import Execucao, StatusExecucao, TipoExecucao
from processos.models import StatusProcesso

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _cache_limpo():
    cache.clear()


def url(processo_id) -> str:
    return reverse("rpa_aviso_de_status", args=[processo_id])


def test_aviso_adianta_a_consulta_do_job_e_nao_muda_estado(client):
    processo = criar_processo()
    depois = timezone.now() + timezone.timedelta(minutes=5)
    execucao = Execucao.objects.create(
        processo=processo,
        tipo=TipoExecucao.DOWNLOAD_FATURA,
        status=StatusExecucao.EXECUTANDO,
        job_id="j1",
        proxima_consulta_em=depois,
    )
    resposta = client.post(
        url(processo.pk), {"status": "COMPLETED"}, content_type="application/json"
    )
    assert resposta.status_code == 202
    execucao.refresh_from_db()
    processo.refresh_from_db()
    assert execucao.proxima_consulta_em < depois
    assert execucao.status == StatusExecucao.EXECUTANDO
    assert processo.status == StatusProcesso.AGUARDANDO_DOWNLOAD


def test_processo_desconhecido_da_404(client):
    assert client.post(url(uuid.uuid4()), {}, content_type="application/json").status_code == 404
    assert client.post("/api/processos/nao-e-uuid/status").status_code == 404


def test_corpo_lixo_nao_quebra(client):
    processo = criar_processo()
    resposta = client.post(url(processo.pk), b"\x00\xff{{", content_type="application/json")
    assert resposta.status_code == 202


def test_so_post(client):
    assert client.get(url(criar_processo().pk)).status_code == 405


def test_limite_por_processo_nao_barra_os_outros_processos(client):
    processo = criar_processo()
    codigos = [client.post(url(processo.pk)).status_code for _ in range(12)]
    assert codigos[:10] == [202] * 10
    assert set(codigos[10:]) == {429}
    # Um robô ocupado avisa do fim de muitos jobs seguidos, do mesmo IP: todos passam.
    outros = [criar_processo() for _ in range(40)]
    assert {client.post(url(outro.pk)).status_code for outro in outros} == {202}


def test_limite_por_ip(client, monkeypatch):
    monkeypatch.setattr("execucoes.views.LIMITE_AVISOS_POR_IP", 5)
    processos = [criar_processo() for _ in range(7)]
    codigos = [client.post(url(processo.pk)).status_code for processo in processos]
    assert codigos == [202] * 5 + [429] * 2
