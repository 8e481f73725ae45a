"""O ciclo inteiro com o worker rodando contra o simulador por HTTP: ninguém com a página aberta."""

import datetime as dt
import socket

import pytest
import requests
from django.utils import timezone

from brm.fabricas import criar_cliente, criar_operadora, criar_processo, criar_usuario, esperar
from execucoes.models import Execucao, LogExecucao, StatusExecucao, TipoExecucao
from processos import acoes
from processos.acoes import Pedido
from processos.models import Origem, Processo, StatusProcesso

pytestmark = [pytest.mark.lento, pytest.mark.django_db(transaction=True)]


def controle(sim, nome, **dados):
    resposta = requests.post(f"{sim.url}/__simulador/{nome}", json=dados, timeout=5)
    assert resposta.status_code == 200, resposta.text
    return resposta.json()


def estado_sim(sim) -> dict:
    return requests.get(f"{sim.url}/__simulador/estado", timeout=5).json()


def status_de(processo) -> str:
    return Processo.objects.get(pk=processo.pk).status


def pedido(perfil: str) -> Pedido:
    return Pedido(usuario=criar_usuario(perfil), origem=Origem.WEB)


def test_download_aprovacao_e_sat_sem_ninguem_olhando(worker, simulador_exclusivo):
    controle(simulador_exclusivo, "ajustes", forma_resultado="objeto")
    processo = criar_processo()
    execucao = acoes.executar_download(processo, pedido("OPERADOR"))

    esperar(lambda: status_de(processo) == StatusProcesso.AGUARDANDO_APROVACAO)
    processo.refresh_from_db()
    execucao.refresh_from_db()
    assert processo.fatura.read().startswith(b"%PDF-")
    assert len(processo.fatura_sha256) == 64
    assert processo.valor is not None and processo.vencimento is not None
    assert (execucao.status, execucao.progresso) == (StatusExecucao.CONCLUIDO, 100)
    assert execucao.job_id and execucao.finalizada_em
    linhas = list(execucao.logs.values_list("mensagem", flat=True))
    assert any("concluído com status COMPLETED" in linha for linha in linhas)
    assert len(linhas) == len(
        set(LogExecucao.objects.filter(execucao=execucao).values_list("id", flat=True))
    )

    acoes.aprovar(processo, pedido("APROVADOR"))
    acoes.enviar_ao_sat(processo, pedido("OPERADOR"))
    esperar(lambda: status_de(processo) == StatusProcesso.UPLOAD_REALIZADO)
    processo.refresh_from_db()
    assert processo.enviado_sat_em is not None
    assert list(processo.transicoes.order_by("criado_em").values_list("para", flat=True)) == [
        StatusProcesso.AGUARDANDO_APROVACAO,
        StatusProcesso.AGUARDANDO_ENVIO_SAT,
        StatusProcesso.UPLOAD_REALIZADO,
    ]
    assert estado_sim(simulador_exclusivo)["jobs_criados"] == 2


def test_linhas_do_log_chegam_sem_duplicar(worker, simulador_exclusivo):
    processo = criar_processo()
    execucao = acoes.executar_download(processo, pedido("OPERADOR"))
    esperar(lambda: status_de(processo) == StatusProcesso.AGUARDANDO_APROVACAO)
    execucao.refresh_from_db()
    resposta = requests.get(
        f"{simulador_exclusivo.url}/jobs/{execucao.job_id}/logs",
        headers={"Authorization": f"Bearer {simulador_exclusivo.novo_token()}"},
        timeout=5,
    ).json()
    do_robo = [linha["message"] for linha in resposta["logs"]]
    nossa = f"Job {execucao.job_id} criado na API RPA"
    gravadas = [m for m in execucao.logs.values_list("mensagem", flat=True) if m != nossa]
    assert gravadas == do_robo


def test_falha_e_nova_tentativa_automatica(worker, simulador_exclusivo):
    controle(
        simulador_exclusivo, "falhas/proximos-jobs", quantidade=1, erro="Falha no login do portal"
    )
    processo = criar_processo()
    acoes.executar_download(processo, pedido("OPERADOR"))
    esperar(lambda: status_de(processo) == StatusProcesso.AGUARDANDO_APROVACAO)
    tentativas = list(
        processo.execucoes.order_by("numero_tentativa").values_list(
            "numero_tentativa", "status", "erro"
        )
    )
    assert tentativas == [
        (1, StatusExecucao.FALHOU, "Falha no login do portal"),
        (2, StatusExecucao.CONCLUIDO, ""),
    ]


