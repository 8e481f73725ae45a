"""compose.yaml e Dockerfile (o Docker não roda aqui: conferimos a estrutura lida do arquivo)."""

import re

import yaml
from django.conf import settings

RAIZ = settings.BASE_DIR


def compose() -> dict:
    return yaml.safe_load((RAIZ / "compose.yaml").read_text())


def test_web_worker_e_migracao_sao_a_mesma_imagem():
    servicos = compose()["services"]
    imagens = {servicos[nome]["image"] for nome in ("migrar", "web", "worker")}
    assert imagens == {"brm-rpa:latest"}
    assert all(servicos[nome]["build"] == "." for nome in ("migrar", "web", "worker"))


def test_migracao_roda_uma_vez_depois_do_banco_e_os_outros_esperam_o_fim():
    servicos = compose()["services"]
    assert "migrate" in servicos["migrar"]["command"]
    assert servicos["migrar"]["restart"] == "no"
    assert servicos["migrar"]["depends_on"]["postgres"]["condition"] == "service_healthy"
    for nome in ("web", "worker"):
        condicao = servicos[nome]["depends_on"]["migrar"]["condition"]
        assert condicao == "service_completed_successfully"


def test_web_e_postgres_tem_healthcheck_e_o_web_usa_o_healthz():
    servicos = compose()["services"]
    assert "pg_isready" in " ".join(servicos["postgres"]["healthcheck"]["test"])
    assert servicos["web"]["healthcheck"]["test"] == ["CMD", "python", "scripts/saude"]
    assert "/healthz" in (RAIZ / "scripts" / "saude").read_text()


def test_banco_e_faturas_ficam_em_volumes_nomeados():
    dados = compose()
    assert {"pgdata", "faturas"} <= set(dados["volumes"])
    assert "pgdata:/var/lib/postgresql/data" in dados["services"]["postgres"]["volumes"]
    midia = re.search(r"MEDIA_ROOT=(\S+)", (RAIZ / "Dockerfile").read_text()).group(1)
    for nome in ("web", "worker"):
        assert f"faturas:{midia}" in dados["services"][nome]["volumes"]


def test_simulador_so_sobe_com_o_perfil():
    servicos = compose()["services"]
    assert servicos["simulador"]["profiles"] == ["simulador"]
    assert all("profiles" not in servicos[nome] for nome in ("postgres", "migrar", "web", "worker"))


def test_web_soma_as_metricas_dos_processos_do_gunicorn():
    assert "PROMETHEUS_MULTIPROC_DIR" in compose()["services"]["web"]["environment"]


def test_dockerfile_em_dois_estagios_sem_root_com_healthcheck_e_estaticos_na_construcao():
    texto = (RAIZ / "Dockerfile").read_text()
    estagios = re.findall(r"^FROM .+$", texto, re.MULTILINE)
    assert len(estagios) == 2 and " AS construcao" in estagios[0]
    final = texto[texto.rindex(estagios[1]) :]
    assert "COPY --from=construcao /opt/venv /opt/venv" in final
    assert "pip install" not in final and "apt-get" not in final
    assert re.search(r"^USER brm$", final, re.MULTILINE)
    assert re.search(r"^HEALTHCHECK .*scripts/saude", final, re.MULTILINE)
    assert "collectstatic --noinput" in final
    assert ".env" in (RAIZ / ".dockerignore").read_text().split()


def test_env_exemplo_documenta_cada_variavel_da_tabela_do_readme():
    readme = (RAIZ / "README.md").read_text()
    tabela = readme.split("## Configuração", 1)[1].split("\n## ", 1)[0]
    variaveis = {
        nome
        for linha in tabela.splitlines()
        if linha.startswith("| `")
        for nome in re.findall(r"`([A-Z][A-Z0-9_]+)`", linha.split("|")[1])
    }
    assert len(variaveis) > 40
    exemplo = (RAIZ / ".env.exemplo").read_text()
    faltando = sorted(v for v in variaveis if not re.search(rf"^#? ?{v}=", exemplo, re.MULTILINE))
    assert not faltando, f"faltam no .env.exemplo: {faltando}"


def test_worker_publica_as_metricas_so_na_rede_interna():
    worker = compose()["services"]["worker"]
    assert worker["environment"]["METRICAS_PORTA_WORKER"] == "9100"
    assert "ports" not in worker
    assert worker["environment"]["DATABASE_URL"].startswith("postgres://brm:")
