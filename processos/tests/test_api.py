"""Processos na API REST: filtros, criação e as ações do fluxo, com as recusas em pt-BR."""

import datetime as dt

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext

from brm.fabricas import (
    api_de,
    criar_cliente,
    criar_operadora,
    criar_processo,
    criar_usuario,
    esperar,
)
from execucoes.models import Execucao, LogExecucao, StatusExecucao, TipoExecucao
from processos.models import Origem, Processo, StatusProcesso, Transicao

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def aguardando_aprovacao(**campos) -> Processo:
    processo = criar_processo(status=StatusProcesso.AGUARDANDO_APROVACAO, **campos)
    processo.fatura.save("fatura.pdf", SimpleUploadedFile("fatura.pdf", PDF))
    return processo


def test_lista_com_filtros_de_competencia_status_e_operadora():
    vivo, oi = criar_operadora("VIVO"), criar_operadora("OI")
    alvo = criar_processo(criar_cliente(vivo), competencia=dt.date(2026, 3, 1))
    criar_processo(criar_cliente(oi), competencia=dt.date(2026, 3, 1))
    criar_processo(alvo.cliente, competencia=dt.date(2026, 4, 1))
    api = api_de("OPERADOR")

    corpo = api.get(
        "/api/processos/",
        {"competencia": "03/2026", "operadora": "VIVO", "status": "AGUARDANDO_DOWNLOAD"},
    ).json()
    assert [p["id"] for p in corpo["results"]] == [str(alvo.pk)]
    assert corpo["results"][0]["competencia"] == "03/2026"
    assert corpo["results"][0]["operadora"] == "VIVO"
    assert api.get("/api/processos/", {"status": "UPLOAD_REALIZADO"}).json()["count"] == 0


def test_filtro_com_competencia_ou_status_invalido_da_400_em_portugues():
    api = api_de("OPERADOR")
    resposta = api.get("/api/processos/", {"competencia": "2026-03"})
    assert resposta.status_code == 400
    assert "MM/AAAA" in str(resposta.json())
    resposta = api.get("/api/processos/", {"status": "QUALQUER"})
    assert resposta.status_code == 400


def test_consultas_da_lista_de_processos_nao_crescem_com_a_pagina():
    api = api_de("OPERADOR")

    def consultas(total):
        while Processo.objects.count() < total:
            criar_processo(aprovado_por=criar_usuario("APROVADOR"))
        with CaptureQueriesContext(connection) as contexto:
            assert api.get("/api/processos/", {"tamanho": 100}).status_code == 200
        return len(contexto)

    assert consultas(3) == consultas(25)


def test_criar_um_processo_escreve_a_transicao_e_nao_duplica():
    cliente = criar_cliente()
    api = api_de("OPERADOR")
    resposta = api.post(
        "/api/processos/", {"cliente": str(cliente.pk), "competencia": "05/2026"}, format="json"
    )
    assert resposta.status_code == 201, resposta.content
    processo = Processo.objects.get(pk=resposta.json()["id"])
    assert processo.competencia == dt.date(2026, 5, 1)
    assert processo.transicoes.get().origem == Origem.API

    de_novo = api.post(
        "/api/processos/", {"cliente": str(cliente.pk), "competencia": "5/2026"}, format="json"
    )
    assert de_novo.status_code == 400
    assert "Já existe um processo" in str(de_novo.json())
    assert Processo.objects.count() == 1


def test_competencia_invalida_na_criacao():
    resposta = api_de("OPERADOR").post(
        "/api/processos/", {"cliente": str(criar_cliente().pk), "competencia": "13/2026"}
    )
    assert resposta.status_code == 400
    assert "competencia" in resposta.json()
    assert not Processo.objects.exists()


def test_status_nao_muda_por_edicao_so_pelas_acoes():
    processo = criar_processo()
    resposta = api_de("OPERADOR").patch(
        f"/api/processos/{processo.pk}/",
        {"status": "UPLOAD_REALIZADO", "observacoes": "Cliente pediu 2ª via"},
        format="json",
    )
    assert resposta.status_code == 200
    processo.refresh_from_db()
    assert processo.status == StatusProcesso.AGUARDANDO_DOWNLOAD
    assert processo.observacoes == "Cliente pediu 2ª via"


