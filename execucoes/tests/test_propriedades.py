"""O verificador das garantias (rodado depois de todo teste com simulador) acusa o que deve."""

import pytest

from brm.fabricas import criar_processo
from execucoes.models import Execucao, LogExecucao, StatusExecucao, TipoExecucao
from execucoes.parametros import corpo_download
from execucoes.rpa import ClienteRPA
from execucoes.tests.propriedades import conferir
from processos.fatura import guardar_fatura

pytestmark = pytest.mark.django_db


@pytest.fixture
def api(simulador_exclusivo):
    return ClienteRPA(base_url=simulador_exclusivo.url, token=simulador_exclusivo.novo_token())


def job_para(api, processo) -> str:
    return api.executar_download("VIVO", **corpo_download(processo, com_senha=True)).job_id


def test_acusa_job_no_processo_errado_e_linha_repetida(api, simulador_exclusivo):
    certo, errado = criar_processo(), criar_processo()
    job = job_para(api, certo)
    execucao = Execucao.objects.create(
        processo=errado,
        tipo=TipoExecucao.DOWNLOAD_FATURA,
        status=StatusExecucao.CANCELADO,
        job_id=job,
    )
    for chave in ("r:1", "r:2"):
        LogExecucao.objects.create(
            execucao=execucao, chave=chave, mensagem="Job criado para operadora VIVO"
        )
    problemas = conferir(simulador_exclusivo)
    assert any("criado para o processo" in p for p in problemas)
    assert any("linhas a mais" in p for p in problemas)
    Execucao.objects.all().delete()  # o teste termina limpo para a conferência do fixture


def test_acusa_fatura_que_nao_menciona_o_cliente(simulador_exclusivo):
    from simulador.pdf import Fatura, fatura_pdf

    processo = criar_processo()
    pdf = fatura_pdf(
        Fatura(
            "VIVO",
            "11.222.333/0001-81",
            "outra-conta",
            "03/2026",
            "10.00",
            processo.competencia,
            "x",
        )
    )
    guardar_fatura(processo, pdf)
    processo.save()
    assert any("não menciona o cliente" in p for p in conferir(simulador_exclusivo))
    processo.fatura.delete()
