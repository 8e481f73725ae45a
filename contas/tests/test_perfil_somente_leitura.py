"""Um perfil só de leitura lê tudo e não muda nada: admin, API, páginas e streams.

O teste acrescenta o perfil como se faria no produto — uma linha na tabela de capacidades
(`contas.permissoes`) com só `Capacidade.LER` — sem precisar de uma migração: a pessoa guarda o
valor OPERADOR, e a tabela do OPERADOR é trocada pela do auditor durante o teste. O admin, a API,
as páginas e os streams só perguntam `pode(usuario, capacidade)`; se algum deles olhasse o perfil
por conta própria, o auditor conseguiria mudar algo aqui.
"""

import asyncio
import contextlib
import datetime as dt
from decimal import Decimal

import pytest
from asgiref.sync import sync_to_async
from django.contrib import admin
from django.core.files.base import ContentFile
from django.db import connection
from django.test import AsyncClient, RequestFactory
from django.urls import reverse
from rest_framework.test import APIClient

from brm.fabricas import criar_cliente, criar_processo, criar_usuario
from clientes.models import Cliente
from contas.models import Perfil, Usuario
from contas.permissoes import CAPACIDADES_DO_PERFIL
from execucoes.models import Execucao, LogExecucao, NivelLog, StatusExecucao, TipoExecucao
from nucleo.permissoes import Capacidade
from operadoras.models import Operadora
from processos.models import Processo, StatusProcesso, Transicao

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n% fatura de teste\n%%EOF\n"
ACOES_DO_PROCESSO = [
    "executar_download",
    "enviar_ao_sat",
    "executar_novamente",
    "aprovar",
    "rejeitar",
    "upload",
    "cancelar_execucao",
]
SO_LEITURA_NO_ADMIN = {"exportar_csv"}


@pytest.fixture
def auditor(monkeypatch) -> Usuario:
    monkeypatch.setitem(CAPACIDADES_DO_PERFIL, Perfil.OPERADOR, frozenset({Capacidade.LER}))
    return criar_usuario(Perfil.OPERADOR, "alice.auditora")


@pytest.fixture
def mundo(db) -> dict:
    """Um processo em cada etapa, um com execução em andamento (e log), uma fatura."""
    cliente = criar_cliente()
    download = criar_processo(cliente)
    aprovacao = criar_processo(
        criar_cliente(cliente.operadora),
        status=StatusProcesso.AGUARDANDO_APROVACAO,
        valor=Decimal("10.00"),
        vencimento=dt.date(2026, 4, 10),
    )
    aprovacao.fatura.save("fatura.pdf", ContentFile(PDF))
    sat = criar_processo(
        criar_cliente(cliente.operadora),
        status=StatusProcesso.AGUARDANDO_ENVIO_SAT,
        vencimento=dt.date(2026, 4, 10),
    )
    sat.fatura.save("fatura-sat.pdf", ContentFile(PDF))
    rodando = criar_processo(criar_cliente(cliente.operadora))
    execucao = Execucao.objects.create(
        processo=rodando,
        tipo=TipoExecucao.DOWNLOAD_FATURA,
        status=StatusExecucao.EXECUTANDO,
        job_id="job-auditoria-1",
    )
    LogExecucao.objects.create(execucao=execucao, nivel=NivelLog.INFO, mensagem="baixando")
    return {
        "cliente": cliente,
        "operadora": cliente.operadora,
        "processos": [download, aprovacao, sat, rodando],
        "execucao": execucao,
    }


def retrato() -> dict:
    """Tudo o que uma escrita poderia mudar."""

    def linhas(consulta, *campos):
        return sorted(map(str, consulta.values_list(*campos)))

    return {
        "operadoras": linhas(Operadora.objects, "pk", "nome", "ativo", "possui_rpa"),
        "clientes": linhas(Cliente.objects, "pk", "razao_social", "ativo", "atualizado_em"),
        "processos": linhas(
            Processo.objects, "pk", "status", "valor", "vencimento", "fatura", "atualizado_em"
        ),
        "execucoes": linhas(Execucao.objects, "pk", "status", "tipo", "atualizado_em"),
        "transicoes": Transicao.objects.count(),
        "linhas_de_log": LogExecucao.objects.count(),
        "usuarios": linhas(Usuario.objects, "pk", "perfil", "is_active", "api_externa_token"),
    }


