"""Exatamente uma vez, o que quer que o robô faça (issue 8) — de ponta a ponta: o simulador por
HTTP, dois `manage.py worker` de verdade e o PostgreSQL.

Cada teste reproduz um jeito de o robô (ou a rede) se comportar mal; depois de cada um, com o
sistema quieto, valem as propriedades de `garantias.py`: cada job com um dono só, o do processo
certo; nenhuma linha de log gravada duas vezes; toda fatura do próprio cliente; nada em andamento.
"""

import datetime as dt
import re
import time
from collections import Counter

import pytest
from django.db import connection, transaction
from django.db.models import F

from brm.fabricas import criar_cliente, criar_operadora, criar_processo, criar_usuario, esperar
from execucoes.models import EstadoRPA, Execucao, StatusExecucao
from execucoes.tests.garantias import (
    Bancada,
    controle,
    divergencias_de_log,
    esperar_fim,
    esperar_job,
    esperar_processos,
    estado,
    jobs_do_robo,
    logs_do_robo,
    menciona,
    pedir_download,
    texto_do_pdf,
    verificar_propriedades,
)
from processos.models import Processo, StatusProcesso

pytestmark = [pytest.mark.lento, pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

APROVACAO = StatusProcesso.AGUARDANDO_APROVACAO
DOWNLOAD = StatusProcesso.AGUARDANDO_DOWNLOAD
# Uma mensagem que só diz o que houve, sem o nome de uma exceção do Python ou do banco.
SEM_JARGAO = re.compile(r"Traceback|InvalidOperation|DataError|numeric field|decimal\.|<class")


@pytest.fixture
def bancada(transactional_db, tmp_path):
    if connection.vendor != "postgresql":
        pytest.skip("dois workers de verdade disputando as execuções: só no PostgreSQL")
    bancada = Bancada(tmp_path)
    yield bancada
    bancada.encerrar()


@pytest.fixture(autouse=True)
def _garantias(bancada):
    yield
    verificar_propriedades(bancada)


@pytest.fixture
def pessoa(transactional_db):
    return criar_usuario("OPERADOR")


def envios(sim, operadora: str) -> int:
    return estado(sim)["chamadas"].get(f"POST /executar/{operadora}", 0)


def um_processo(bancada, operadora: str = "VIVO", **ajustes):
    """Um simulador, um processo e os dois workers, sem novas tentativas automáticas."""
    sim = bancada.simulador()
    processo = criar_processo(criar_cliente(criar_operadora(operadora)))
    bancada.iniciar_workers(sim, RPA_MAX_TENTATIVAS=1, **ajustes)
    return sim, processo


def recarregar(processos) -> list[Processo]:
    return [Processo.objects.select_related("cliente").get(pk=p.pk) for p in processos]


# --- Um job por execução, do cliente certo -----------------------------------------------------
def test_resposta_perdida_do_envio_nunca_leva_o_job_de_outro_cliente(bancada, pessoa):
    """O robô cria o job e a resposta se perde (500, JSON truncado), ou nem cria (500): cada
    processo termina com a fatura do seu cliente e um job só; o que não chegou é reenviado."""
    sim = bancada.simulador()
    vivo = criar_operadora("VIVO")
    processos = [criar_processo(criar_cliente(vivo)) for _ in range(6)]
    bancada.iniciar_workers(sim, RPA_ENVIO_SEM_RESPOSTA_SEGUNDOS=20)
    regras = [("erro_500", True, 2), ("erro_500", False, 1), ("json_invalido", True, 1)]
    for modo, processar, quantidade in regras:
        controle(
            sim,
            "falhas/http",
            modo=modo,
            processar=processar,
            quantidade=quantidade,
            prefixo="/executar",
        )

    for numero, processo in enumerate(processos, start=1):
        pedir_download(processo, pessoa)
        esperar(lambda n=numero: envios(sim, "VIVO") >= n, mensagem=f"o envio {numero} não saiu")
        time.sleep(0.7)  # o roteiro: pedidos a 0,7 s um do outro

    esperar_processos(processos, APROVACAO, prazo=60)
    jobs = estado(sim)["jobs_por_processo"]
    # (jobs que o robô criou para o processo, a fatura guardada menciona o próprio cliente)
    situacao = [
        (jobs.get(str(p.pk), 0), menciona(p.cliente, texto_do_pdf(p)))
        for p in recarregar(processos)
    ]
    assert situacao == [(1, True)] * 6, (
        f"por processo, na ordem dos pedidos (jobs do robô, fatura do próprio cliente): {situacao}"
    )


def test_envio_lento_numa_leva_cria_um_job_por_execucao(bancada, pessoa):
    """Os dois primeiros POSTs de uma leva demoram 16 s (o job é criado): nenhum envio da leva é
    repetido enquanto espera a vez, e nenhum job fica sem dono."""
    sim = bancada.simulador()
    embratel = criar_operadora("EMBRATEL")
    processos = [criar_processo(criar_cliente(embratel)) for _ in range(6)]
    bancada.iniciar_workers(sim, RPA_ENVIO_SEM_RESPOSTA_SEGUNDOS=20)
    controle(sim, "falhas/http", modo="travar", segundos=16, quantidade=2, prefixo="/executar")

    with transaction.atomic():  # as seis de uma vez: um worker as reivindica numa leva só
        for processo in processos:
            pedir_download(processo, pessoa)

    # O segundo POST lento começou quando a última regra foi consumida; o robô o segura 16 s.
    esperar(lambda: not estado(sim)["falhas_http"], prazo=40, mensagem="só um envio saiu")
    segundo_lento_responde = time.monotonic() + 16
    esperar_processos(processos, APROVACAO, prazo=90)

    def respondidos():
        # Depois disso, cada POST já criou o seu job: nenhum envio da leva ainda em voo.
        atual = estado(sim)
        envios_feitos = atual["chamadas"].get("POST /executar/EMBRATEL", 0)
        return time.monotonic() > segundo_lento_responde and atual["jobs_criados"] == envios_feitos

    esperar(respondidos, prazo=30, mensagem="há envios sem resposta")
    jobs = estado(sim)["jobs_por_processo"]
    assert (estado(sim)["jobs_criados"], [jobs.get(str(p.pk), 0) for p in processos]) == (
        6,
        [1] * 6,
    )


def test_operadora_com_api_rpa_propria_adota_do_seu_host_e_recebe_o_log_ao_vivo(bancada, pessoa):
    """A operadora fala com outro host da API RPA: o POST sem resposta é adotado do `GET /jobs`
    desse host (não do global), e as linhas do job chegam enquanto ele roda."""
    global_ = bancada.simulador()
    proprio = bancada.simulador(velocidade=5.0)
    oi = criar_operadora("OI", url_endpoint_rpa=proprio.url)
    processo = criar_processo(criar_cliente(oi))
    # O POST desiste em 14 s (na versão antiga, em 15); o robô cria o job aos 16 s.
    bancada.iniciar_workers(
        global_, RPA_TEMPO_ENVIO_SEGUNDOS=14, RPA_ENVIO_SEM_RESPOSTA_SEGUNDOS=20
    )
    controle(
        proprio, "falhas/http", modo="travar", segundos=16, processar=True, prefixo="/executar"
    )

    execucao = pedir_download(processo, pessoa)
    esperar(
        lambda: estado(proprio)["jobs_criados"] == 1, prazo=25, mensagem="o robô não criou o job"
    )
    controle(proprio, "ajustes", pausado=True)  # o job fica parado no começo até a adoção
    job_id = esperar_job(execucao, prazo=40)
    assert estado(proprio)["jobs_criados"] == 1, "o envio sem resposta foi repetido"
    assert job_id == jobs_do_robo(proprio)[0]["job_id"]

    # Ao vivo: o robô escreve algumas linhas e pára de novo (o job não termina).
    antes = len(logs_do_robo(proprio, job_id))
    controle(proprio, "ajustes", pausado=False)
    esperar(lambda: len(logs_do_robo(proprio, job_id)) >= antes + 4, prazo=15)
    controle(proprio, "ajustes", pausado=True)
    novas = Counter(logs_do_robo(proprio, job_id)[antes:])

    def chegaram():
        gravadas = Counter(
            Execucao.objects.get(pk=execucao.pk).logs.values_list("mensagem", flat=True)
        )
        return not novas - gravadas

    esperar(chegaram, prazo=10, mensagem="as linhas do job em andamento não chegaram ao banco")
    assert Execucao.objects.get(pk=execucao.pk).status == StatusExecucao.EXECUTANDO

    controle(proprio, "ajustes", pausado=False)
    esperar_processos([processo], APROVACAO, prazo=30)
    assert (estado(proprio)["jobs_criados"], estado(global_)["jobs_criados"]) == (1, 0)


# --- Cada linha de log uma vez -----------------------------------------------------------------
def test_nenhuma_linha_de_log_gravada_duas_vezes(bancada, pessoa):
    """Vinte downloads ao mesmo tempo, um robô rápido: o stream e o `/status` entregam as mesmas
    linhas, e o banco guarda cada uma uma vez."""
    sim = bancada.simulador(velocidade=50.0)
    operadoras = [criar_operadora("VIVO"), criar_operadora("OI")]
    processos = [criar_processo(criar_cliente(operadoras[i % 2])) for i in range(20)]
    bancada.iniciar_workers(sim)

    for processo in processos:
        pedir_download(processo, pessoa)

    esperar_processos(processos, APROVACAO, prazo=60)
    problemas = divergencias_de_log(bancada)
    assert not problemas, "\n".join(problemas)


def test_linha_que_o_robo_repete_fica_gravada_as_duas_vezes(bancada, pessoa):
    """Tirar duplicatas não pode engolir uma linha que o robô de fato escreveu duas vezes."""
    sim, processo = um_processo(bancada)
    controle(sim, "ajustes", pausado=True)
    execucao = pedir_download(processo, pessoa)
    job_id = esperar_job(execucao)
    for _ in range(2):
        controle(
            sim,
            "falhas/log",
            job_id=job_id,
            mensagem="Portal lento, tentando de novo",
            nivel="WARN",
        )
    controle(sim, "ajustes", pausado=False)

    assert esperar_fim(execucao).status == StatusExecucao.CONCLUIDO
    esperar(
        lambda: execucao.logs.filter(mensagem="Portal lento, tentando de novo").count() >= 2,
        prazo=10,
    )
    assert execucao.logs.filter(mensagem="Portal lento, tentando de novo").count() == 2


# --- Nada preso --------------------------------------------------------------------------------
def test_erro_do_robo_com_nul_encerra_a_execucao(bancada, pessoa):
    """O PostgreSQL não guarda NUL: o erro é gravado sem ele, e a execução termina."""
    sim, processo = um_processo(bancada)
    controle(sim, "ajustes", pausado=True)
    execucao = pedir_download(processo, pessoa)
    controle(sim, "falhas/job", job_id=esperar_job(execucao), erro="falhou\u0000aqui")
    controle(sim, "ajustes", pausado=False)

    execucao = esperar_fim(execucao)
    assert execucao.status == StatusExecucao.FALHOU
    assert "\x00" not in execucao.erro
    assert re.search("falhou.?aqui", execucao.erro), execucao.erro
    processo.refresh_from_db()
    assert processo.status == DOWNLOAD


def test_linha_de_log_com_nul_e_gravada_sem_ele(bancada, pessoa):
    sim, processo = um_processo(bancada)
    controle(sim, "ajustes", pausado=True)
    execucao = pedir_download(processo, pessoa)
    controle(
        sim, "falhas/log", job_id=esperar_job(execucao), mensagem="linha com\u0000NUL", nivel="INFO"
    )
    controle(sim, "ajustes", pausado=False)

    assert esperar_fim(execucao).status == StatusExecucao.CONCLUIDO
    esperar(lambda: execucao.logs.filter(mensagem__startswith="linha com").exists(), prazo=10)
    assert list(
        execucao.logs.filter(mensagem__startswith="linha com").values_list("mensagem", flat=True)
    ) == ["linha comNUL"]


@pytest.mark.parametrize("valor", ["NaN", "99999999999999999999"])
def test_valor_absurdo_no_resultado_falha_com_mensagem_clara(bancada, pessoa, valor):
    sim, processo = um_processo(bancada)
    controle(
        sim,
        "falhas/resultado",
        quantidade=1,
        operadora="VIVO",
        resultado={"arquivo_fatura": "{url}", "valor_fatura": valor},
    )

    execucao = esperar_fim(pedir_download(processo, pessoa))
    processo.refresh_from_db()
    assert (execucao.status, processo.status, processo.fatura.name) == (
        StatusExecucao.FALHOU,
        DOWNLOAD,
        "",
    ), execucao.erro
    assert "valor" in execucao.erro.lower(), execucao.erro
    assert not SEM_JARGAO.search(execucao.erro), execucao.erro


def test_fatura_de_outro_cliente_nao_e_anexada(bancada, pessoa):
    """O robô devolve a fatura de outro cliente (outro CNPJ, outra conta): nada é anexado."""
    sim, processo = um_processo(bancada)
    outro = criar_cliente(processo.cliente.operadora)
    controle(
        sim,
        "falhas/resultado",
        quantidade=1,
        operadora="VIVO",
        pdf_cnpj=outro.cnpj_formatado,
        pdf_filtro=outro.filtro,
    )

    execucao = esperar_fim(pedir_download(processo, pessoa))
    processo.refresh_from_db()
    assert (execucao.status, processo.status, processo.fatura.name) == (
        StatusExecucao.FALHOU,
        DOWNLOAD,
        "",
    ), execucao.erro
    assert re.search(r"CNPJ|cliente", execucao.erro), execucao.erro


def test_job_que_nunca_termina_acaba_em_tempo_esgotado(bancada, pessoa):
    sim, processo = um_processo(bancada, RPA_TIMEOUT_MINUTOS=1)
    controle(sim, "ajustes", pausado=True)  # o robô não anda: o job nunca termina
    execucao = pedir_download(processo, pessoa)
    esperar_job(execucao)

    # Passaram-se dois minutos de um prazo de um: recua os relógios da execução e do job.
    dois_minutos = dt.timedelta(minutes=2)
    Execucao.objects.filter(pk=execucao.pk).update(
        criado_em=F("criado_em") - dois_minutos, iniciada_em=F("iniciada_em") - dois_minutos
    )
    controle(sim, "envelhecer", horas=2 / 60)

    execucao = esperar_fim(execucao, prazo=15)
    assert execucao.status == StatusExecucao.TIMEOUT, execucao.erro
    processo.refresh_from_db()
    assert processo.status == DOWNLOAD


def test_token_recusado_e_depois_aceito_o_despacho_volta_sozinho(bancada, pessoa):
    """A API recusa o token por uns segundos e volta a aceitá-lo: ninguém troca o token, e o
    download pedido nesse meio-tempo termina."""
    sim, processo = um_processo(bancada)
    controle(sim, "token", expirado=True)
    execucao = pedir_download(processo, pessoa)
    esperar(
        lambda: EstadoRPA.objects.filter(token_recusado_em__isnull=False).exists(),
        mensagem="o worker não notou o token recusado",
    )
    controle(sim, "token", expirado=False)

    esperar_processos([processo], APROVACAO, prazo=60)
    assert Execucao.objects.get(pk=execucao.pk).status == StatusExecucao.CONCLUIDO
    assert estado(sim)["jobs_criados"] == 1


# --- Capacidade do robô ------------------------------------------------------------------------
def test_dois_workers_nunca_passam_da_capacidade_de_cada_operadora_nem_da_global(bancada, pessoa):
    """60 downloads de uma vez em três operadoras (capacidade 2, 3 e 3; 6 ao todo): o simulador,
    que conta os jobs em curso de cada operadora, nunca vê mais que a capacidade; todos terminam,
    cada um com um job só."""
    sim = bancada.simulador()
    capacidade = {"VIVO": 2, "OI": 3, "EMBRATEL": 3}
    operadoras = [criar_operadora(codigo, jobs_simultaneos=n) for codigo, n in capacidade.items()]
    processos = [criar_processo(criar_cliente(operadoras[n % 3])) for n in range(60)]
    bancada.iniciar_workers(sim, RPA_MAX_TENTATIVAS=1, RPA_JOBS_SIMULTANEOS=6)

    with transaction.atomic():  # os 60 chegam juntos, como numa execução agendada
        for processo in processos:
            pedir_download(processo, pessoa)

    esperar_processos(processos, APROVACAO, prazo=240)
    atual = estado(sim)
    picos = atual["pico_jobs_simultaneos"]
    assert all(picos.get(codigo, 0) <= limite for codigo, limite in capacidade.items()), picos
    assert atual["pico_jobs_simultaneos_total"] == 6, "a fila não chegou a encher o robô"
    jobs = atual["jobs_por_processo"]
    assert [jobs.get(str(p.pk), 0) for p in processos] == [1] * 60
