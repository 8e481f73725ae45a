"""Os endpoints compatíveis com o sistema antigo: atualizar-status, status-job, teste-conexao."""

import pytest
import requests
from django.urls import reverse

from brm.fabricas import criar_processo, esperar
from execucoes.models import Execucao, StatusExecucao, TipoExecucao
from execucoes.rpa import ClienteRPA


@pytest.mark.django_db
def test_status_job_repassa_o_status_da_api(simulador, settings, operador, navegador_de):
    settings.API_EXTERNA_TOKEN = simulador.novo_token()
    job = (
        ClienteRPA(token=settings.API_EXTERNA_TOKEN)
        .executar_sat(
            cnpj="1",
            razao="r",
            operadora="OI",
            nome_filtro="n",
            unidade="u",
            servico="s",
            dados_sat="d",
            nome_arquivo="f.pdf",
            data_vencimento="01/01/2026",
        )
        .job_id
    )
    navegador = navegador_de(operador)
    dados = navegador.get(reverse("logs_status_job", args=[job])).json()
    assert dados["job_id"] == job and dados["status"] in {"PENDING", "RUNNING", "COMPLETED"}
    assert set(dados) >= {"progress", "result", "error", "created_at", "logs"}
    assert navegador.get(reverse("logs_status_job", args=["nao-existe"])).status_code == 404


@pytest.mark.django_db
def test_status_job_com_a_api_fora_do_ar_da_502_e_mensagem(api_fora_do_ar, operador, navegador_de):
    resposta = navegador_de(operador).get(reverse("logs_status_job", args=["x"]))
    assert resposta.status_code == 502 and "não respondeu" in resposta.json()["detail"]


@pytest.mark.django_db
def test_teste_conexao_em_json(simulador, settings, operador, navegador_de):
    settings.API_EXTERNA_TOKEN = simulador.novo_token()
    dados = navegador_de(operador).get(reverse("logs_teste_conexao")).json()
    assert dados["success"] and dados["api_ok"] and dados["token_ok"]


@pytest.mark.django_db
def test_sem_login_nao_acessa(client):
    assert client.get(reverse("logs_teste_conexao")).status_code == 403
    assert client.get(reverse("logs_status_job", args=["x"])).status_code == 403
    assert (
        client.post(
            reverse("logs_atualizar_status", args=["x"]), {}, content_type="application/json"
        ).status_code
        == 403
    )


@pytest.mark.django_db
@pytest.mark.parametrize("corpo", [b"lixo", b'{"status": "TALVEZ"}', b"[]"])
def test_atualizar_status_recusa_corpo_ruim(corpo, operador, navegador_de):
    resposta = navegador_de(operador).post(
        reverse("logs_atualizar_status", args=["x"]), corpo, content_type="application/json"
    )
    assert resposta.status_code == 400 and resposta.json()["success"] is False


@pytest.mark.lento
@pytest.mark.django_db(transaction=True)
def test_atualizar_status_nao_confia_no_corpo_e_o_worker_confirma(
    worker, simulador_exclusivo, operador, client
):
    from processos import acoes
    from processos.acoes import Pedido
    from processos.models import Origem

    requests.post(
        f"{simulador_exclusivo.url}/__simulador/ajustes", json={"pausado": True}, timeout=5
    )
    processo = criar_processo()
    execucao = acoes.executar_download(processo, Pedido(usuario=operador, origem=Origem.WEB))
    execucao = esperar(
        lambda: Execucao.objects.filter(pk=execucao.pk, status=StatusExecucao.EXECUTANDO).first()
    )
    client.force_login(operador)
    url = reverse("logs_atualizar_status", args=[execucao.job_id])
    ainda = client.post(
        url, {"status": "COMPLETED", "mensagem": "mentira"}, content_type="application/json"
    )
    assert ainda.status_code == 202 and ainda.json()["novo_status"] == StatusExecucao.EXECUTANDO
    requests.post(
        f"{simulador_exclusivo.url}/__simulador/ajustes", json={"pausado": False}, timeout=5
    )
    esperar(lambda: not Execucao.objects.get(pk=execucao.pk).ativa)
    feito = client.post(url, {"status": "FAILED"}, content_type="application/json").json()
    assert feito == {
        "success": True,
        "execucao_id": str(execucao.pk),
        "novo_status": "CONCLUIDO",
        "finalizada_em": Execucao.objects.get(pk=execucao.pk).finalizada_em.isoformat(),
    }
    assert Execucao.objects.get(pk=execucao.pk).tipo == TipoExecucao.DOWNLOAD_FATURA


@pytest.mark.django_db
@pytest.mark.parametrize("job_id", ["%00", "a%00b", "a%0D%0Ab", "%22%3E"])
def test_job_id_com_caracteres_proibidos_da_404_nos_tres_endpoints(job_id, operador, navegador_de):
    navegador = navegador_de(operador)
    base = "/api/v2/logs-tempo-real/"
    assert navegador.get(f"{base}stream/{job_id}").status_code == 404
    assert navegador.get(f"{base}status-job/{job_id}").status_code == 404
    resposta = navegador.post(
        f"{base}atualizar-status/{job_id}", {"status": "COMPLETED"}, content_type="application/json"
    )
    assert resposta.status_code == 404


@pytest.mark.django_db
def test_atualizar_status_com_json_fundo_demais_da_400(operador, navegador_de):
    Execucao.objects.create(
        processo=criar_processo(), tipo=TipoExecucao.DOWNLOAD_FATURA, job_id="job-fundo"
    )
    corpo = "[" * 100_000 + "]" * 100_000
    resposta = navegador_de(operador).post(
        "/api/v2/logs-tempo-real/atualizar-status/job-fundo", corpo, content_type="application/json"
    )
    assert resposta.status_code == 400
