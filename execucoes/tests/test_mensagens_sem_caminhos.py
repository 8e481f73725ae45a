"""Um robô que indica a fatura por uma chave ruim (fora do armazenamento, uma pasta) faz a execução
falhar com uma mensagem para a equipe, sem o caminho no disco do servidor."""

from pathlib import Path

import pytest
import requests
from django.core.files.storage import storages

from brm.fabricas import criar_processo, criar_usuario, esperar
from execucoes.models import Execucao, StatusExecucao
from processos import acoes
from processos.acoes import Pedido
from processos.models import Origem

pytestmark = [pytest.mark.lento, pytest.mark.django_db(transaction=True)]


@pytest.mark.parametrize(
    ("chave", "mensagem"),
    [
        ("/etc/passwd", "fora do armazenamento de faturas"),
        ("../../segredos.pdf", "fora do armazenamento de faturas"),
        (".", "não foi possível ler o arquivo"),
        ("pasta-do-robo", "não foi possível ler o arquivo"),
    ],
)
def test_chave_ruim_do_robo_falha_sem_mostrar_caminho_do_servidor(
    worker, simulador_exclusivo, settings, navegador_de, administrador, chave, mensagem
):
    settings.RPA_MAX_TENTATIVAS = 1
    armazenamento = storages["faturas_rpa"]
    Path(armazenamento.location, "pasta-do-robo").mkdir(parents=True, exist_ok=True)
    requests.post(
        f"{simulador_exclusivo.url}/__simulador/falhas/resultado",
        json={"resultado": {"arquivo_fatura": chave}},
        timeout=5,
    ).raise_for_status()
    processo = criar_processo()
    execucao = acoes.executar_download(
        processo, Pedido(usuario=criar_usuario("OPERADOR"), origem=Origem.WEB)
    )

    execucao = esperar(
        lambda: Execucao.objects.filter(pk=execucao.pk, status=StatusExecucao.FALHOU).first(),
        prazo=20,
        mensagem="a execução não falhou",
    )

    assert mensagem in execucao.erro
    pagina = navegador_de(administrador).get(f"/processos/{processo.pk}/").content.decode()
    assert mensagem in pagina
    for caminho in (settings.BASE_DIR, settings.MEDIA_ROOT, armazenamento.location, "/etc/"):
        assert str(caminho) not in execucao.erro
        assert str(caminho) not in pagina