def _pedido(usuario):
    pedido = RequestFactory().get("/admin/")
    pedido.user = usuario
    return pedido


def test_no_admin_ve_cada_lista_e_cadastro_sem_poder_mudar_nada(auditor, mundo, client):
    client.force_login(auditor)
    vistos = 0
    for modelo, modeladmin in admin.site._registry.items():
        pedido = _pedido(auditor)
        assert not modeladmin.has_add_permission(pedido), modelo
        assert not modeladmin.has_change_permission(pedido), modelo
        assert not modeladmin.has_delete_permission(pedido), modelo
        if not modeladmin.has_view_permission(pedido):
            # Só o que nem a equipe comum vê (pessoas, tokens do JWT) fica de fora.
            assert not modeladmin.has_view_permission(_pedido(_operador_comum())), modelo
            continue
        oferecidas = set(modeladmin.get_actions(pedido))
        assert oferecidas <= SO_LEITURA_NO_ADMIN, (modelo, oferecidas)
        opcoes = modelo._meta
        lista = client.get(reverse(f"admin:{opcoes.app_label}_{opcoes.model_name}_changelist"))
        assert lista.status_code == 200, modelo
        objeto = modelo.objects.first()
        if objeto is not None:
            pagina = client.get(
                reverse(f"admin:{opcoes.app_label}_{opcoes.model_name}_change", args=[objeto.pk])
            )
            assert pagina.status_code == 200, modelo
            assert 'name="_save"' not in pagina.content.decode(), modelo
        vistos += 1
    assert vistos >= 6  # operadoras, clientes, processos, transições, execuções, linhas de log


def _operador_comum() -> Usuario:
    return criar_usuario(Perfil.APROVADOR, f"aprovador.{Usuario.objects.count()}")


def test_no_admin_nenhuma_acao_nem_formulario_muda_algo(auditor, mundo, client):
    client.force_login(auditor)
    antes = retrato()
    processo = mundo["processos"][1]
    pagina = client.get(reverse("admin:processos_processo_change", args=[processo.pk])).content
    assert b"/acao/" not in pagina  # nenhum botão de ação na página do processo
    for alvo in mundo["processos"]:
        for nome in ACOES_DO_PROCESSO:
            client.post(
                reverse("admin:processos_processo_acao", args=[alvo.pk, nome]),
                {"motivo": "auditoria", "valor": "1,00", "vencimento": "2026-04-10"},
            )
    ids = [str(alvo.pk) for alvo in mundo["processos"]]
    for nome in ACOES_DO_PROCESSO:
        client.post(
            reverse("admin:processos_processo_changelist"),
            {"action": nome, "_selected_action": ids, "motivo": "auditoria"},
        )
    client.post(
        reverse("admin:execucoes_execucao_changelist"),
        {"action": "cancelar", "_selected_action": [str(mundo["execucao"].pk)], "motivo": "x"},
    )
    escritas = [
        ("admin:processos_processo_add", {"cliente": mundo["cliente"].pk}),
        ("admin:processos_processo_criar_mensais", {"competencia": "2026-05"}),
        ("admin:clientes_cliente_add", {"razao_social": "NOVA"}),
        ("admin:clientes_cliente_importar", {}),
        ("admin:operadoras_operadora_add", {"codigo": "NOVA", "nome": "Nova"}),
    ]
    for rota, dados in escritas:
        assert client.post(reverse(rota), dados).status_code == 403, rota
    token = reverse("admin:contas_usuario_renovar_token", args=[auditor.pk])
    assert client.post(token).status_code == 403
    assert retrato() == antes


def _ids_da_api(mundo) -> dict[str, str]:
    return {
        "clientes": str(mundo["cliente"].pk),
        "operadoras": str(mundo["operadora"].pk),
        "processos": str(mundo["processos"][1].pk),
        "execucoes": str(mundo["execucao"].pk),
    }