def test_tentativas_param_no_limite(worker, simulador_exclusivo, settings):
    settings.RPA_MAX_TENTATIVAS = 2
    controle(simulador_exclusivo, "falhas/proximos-jobs", quantidade=10)
    processo = criar_processo()
    acoes.executar_download(processo, pedido("OPERADOR"))
    esperar(lambda: processo.execucoes.filter(status=StatusExecucao.FALHOU).count() == 2)
    worker.parar.wait(1.5)  # tempo de sobra para uma terceira tentativa indevida aparecer
    assert processo.execucoes.count() == 2
    assert status_de(processo) == StatusProcesso.AGUARDANDO_DOWNLOAD
    assert estado_sim(simulador_exclusivo)["jobs_criados"] == 2


def test_job_expurgado_vira_timeout(worker, simulador_exclusivo, settings):
    settings.RPA_MAX_TENTATIVAS = 1
    controle(simulador_exclusivo, "ajustes", pausado=True)
    processo = criar_processo()
    execucao = acoes.executar_download(processo, pedido("OPERADOR"))
    esperar(lambda: Execucao.objects.get(pk=execucao.pk).status == StatusExecucao.EXECUTANDO)
    controle(simulador_exclusivo, "envelhecer", horas=25)
    esperar(lambda: Execucao.objects.get(pk=execucao.pk).status == StatusExecucao.TIMEOUT)
    assert "expurgado" in Execucao.objects.get(pk=execucao.pk).erro
    assert status_de(processo) == StatusProcesso.AGUARDANDO_DOWNLOAD


def test_job_que_passa_do_tempo_limite_vira_timeout(worker, simulador_exclusivo, settings):
    settings.RPA_MAX_TENTATIVAS = 1
    controle(simulador_exclusivo, "ajustes", pausado=True)
    execucao = acoes.executar_download(criar_processo(), pedido("OPERADOR"))
    esperar(lambda: Execucao.objects.get(pk=execucao.pk).status == StatusExecucao.EXECUTANDO)
    Execucao.objects.filter(pk=execucao.pk).update(
        iniciada_em=timezone.now() - dt.timedelta(minutes=settings.RPA_TIMEOUT_MINUTOS + 1)
    )
    esperar(lambda: Execucao.objects.get(pk=execucao.pk).status == StatusExecucao.TIMEOUT)
    assert "minutos sem terminar" in Execucao.objects.get(pk=execucao.pk).erro


def test_resposta_perdida_no_envio_e_reconciliada_sem_duplicar(worker, simulador_exclusivo):
    # A API cria o job mas responde 500: o worker não sabe se criou. Não pode reenviar às cegas.
    controle(
        simulador_exclusivo, "falhas/http", modo="erro_500", prefixo="/executar", processar=True
    )
    processo = criar_processo()
    acoes.executar_download(processo, pedido("OPERADOR"))
    esperar(lambda: status_de(processo) == StatusProcesso.AGUARDANDO_APROVACAO)
    assert estado_sim(simulador_exclusivo)["jobs_criados"] == 1
    assert processo.execucoes.get().status == StatusExecucao.CONCLUIDO


def test_dados_recusados_pela_api_falham_sem_repetir(worker, simulador_exclusivo):
    processo = criar_processo(criar_cliente(login_portal=""))
    acoes.executar_download(processo, pedido("OPERADOR"))
    execucao = esperar(lambda: processo.execucoes.filter(status=StatusExecucao.FALHOU).first())
    assert "login" in execucao.erro
    worker.parar.wait(1.0)
    assert processo.execucoes.count() == 1


def test_token_recusado_para_o_despacho_ate_trocar(worker, simulador_exclusivo, settings):
    controle(simulador_exclusivo, "token", expirado=True)
    processo = criar_processo()
    execucao = acoes.executar_download(processo, pedido("OPERADOR"))
    from execucoes.models import EstadoRPA

    esperar(lambda: EstadoRPA.atual().token_recusado_em is not None)
    worker.parar.wait(0.5)
    execucao.refresh_from_db()
    assert (execucao.status, execucao.tentativas_envio) == (StatusExecucao.PENDENTE, 0)
    controle(simulador_exclusivo, "token", expirado=False)
    settings.API_EXTERNA_TOKEN = simulador_exclusivo.novo_token() + ""  # um token novo libera
    esperar(lambda: status_de(processo) == StatusProcesso.AGUARDANDO_APROVACAO)
    assert EstadoRPA.atual().token_recusado_em is None


def test_token_recusado_por_um_tempo_volta_sozinho_sem_trocar(
    worker, simulador_exclusivo, monkeypatch
):
    from execucoes.models import EstadoRPA

    monkeypatch.setattr("execucoes.token_rpa.SONDAGEM_INICIAL", 0.2)
    controle(simulador_exclusivo, "token", expirado=True)
    processo = criar_processo()
    acoes.executar_download(processo, pedido("OPERADOR"))
    esperar(lambda: EstadoRPA.atual().token_recusado_em is not None)
    esperar(lambda: EstadoRPA.atual().token_sondagens >= 1)  # perguntou e ouviu "não"
    assert status_de(processo) == StatusProcesso.AGUARDANDO_DOWNLOAD
    controle(simulador_exclusivo, "token", expirado=False)  # a API volta a aceitar o mesmo token
    esperar(lambda: status_de(processo) == StatusProcesso.AGUARDANDO_APROVACAO, prazo=20)
    assert EstadoRPA.atual().token_recusado_em is None
    assert estado_sim(simulador_exclusivo)["jobs_criados"] == 1


