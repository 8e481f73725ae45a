"""`manage.py verificar_faturas`, depois de restaurar um backup: toda fatura guardada existe e é a
mesma (SHA-256); a que sumiu ou mudou aparece no relatório e o comando sai com erro."""

import io

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from brm.fabricas import criar_cliente, criar_processo
from processos.fatura import guardar_fatura

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def processo_com_fatura(razao_social: str, conteudo: bytes = PDF):
    processo = criar_processo(cliente=criar_cliente(razao_social=razao_social))
    guardar_fatura(processo, conteudo)
    processo.save()
    return processo


def verificar() -> tuple[str, CommandError | None]:
    saida = io.StringIO()
    try:
        call_command("verificar_faturas", stdout=saida)
    except CommandError as erro:
        return saida.getvalue(), erro
    return saida.getvalue(), None


def test_com_todas_as_faturas_no_lugar_diz_que_estao_integras():
    processo_com_fatura("Alfa Ltda")
    processo_com_fatura("Beta Ltda", PDF + b"% outra\n")
    criar_processo()  # sem fatura: não entra na conta
    relatorio, erro = verificar()
    assert erro is None
    assert "2 fatura(s) conferida(s), 0 com problema." in relatorio
    assert "Todas as faturas estão íntegras." in relatorio


def test_fatura_ausente_e_fatura_corrompida_aparecem_e_o_comando_falha():
    sumiu = processo_com_fatura("Cliente Que Perdeu Ltda")
    mudou = processo_com_fatura("Cliente Corrompido Ltda", PDF + b"% mudou\n")
    processo_com_fatura("Cliente Em Dia Ltda", PDF + b"% ok\n")
    sumiu.fatura.storage.delete(sumiu.fatura.name)
    with open(mudou.fatura.path, "ab") as arquivo:
        arquivo.write(b"lixo")

    relatorio, erro = verificar()

    assert erro is not None and erro.returncode == 1
    assert "2 fatura(s) ausente(s) ou corrompida(s)" in str(erro)
    assert "3 fatura(s) conferida(s), 2 com problema." in relatorio
    linha_sumiu = next(linha for linha in relatorio.splitlines() if "Perdeu" in linha)
    assert "arquivo ausente" in linha_sumiu and "03/2026" in linha_sumiu
    linha_mudou = next(linha for linha in relatorio.splitlines() if "Corrompido" in linha)
    assert "conteúdo diferente do SHA-256 registrado" in linha_mudou
    assert "Em Dia" not in relatorio


def test_fatura_sem_sha256_registrado_e_so_um_aviso():
    processo = processo_com_fatura("Antigo Ltda")
    type(processo).objects.filter(pk=processo.pk).update(fatura_sha256="")
    relatorio, erro = verificar()
    assert erro is None
    assert "AVISO" in relatorio and "sem SHA-256 registrado" in relatorio
