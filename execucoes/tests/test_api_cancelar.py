"""`POST /api/execucoes/<id>/cancelar/`: quem pode, o motivo, os códigos e o esquema OpenAPI."""

import uuid

import pytest
from rest_framework.test import APIClient

from brm.fabricas import api_de, criar_processo, criar_usuario
from contas.models import Perfil
from contas.permissoes import CAPACIDADES_DO_PERFIL
from execucoes.models import Execucao, StatusExecucao, TipoExecucao
from nucleo.permissoes import Capacidade
from processos.models import StatusProcesso

pytestmark = pytest.mark.django_db


def executando(status=StatusExecucao.EXECUTANDO) -> Execucao:
    return Execucao.objects.create(
        processo=criar_processo(),
        tipo=TipoExecucao.DOWNLOAD_FATURA,
        status=status,
        job_id="job-preso-api",
    )


def url(execucao_ou_id) -> str:
    return f"/api/execucoes/{getattr(execucao_ou_id, 'pk', execucao_ou_id)}/cancelar/"


def logado(usuario) -> APIClient:
    cliente = APIClient()
    cliente.force_login(usuario)
    return cliente


def status_de(execucao) -> str:
    execucao.refresh_from_db()
    return execucao.status


@pytest.mark.parametrize("perfil", ["ADMINISTRADOR", "APROVADOR", "OPERADOR"])
def test_toda_a_equipe_cancela_e_recebe_a_execucao(perfil):
    usuario = criar_usuario(perfil)
    execucao = executando()
    resposta = api_de(usuario).post(url(execucao), {"motivo": "Robô travado"}, format="json")
    assert resposta.status_code == 200, resposta.content
    dados = resposta.json()
    assert dados["id"] == str(execucao.pk)
    assert dados["status"] == StatusExecucao.CANCELADO
    assert dados["status_display"] == "Cancelado"
    assert dados["cancelada_por"] == usuario.username
    assert dados["erro"] == f"Cancelada por {usuario}: Robô travado"
    assert dados["job_id"] == "job-preso-api"
    assert dados["finalizada_em"]
    execucao.processo.refresh_from_db()
    assert execucao.processo.status == StatusProcesso.AGUARDANDO_DOWNLOAD


def test_sem_login_ou_inativo_e_401_e_nada_muda(inativo):
    execucao = executando()
    assert APIClient().post(url(execucao), {"motivo": "x"}, format="json").status_code == 401
    resposta = logado(inativo).post(url(execucao), {"motivo": "x"}, format="json")
    assert resposta.status_code == 401
    assert status_de(execucao) == StatusExecucao.EXECUTANDO


def test_perfil_que_nao_opera_recebe_403_e_nada_muda(operador, monkeypatch):
    execucao = executando()
    monkeypatch.setitem(CAPACIDADES_DO_PERFIL, Perfil.OPERADOR, frozenset({Capacidade.LER}))
    resposta = logado(operador).post(url(execucao), {"motivo": "x"}, format="json")
    assert resposta.status_code == 403
    assert resposta.json()["detail"] == "Seu perfil não permite esta operação."
    assert status_de(execucao) == StatusExecucao.EXECUTANDO


@pytest.mark.parametrize("corpo", [{}, {"motivo": ""}, {"motivo": "   "}])
def test_sem_motivo_e_400_com_o_campo_em_portugues(operador, corpo):
    execucao = executando()
    resposta = logado(operador).post(url(execucao), corpo, format="json")
    assert resposta.status_code == 400
    assert resposta.json() == {"motivo": ["Informe o motivo do cancelamento."]}
    assert status_de(execucao) == StatusExecucao.EXECUTANDO


def test_execucao_desconhecida_e_404(operador):
    resposta = logado(operador).post(url(uuid.uuid4()), {"motivo": "x"}, format="json")
    assert resposta.status_code == 404


def test_execucao_que_ja_terminou_e_409_e_nada_muda(operador):
    execucao = executando(StatusExecucao.CONCLUIDO)
    resposta = logado(operador).post(url(execucao), {"motivo": "Robô travado"}, format="json")
    assert resposta.status_code == 409
    assert resposta.json() == {"detail": "A execução já terminou (concluído)."}
    execucao.refresh_from_db()
    assert (execucao.status, execucao.erro, execucao.cancelada_por) == (
        StatusExecucao.CONCLUIDO,
        "",
        None,
    )
    assert execucao.logs.count() == 0


def test_depois_de_cancelar_pela_api_o_processo_roda_de_novo(operador):
    execucao = executando()
    api = logado(operador)
    processo = f"/api/processos/{execucao.processo_id}/executar-novamente/"
    assert api.post(processo).status_code == 409
    assert api.post(url(execucao), {"motivo": "Robô travado"}, format="json").status_code == 200
    assert api.post(processo).status_code == 202


def test_o_cancelamento_esta_no_esquema_openapi(operador):
    esquema = logado(operador).get("/api/esquema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")
    operacao = esquema.json()["paths"]["/api/execucoes/{id}/cancelar/"]["post"]
    corpo = operacao["requestBody"]["content"]["application/json"]["schema"]["$ref"]
    resposta = operacao["responses"]["200"]["content"]["application/json"]["schema"]["$ref"]
    assert corpo == "#/components/schemas/CancelamentoRequest"
    assert resposta == "#/components/schemas/Execucao"
    componentes = esquema.json()["components"]["schemas"]
    assert componentes["CancelamentoRequest"]["required"] == ["motivo"]
    assert "cancelada_por" in componentes["Execucao"]["properties"]