def test_operadora_sem_robo_nao_despacha(worker):
    processo = criar_processo(criar_cliente(criar_operadora("AZUTON", possui_rpa=False)))
    with pytest.raises(acoes.AcaoRecusada):
        acoes.executar_download(processo, pedido("OPERADOR"))
    assert Execucao.objects.count() == 0


def test_api_fora_do_ar_no_despacho_e_depois_volta_despacha_uma_vez(settings):
    from simulador.servidor import iniciar

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        porta = sock.getsockname()[1]
    settings.API_EXTERNA_URL = f"http://127.0.0.1:{porta}"
    settings.RPA_INTERVALO_CONSULTA_SEGUNDOS = 0.5
    from execucoes.despacho import despachar_pendentes

    processo = criar_processo()
    execucao = acoes.executar_download(processo, pedido("OPERADOR"))
    assert despachar_pendentes() == 0
    execucao.refresh_from_db()
    assert execucao.status == StatusExecucao.PENDENTE and execucao.tentativas_envio == 1
    assert "Aguardando a API RPA" in execucao.erro

    with iniciar(porta=porta, velocidade=20.0, taxa_falha=0.0) as sim:
        settings.API_EXTERNA_TOKEN = sim.novo_token()
        Execucao.objects.filter(pk=execucao.pk).update(executar_apos=timezone.now())
        assert despachar_pendentes() == 1
        assert despachar_pendentes() == 0
        execucao.refresh_from_db()
        assert (
            execucao.status == StatusExecucao.EXECUTANDO
            and execucao.tipo == TipoExecucao.DOWNLOAD_FATURA
        )
        assert estado_sim(sim)["jobs_criados"] == 1


def test_envio_ao_sat_com_cadastro_incompleto_falha_dizendo_o_campo(worker, simulador_exclusivo):
    controle(simulador_exclusivo, "ajustes", forma_resultado="objeto")
    processo = criar_processo(criar_cliente(dados_sat=""))
    acoes.executar_download(processo, pedido("OPERADOR"))
    esperar(lambda: status_de(processo) == StatusProcesso.AGUARDANDO_APROVACAO)
    acoes.aprovar(processo, pedido("APROVADOR"))
    acoes.enviar_ao_sat(processo, pedido("OPERADOR"))
    execucao = esperar(
        lambda: processo.execucoes.filter(
            tipo=TipoExecucao.UPLOAD_SAT, status=StatusExecucao.FALHOU
        ).first()
    )
    assert "dados_sat" in execucao.erro
    assert status_de(processo) == StatusProcesso.AGUARDANDO_ENVIO_SAT


def test_operadora_com_api_propria_e_seguida_e_reconciliada_nela(
    worker, simulador_exclusivo, settings
):
    from simulador.servidor import iniciar

    settings.RPA_TEMPO_ENVIO_SEGUNDOS = 0.5
    with iniciar(velocidade=2.0, taxa_falha=0.0, semente=3, operadoras=["TERCEIRA"]) as propria:
        settings.API_EXTERNA_TOKEN = propria.novo_token()  # o mesmo segredo vale nas duas
        terceirizada = criar_operadora("TERCEIRA", url_endpoint_rpa=propria.url)
        esperar(lambda: propria.url in worker.tarefas["eventos"].seguidores, prazo=10)

        # As linhas chegam ao vivo pelo stream da API da operadora, antes de o job terminar.
        primeiro = criar_processo(criar_cliente(terceirizada))
        execucao = acoes.executar_download(primeiro, pedido("OPERADOR"))
        esperar(
            lambda: Execucao.objects.filter(
                pk=execucao.pk, status=StatusExecucao.EXECUTANDO, logs__chave__startswith="r:"
            ).exists(),
            prazo=15,
        )
        assert Execucao.objects.get(pk=execucao.pk).url_rpa == propria.url

        # O POST estourou o prazo, mas o job foi criado na API da operadora: adotado de lá.
        controle(propria, "falhas/http", modo="travar", segundos=1.5, prefixo="/executar")
        segundo = criar_processo(criar_cliente(terceirizada))
        acoes.executar_download(segundo, pedido("OPERADOR"))
        for processo in (primeiro, segundo):
            esperar(
                lambda p=processo: status_de(p) == StatusProcesso.AGUARDANDO_APROVACAO, prazo=40
            )
        por_processo = estado_sim(propria)["jobs_por_processo"]
        assert (por_processo[str(primeiro.pk)], por_processo[str(segundo.pk)]) == (1, 1)
        assert estado_sim(simulador_exclusivo)["jobs_criados"] == 0
