"""Que ações cada perfil vê oferecidas: no menu da lista do admin e nos botões do processo, pelo
registro das ações e pelas guardas de `processos.acoes`."""

import datetime as dt
from decimal import Decimal

import pytest
from django.contrib import admin
from django.contrib.admin import helpers
from django.urls import reverse

from brm.fabricas import criar_cliente, criar_operadora, criar_processo
from contas.models import Perfil
from contas.permissoes import CAPACIDADES_DO_PERFIL
from execucoes.models import Execucao, StatusExecucao, TipoExecucao
from nucleo.erros import SemPermissao
from nucleo.permissoes import Capacidade
from processos import acoes
from processos.acoes import Pedido
from processos.models import Origem, Processo, StatusProcesso
from processos.registro_de_acoes import ACOES, acoes_permitidas

pytestmark = pytest.mark.django_db

LISTA = reverse("admin:processos_processo_changelist")
PDF = b"%PDF-1.4\n%%EOF\n"


def em_aprovacao(usuario) -> Processo:
    processo = criar_processo(criar_cliente())
    acoes.upload_manual(
        processo,
        Pedido(usuario=usuario, origem=Origem.WEB),
        conteudo=PDF,
        valor=Decimal(10),
        vencimento=dt.date(2026, 4, 10),
    )
    processo.refresh_from_db()
    return processo


def nomes(processo: Processo, usuario) -> list[str]:
    return [acao.nome for acao in acoes_permitidas(processo, usuario)]


def test_operador_nao_ve_aprovar_nem_rejeitar_no_menu_da_lista(operador, navegador_de):
    criar_processo()
    html = navegador_de(operador).get(LISTA).content.decode()
    assert 'value="executar_download"' in html
    assert 'value="aprovar"' not in html and 'value="rejeitar"' not in html


def test_aprovador_ve_aprovar_e_rejeitar_no_menu_da_lista(aprovador, navegador_de):
    criar_processo()
    html = navegador_de(aprovador).get(LISTA).content.decode()
    for acao in ("executar_download", "aprovar", "rejeitar", "exportar_csv"):
        assert f'value="{acao}"' in html, acao


def test_operador_que_posta_aprovar_mesmo_assim_nao_muda_nada(operador, navegador_de):
    processo = em_aprovacao(operador)
    resposta = navegador_de(operador).post(
        LISTA, {"action": "aprovar", helpers.ACTION_CHECKBOX_NAME: [str(processo.pk)]}, follow=True
    )
    assert "Nenhuma ação selecionada." in [str(m) for m in resposta.context["messages"]]
    processo.refresh_from_db()
    assert processo.status == StatusProcesso.AGUARDANDO_APROVACAO
    assert processo.aprovado_por is None


def test_toda_acao_do_admin_declara_quem_pode():
    """Nenhuma ação em lote escapa do perfil: cada uma diz sua permissão (e o admin a confere)."""
    for modelo, modeladmin in admin.site._registry.items():
        for acao in modeladmin.actions or ():
            funcao = getattr(modeladmin, acao) if isinstance(acao, str) else acao
            assert getattr(funcao, "allowed_permissions", ()), f"{modelo.__name__}: {acao}"


@pytest.mark.parametrize("acao", ACOES, ids=lambda acao: acao.nome)
def test_a_guarda_recusa_quem_nao_tem_a_capacidade_do_registro(acao, operador, monkeypatch):
    sem_ela = frozenset(Capacidade) - {acao.capacidade}
    monkeypatch.setitem(CAPACIDADES_DO_PERFIL, Perfil.OPERADOR, sem_ela)
    processo = criar_processo()
    assert isinstance(acao.recusa(processo, operador, None), SemPermissao)


def test_botoes_pelo_estado_do_processo(operador, aprovador):
    processo = criar_processo()
    assert nomes(processo, operador) == ["executar_download", "upload"]
    Execucao.objects.create(
        processo=processo, tipo=TipoExecucao.DOWNLOAD_FATURA, status=StatusExecucao.FALHOU
    )
    assert nomes(Processo.objects.get(pk=processo.pk), operador) == [
        "upload",
        "executar_novamente",
    ]
    Execucao.objects.create(processo=processo, tipo=TipoExecucao.DOWNLOAD_FATURA)
    assert nomes(Processo.objects.get(pk=processo.pk), aprovador) == ["cancelar_execucao"]

    aguardando = em_aprovacao(operador)
    assert nomes(aguardando, operador) == []
    assert nomes(aguardando, aprovador) == ["aprovar", "rejeitar"]


def test_sem_robo_so_o_upload(operador):
    processo = criar_processo(criar_cliente(criar_operadora("AZUTON", possui_rpa=False)))
    assert nomes(processo, operador) == ["upload"]