def test_executar_download_registra_a_execucao_pendente_e_recusa_a_segunda():
    processo = criar_processo()
    api = api_de("OPERADOR")
    resposta = api.post(f"/api/processos/{processo.pk}/executar-download/")
    assert resposta.status_code == 202, resposta.content
    execucao = Execucao.objects.get(pk=resposta.json()["id"])
    assert execucao.status == StatusExecucao.PENDENTE
    assert execucao.tipo == TipoExecucao.DOWNLOAD_FATURA

    de_novo = api.post(f"/api/processos/{processo.pk}/executar-download/")
    assert de_novo.status_code == 409
    assert "execução" in de_novo.json()["detail"]
    assert Execucao.objects.count() == 1


def test_operador_nao_aprova_403_com_o_motivo():
    processo = aguardando_aprovacao(vencimento=dt.date(2026, 4, 10))
    resposta = api_de("OPERADOR").post(f"/api/processos/{processo.pk}/aprovar/", {})
    assert resposta.status_code == 403
    assert resposta.json()["detail"] == "Só aprovadores e administradores aprovam faturas."
    processo.refresh_from_db()
    assert processo.status == StatusProcesso.AGUARDANDO_APROVACAO


def test_aprovar_sem_vencimento_e_409_e_com_vencimento_avanca():
    processo = aguardando_aprovacao()
    api = api_de("APROVADOR")
    recusa = api.post(f"/api/processos/{processo.pk}/aprovar/", {}, format="json")
    assert recusa.status_code == 409
    assert "vencimento" in recusa.json()["detail"]

    resposta = api.post(
        f"/api/processos/{processo.pk}/aprovar/",
        {"vencimento": "2026-04-10", "valor": "123.45", "observacao": "ok"},
        format="json",
    )
    assert resposta.status_code == 200, resposta.content
    corpo = resposta.json()
    assert corpo["status"] == StatusProcesso.AGUARDANDO_ENVIO_SAT
    assert corpo["valor"] == "123.45" and corpo["aprovado_por"]
    transicao = Transicao.objects.get(processo=processo, para=StatusProcesso.AGUARDANDO_ENVIO_SAT)
    assert transicao.origem == Origem.API and transicao.motivo == "ok"

    de_novo = api.post(f"/api/processos/{processo.pk}/aprovar/", {}, format="json")
    assert de_novo.status_code == 409
    assert "Aguardando envio ao SAT" in de_novo.json()["detail"]


def test_rejeitar_exige_motivo():
    processo = aguardando_aprovacao(vencimento=dt.date(2026, 4, 10))
    api = api_de("APROVADOR")
    sem_motivo = api.post(f"/api/processos/{processo.pk}/rejeitar/", {"motivo": "  "})
    assert sem_motivo.status_code in (400, 409)
    assert "motivo" in str(sem_motivo.json()).lower()
    processo.refresh_from_db()
    assert processo.status == StatusProcesso.AGUARDANDO_APROVACAO

    resposta = api.post(f"/api/processos/{processo.pk}/rejeitar/", {"motivo": "Valor errado"})
    assert resposta.status_code == 200
    assert resposta.json()["status"] == StatusProcesso.AGUARDANDO_DOWNLOAD
    assert resposta.json()["tem_fatura"] is False


def test_upload_manual_com_pdf_vai_para_aprovacao_e_a_fatura_sai_pela_api():
    processo = criar_processo()
    api = api_de("OPERADOR")
    resposta = api.post(
        f"/api/processos/{processo.pk}/upload-manual/",
        {
            "arquivo": SimpleUploadedFile("f.pdf", PDF, "application/pdf"),
            "valor": "99.90",
            "vencimento": "2026-04-20",
        },
        format="multipart",
    )
    assert resposta.status_code == 200, resposta.content
    assert resposta.json()["status"] == StatusProcesso.AGUARDANDO_APROVACAO
    endereco = resposta.json()["fatura"]
    assert endereco == f"http://testserver/api/processos/{processo.pk}/fatura/"
    fatura = api.get(endereco)
    assert fatura.status_code == 200
    assert fatura["Content-Type"] == "application/pdf"
    assert b"".join(fatura.streaming_content if fatura.streaming else [fatura.content]) == PDF