def test_na_api_toda_leitura_responde_e_toda_escrita_e_403(auditor, mundo):
    api = APIClient()
    api.force_authenticate(auditor)
    esquema = api.get("/api/esquema/", {"format": "json"})
    assert esquema.status_code == 200
    ids = _ids_da_api(mundo)
    antes = retrato()
    leituras = escritas = 0
    for caminho, operacoes in esquema.json()["paths"].items():
        if caminho.startswith("/api/token/"):
            continue  # entrar e renovar o próprio JWT não muda dado do produto
        recurso = caminho.split("/")[2]
        url = caminho.replace("{id}", ids[recurso])
        for metodo in operacoes.keys() & {"get", "post", "put", "patch", "delete"}:
            resposta = getattr(api, metodo)(url, {}, format="json")
            if metodo == "get":
                assert resposta.status_code == 200, (url, resposta.status_code)
                leituras += 1
            else:
                assert resposta.status_code == 403, (metodo, url, resposta.status_code)
                escritas += 1
    assert leituras >= 10 and escritas >= 15
    assert retrato() == antes


def test_nas_paginas_le_tudo_e_nao_recebe_botao(auditor, mundo, client):
    client.force_login(auditor)
    for processo in mundo["processos"]:
        for rota in ("processo_detalhe", "processo_resumo", "processo_historico"):
            resposta = client.get(reverse(rota, args=[processo.pk]))
            assert resposta.status_code == 200, rota
            assert b"/acao/" not in resposta.content, (rota, processo.status)
    assert (
        client.get(reverse("processo_fatura", args=[mundo["processos"][1].pk])).status_code == 200
    )
    log = client.get(reverse("execucao_log", args=[mundo["execucao"].pk]))
    assert log.status_code == 200 and b"baixando" in log.content


async def _abrir_e_fechar(cliente, url: str) -> tuple[int, str]:
    """Abre o stream como o navegador, lê até o primeiro evento com dados e fecha a aba."""
    resposta = await cliente.get(url)
    if resposta.status_code != 200:
        return resposta.status_code, ""
    iterador = resposta.streaming_content.__aiter__()
    lido = ""
    while "data:" not in lido:
        pedaco = await asyncio.wait_for(iterador.__anext__(), 5)
        lido += pedaco.decode() if isinstance(pedaco, bytes) else pedaco
    leitura = asyncio.ensure_future(iterador.__anext__())
    await asyncio.sleep(0.05)
    leitura.cancel()  # como o handler ASGI do Django quando a aba fecha
    with contextlib.suppress(asyncio.CancelledError, StopAsyncIteration):
        await leitura
    return 200, lido


def _fechar_a_conexao_da_thread() -> None:
    connection.close()  # a do ORM assíncrono, na thread dele


def _streams(usuario, processo, job_id: str) -> list[tuple[int, str]]:
    async def cenario():
        cliente = AsyncClient()
        await cliente.aforce_login(usuario)
        try:
            return [
                await _abrir_e_fechar(cliente, reverse("processo_eventos", args=[processo.pk])),
                await _abrir_e_fechar(cliente, reverse("logs_stream", args=[job_id])),
            ]
        finally:
            await sync_to_async(_fechar_a_conexao_da_thread)()

    return asyncio.run(cenario())


@pytest.mark.django_db(transaction=True)  # a central lê o banco nas suas próprias threads
def test_nos_streams_acompanha_como_toda_a_equipe(auditor, mundo, monkeypatch):
    processo = mundo["processos"][3]
    (processo_status, processo_texto), (job_status, job_texto) = _streams(
        auditor, processo, "job-auditoria-1"
    )
    assert processo_status == 200 and "baixando" in processo_texto
    assert job_status == 200 and "job-auditoria-1" in job_texto
    # O contrário também vale: sem a capacidade de ler, nenhum dos dois abre.
    monkeypatch.setitem(CAPACIDADES_DO_PERFIL, Perfil.OPERADOR, frozenset())
    assert [status for status, _ in _streams(auditor, processo, "job-auditoria-1")] == [403, 403]