def test_upload_manual_que_nao_e_pdf_e_recusado_sem_mudar_nada():
    processo = criar_processo()
    resposta = api_de("OPERADOR").post(
        f"/api/processos/{processo.pk}/upload-manual/",
        {
            "arquivo": SimpleUploadedFile("f.pdf", b"<html>nao</html>", "application/pdf"),
            "valor": "10.00",
            "vencimento": "2026-04-20",
        },
        format="multipart",
    )
    assert resposta.status_code == 409
    assert "PDF" in resposta.json()["detail"]
    processo.refresh_from_db()
    assert processo.status == StatusProcesso.AGUARDANDO_DOWNLOAD and not processo.fatura
    assert not Execucao.objects.exists()


def test_upload_manual_sem_valor_da_400_com_o_campo():
    processo = criar_processo()
    resposta = api_de("OPERADOR").post(
        f"/api/processos/{processo.pk}/upload-manual/",
        {"arquivo": SimpleUploadedFile("f.pdf", PDF), "vencimento": "2026-04-20"},
        format="multipart",
    )
    assert resposta.status_code == 400
    assert "valor" in resposta.json()


def test_processo_sem_fatura_e_id_desconhecido_dao_404():
    processo = criar_processo()
    api = api_de("OPERADOR")
    assert api.get(f"/api/processos/{processo.pk}/fatura/").status_code == 404
    desconhecido = "00000000-0000-0000-0000-000000000000"
    assert api.get(f"/api/processos/{desconhecido}/").status_code == 404
    assert api_de("APROVADOR").post(f"/api/processos/{desconhecido}/aprovar/").status_code == 404
    assert api.get("/api/processos/nao-e-uuid/").status_code == 404


def test_historico_e_execucoes_com_logs():
    processo = criar_processo()
    api = api_de("OPERADOR")
    execucao = Execucao.objects.get(
        pk=api.post(f"/api/processos/{processo.pk}/executar-download/").json()["id"]
    )
    linhas = [
        LogExecucao.objects.create(execucao=execucao, mensagem=f"linha {n}") for n in range(5)
    ]
    lista = api.get("/api/execucoes/", {"processo": str(processo.pk)}).json()
    assert [e["id"] for e in lista["results"]] == [str(execucao.pk)]
    logs = api.get(f"/api/execucoes/{execucao.pk}/logs/", {"desde": linhas[1].id}).json()
    assert [linha["mensagem"] for linha in logs] == ["linha 2", "linha 3", "linha 4"]
    assert api.get(f"/api/execucoes/{execucao.pk}/logs/", {"desde": "x"}).status_code == 400
    assert api.get(f"/api/processos/{processo.pk}/historico/").status_code == 200


def test_criar_processos_do_mes_e_idempotente():
    operadora = criar_operadora("VIVO")
    for _ in range(3):
        criar_cliente(operadora)
    api = api_de("OPERADOR")
    primeira = api.post("/api/processos/criar-mensais/", {"competencia": "06/2026"})
    assert primeira.json() == {"competencia": "06/2026", "criados": 3, "ja_existiam": 0}
    segunda = api.post("/api/processos/criar-mensais/", {"competencia": "06/2026"})
    assert segunda.json() == {"competencia": "06/2026", "criados": 0, "ja_existiam": 3}
    assert api.post("/api/processos/criar-mensais/", {"competencia": "x"}).status_code == 400


@pytest.mark.lento
@pytest.mark.django_db(transaction=True)
def test_ciclo_inteiro_pela_api_com_o_worker_e_o_simulador(worker, simulador_exclusivo):
    """Um programa com JWT: download → aprovação → SAT, e o worker fazendo o HTTP de verdade."""
    processo = criar_processo()
    operador, aprovador = api_de("OPERADOR"), api_de("APROVADOR")
    url = f"/api/processos/{processo.pk}/"

    assert operador.post(url + "executar-download/").status_code == 202
    esperar(
        lambda: operador.get(url).json()["status"] == StatusProcesso.AGUARDANDO_APROVACAO,
        prazo=30,
        mensagem="o download não terminou",
    )
    assert operador.get(url + "fatura/").getvalue().startswith(b"%PDF")
    execucao = operador.get("/api/execucoes/", {"processo": str(processo.pk)}).json()["results"][0]
    assert execucao["status"] == StatusExecucao.CONCLUIDO
    assert operador.get(f"/api/execucoes/{execucao['id']}/logs/").json()

    vencimento = {} if operador.get(url).json()["vencimento"] else {"vencimento": "2026-04-10"}
    assert aprovador.post(url + "aprovar/", vencimento, format="json").status_code == 200
    assert operador.post(url + "enviar-ao-sat/").status_code == 202
    esperar(
        lambda: operador.get(url).json()["status"] == StatusProcesso.UPLOAD_REALIZADO,
        prazo=30,
        mensagem="o envio ao SAT não terminou",
    )
    origens = set(processo.transicoes.values_list("origem", flat=True))
    assert {Origem.API, Origem.WORKER} <= origens


@pytest.mark.parametrize(
    "corpo, tipo",
    [
        ("{nao é json", "application/json"),
        ("[1, 2, 3]", "application/json"),
        ('{"valor": "abc", "vencimento": "31/02/2026", "motivo": ["x"]}', "application/json"),
        ('{"competencia": null, "cliente": "nao-uuid"}', "application/json"),
        ("\x00\xff", "application/octet-stream"),
    ],
)
def test_entrada_ruim_em_qualquer_escrita_nunca_da_500(corpo, tipo):
    criar_operadora("VIVO")
    processo = aguardando_aprovacao()
    api = api_de("ADMINISTRADOR")
    caminhos = [
        "/api/operadoras/",
        "/api/clientes/",
        "/api/processos/",
        "/api/processos/criar-mensais/",
        f"/api/processos/{processo.pk}/aprovar/",
        f"/api/processos/{processo.pk}/rejeitar/",
        f"/api/processos/{processo.pk}/upload-manual/",
        f"/api/processos/{processo.pk}/executar-download/",
    ]
    for caminho in caminhos:
        resposta = api.generic("POST", caminho, corpo, content_type=tipo)
        assert 400 <= resposta.status_code < 500, (caminho, resposta.status_code)
        assert "detail" in resposta.json() or resposta.json(), caminho
    processo.refresh_from_db()
    assert processo.status == StatusProcesso.AGUARDANDO_APROVACAO


def test_processo_para_cliente_inativo_ou_de_operadora_inativa_e_recusado():
    inativo = criar_cliente(ativo=False)
    de_operadora_inativa = criar_cliente(criar_operadora("OI", ativo=False))
    api = api_de("OPERADOR")
    for cliente in (inativo, de_operadora_inativa):
        resposta = api.post(
            "/api/processos/", {"cliente": str(cliente.pk), "competencia": "05/2026"}
        )
        assert resposta.status_code == 400
        assert resposta.json()["cliente"] == ["Cliente inativo ou de operadora inativa."]
    assert not Processo.objects.exists()
    mensais = api.post(
        "/api/processos/criar-mensais/", {"competencia": "05/2026", "operadora": "OI"}
    )
    assert mensais.status_code == 400
    assert "inativa" in str(mensais.json()["operadora"])


def test_observacoes_da_criacao_sao_gravadas():
    resposta = api_de("OPERADOR").post(
        "/api/processos/",
        {"cliente": str(criar_cliente().pk), "competencia": "05/2026", "observacoes": "2ª via"},
    )
    assert resposta.status_code == 201
    assert Processo.objects.get(pk=resposta.json()["id"]).observacoes == "2ª via"


def test_busca_por_cnpj_com_pontuacao():
    cliente = criar_cliente()
    criar_processo(cliente)
    criar_processo(criar_cliente())
    api = api_de("OPERADOR")
    for caminho in ("/api/clientes/", "/api/processos/"):
        achados = api.get(caminho, {"busca": cliente.cnpj_formatado}).json()["results"]
        assert len(achados) == 1, caminho


def test_fatura_pedida_como_pdf():
    processo = aguardando_aprovacao()
    api = api_de("OPERADOR")
    resposta = api.get(f"/api/processos/{processo.pk}/fatura/", HTTP_ACCEPT="application/pdf")
    assert resposta.status_code == 200
    assert resposta.getvalue() == PDF
    sem_fatura = criar_processo()
    erro = api.get(f"/api/processos/{sem_fatura.pk}/fatura/", HTTP_ACCEPT="application/pdf")
    assert erro.status_code == 404


def test_historico_de_id_invalido_e_404_e_execucoes_ignoram_ordem_desconhecida():
    api = api_de("OPERADOR")
    assert api.get("/api/processos/nao-e-uuid/historico/").status_code == 404
    for ordem in ("get_status_display", "processo", "-iniciada_em"):
        assert api.get("/api/execucoes/", {"ordem": ordem}).status_code == 200
