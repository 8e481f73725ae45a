"""Escala: cada página da equipe e cada lista da API com um ano de dados (`bench.escala_dados`).

Para cada página: consultas, p50/p95 de RODADAS pedidos depois de um de aquecimento (3 se o
aquecimento passou de 2 s, 1 se passou de 10 s: o que já falha não precisa de mais), o tempo das
próprias consultas no banco (soma dos `EXPLAIN ANALYZE`), a razão p95/SQL, as varreduras
sequenciais de tabelas com mais de 100 mil linhas e o maior número de linhas que um só nó de
leitura do plano leu (um OFFSET fundo lê pelo índice tudo o que pula).

Passa quem tem p95 ≤ 3 vezes o SQL (ou abaixo de 150 ms) e nenhuma varredura sequencial grande.
Só no PostgreSQL. ESCALA_RODADAS=5; ESCALA_REFAZER=1 gera os dados de novo; ESCALA_BANCO o banco;
ESCALA_PAGINAS=exportar mede só as páginas com esse trecho no nome.
"""

import datetime as dt
import json
import os
import re
import statistics
import time
import tracemalloc
from dataclasses import dataclass, field
from urllib.parse import quote_plus

from asgiref.sync import async_to_sync
from django.conf import settings
from django.db import connection
from django.test import Client, override_settings
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from bench import escala_dados
from bench.ambiente import tabela

RODADAS = int(os.environ.get("ESCALA_RODADAS", "5"))
LENTA_MS = 2000
LENTISSIMA_MS = 10_000
RAPIDA_MS = 150
RAZAO_MAXIMA = 3
TABELA_GRANDE = 100_000
PRIMEIRO_BYTE_MAXIMO_MS = 1000
XLSX_MAXIMO_MS = 10_000
MEMORIA_MAXIMA_MB = 64
CURSOR_DO_SERVIDOR = re.compile(r"DECLARE .+? CURSOR WITH(?:OUT)? HOLD FOR (.*)", re.DOTALL)


@dataclass
class Pagina:
    nome: str
    url: str
    api: bool = False
    post: dict | None = None
    # Uma exportação lê e escreve cada linha pedida (uma varredura, quando pede todas): o que se
    # exige dela é outro (`Medida.passou`).
    exportacao: bool = False


@dataclass
class Medida:
    pagina: Pagina
    consultas: int = 0
    tempos: list[float] = field(default_factory=list)
    sql_ms: float = 0.0
    varreduras: set[str] = field(default_factory=set)
    linhas_lidas: int = 0
    erro: str = ""
    primeiro_byte: list[float] = field(default_factory=list)
    memoria_mb: float = 0.0

    @property
    def p50(self) -> float:
        return statistics.median(self.tempos)

    @property
    def p95(self) -> float:
        if len(self.tempos) < 2:
            return self.tempos[0]
        return statistics.quantiles(self.tempos, n=20, method="inclusive")[-1]

    @property
    def razao(self) -> float:
        return self.p95 / self.sql_ms if self.sql_ms else float("inf")

    @property
    def passou(self) -> bool:
        if self.erro:
            return False
        if self.pagina.exportacao:
            return self.exportacao_passou
        if self.varreduras:
            return False
        return self.p95 < RAPIDA_MS or self.p95 <= RAZAO_MAXIMA * self.sql_ms

    @property
    def exportacao_passou(self) -> bool:
        """O download começa logo (CSV: primeiro pedaço em menos de 1 s; o XLSX, um zip que só
        fecha no fim, inteiro em menos de 10 s) e a memória não cresce com as linhas."""
        if self.memoria_mb > MEMORIA_MAXIMA_MB:
            return False
        if "/xlsx/" in self.pagina.url:
            return self.p95 < XLSX_MAXIMO_MS
        return max(self.primeiro_byte) < PRIMEIRO_BYTE_MAXIMO_MS


def rodar() -> None:
    if connection.vendor != "postgresql":
        print("\nEscala: precisa do PostgreSQL (BENCH_DATABASE_URL); pulado.")
        return
    # Sem collectstatic aqui: os estáticos sem manifesto (mede as páginas, não os arquivos).
    estaticos = {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}
    with (
        escala_dados.no_banco_da_escala(),
        override_settings(STORAGES={**settings.STORAGES, "staticfiles": estaticos}),
    ):
        _rodar()


def _rodar() -> None:
    segundos = escala_dados.garantir_dados()
    contagens = ", ".join(
        f"{n:,} {nome}".replace(",", ".") for nome, n in escala_dados.contagens().items()
    )
    origem = f"gerados em {segundos:.0f} s" if segundos else "já existentes"
    print(f"\nEscala — dados {origem} ({connection.settings_dict['NAME']}): {contagens}")
    navegador, api = _clientes_logados()
    grandes = _tabelas_grandes()
    so = os.environ.get("ESCALA_PAGINAS", "")  # só as páginas com este trecho no nome
    paginas = [p for p in _paginas() if so in p.nome]
    medidas = [_medir(p, api if p.api else navegador, grandes) for p in paginas]
    _imprimir(medidas)


def _clientes_logados() -> tuple[Client, APIClient]:
    from rest_framework_simplejwt.tokens import AccessToken

    from contas.models import Perfil, Usuario

    usuario = Usuario.objects.filter(username="bench-escala").first() or Usuario.objects.create(
        username="bench-escala", perfil=Perfil.ADMINISTRADOR
    )
    navegador = Client(HTTP_HOST="localhost")
    navegador.force_login(usuario)
    api = APIClient(HTTP_HOST="localhost")
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {AccessToken.for_user(usuario)}")
    return navegador, api


def _paginas() -> list[Pagina]:
    from clientes.models import Cliente
    from execucoes.models import Execucao
    from operadoras.models import Operadora
    from processos.competencia import competencia_atual, formatar_competencia

    cheio = escala_dados.processo_com_muitas_execucoes()
    execucao_grande = escala_dados.execucao_com_muitas_linhas()
    cliente = Cliente.objects.select_related("operadora").get(pk=escala_dados.cliente(4321))
    execucao = Execucao.objects.filter(processo__cliente=cliente).exclude(job_id="").first()
    vivo = Operadora.objects.get(codigo="VIVO")
    atual = competencia_atual()
    antiga = (atual - dt.timedelta(days=180)).replace(day=1)
    nome, cnpj, job = quote_plus(cliente.razao_social), cliente.cnpj_formatado, execucao.job_id
    processos = "/admin/processos/processo/"
    execucoes = "/admin/execucoes/execucao/"
    linhas = "/admin/execucoes/logexecucao/"
    transicoes = "/admin/processos/transicao/"
    clientes = "/admin/clientes/cliente/"
    return [
        Pagina("painel (mês corrente)", "/admin/"),
        Pagina("painel (mês antigo)", f"/admin/?competencia={formatar_competencia(antiga)}"),
        Pagina("processos", processos),
        Pagina("processos ?status", f"{processos}?status__exact=AGUARDANDO_APROVACAO"),
        Pagina("processos ?competencia", f"{processos}?competencia={formatar_competencia(atual)}"),
        Pagina("processos ?operadora", f"{processos}?cliente__operadora__id__exact={vivo.pk}"),
        Pagina("processos ?falha", f"{processos}?falha=sim"),
        Pagina("processos ?upload_manual", f"{processos}?upload_manual__exact=1"),
        Pagina("processos busca nome", f"{processos}?q={nome}"),
        Pagina("processos busca CNPJ", f"{processos}?q={cnpj}"),
        Pagina("processos busca job", f"{processos}?q={job}"),
        Pagina("processos ordem valor", f"{processos}?o=-7"),
        Pagina("processos ?p=500", f"{processos}?p=500"),
        Pagina("execuções", execucoes),
        Pagina("execuções ?status", f"{execucoes}?status__exact=FALHOU"),
        Pagina("execuções ?tipo", f"{execucoes}?tipo__exact=UPLOAD_SAT"),
        Pagina("execuções busca job", f"{execucoes}?q={job}"),
        Pagina("execuções busca nome", f"{execucoes}?q={nome}"),
        Pagina("execuções busca CNPJ", f"{execucoes}?q={cnpj}"),
        Pagina("execuções ordem tentativa", f"{execucoes}?o=-5"),
        Pagina("execuções ?p=500", f"{execucoes}?p=500"),
        Pagina("linhas de log", linhas),
        Pagina("linhas de log ?nivel", f"{linhas}?nivel__exact=ERROR"),
        Pagina("linhas de log de uma execução", f"{linhas}?execucao__id__exact={execucao_grande}"),
        Pagina("linhas de log busca mensagem", f"{linhas}?q=Captcha"),
        Pagina("linhas de log busca job", f"{linhas}?q={job}"),
        Pagina("linhas de log ?p=500", f"{linhas}?p=500"),
        Pagina("transições", transicoes),
        Pagina("transições ?para", f"{transicoes}?para__exact=UPLOAD_REALIZADO"),
        Pagina("transições ?origem", f"{transicoes}?origem__exact=web"),
        Pagina("transições busca nome", f"{transicoes}?q={nome}"),
        Pagina("transições busca CNPJ", f"{transicoes}?q={cnpj}"),
        Pagina("transições ?p=500", f"{transicoes}?p=500"),
        Pagina("clientes", clientes),
        Pagina("clientes ?operadora", f"{clientes}?operadora__id__exact={vivo.pk}"),
        Pagina("clientes ?ativo", f"{clientes}?ativo__exact=0"),
        Pagina("clientes busca nome", f"{clientes}?q={nome}"),
        Pagina("clientes busca CNPJ", f"{clientes}?q={cnpj}"),
        Pagina("clientes ?p=100", f"{clientes}?p=100"),
        Pagina("operadoras", "/admin/operadoras/operadora/"),
        Pagina("processo no admin (~2.000 execuções)", f"{processos}{cheio}/change/"),
        Pagina("cliente no admin", f"{clientes}{cliente.pk}/change/"),
        Pagina("execução no admin", f"{execucoes}{execucao.pk}/change/"),
        Pagina("página do processo (~2.000 execuções)", f"/processos/{cheio}/"),
        Pagina("  resumo", f"/processos/{cheio}/resumo/"),
        Pagina("  execuções", f"/processos/{cheio}/execucoes/"),
        Pagina("  histórico", f"/processos/{cheio}/historico/"),
        Pagina("log.txt (20.000 linhas)", f"/execucoes/{execucao_grande}/log.txt"),
        Pagina(
            "exportar CSV: todos os processos",
            processos,
            post=_exportar(cheio),
            exportacao=True,
        ),
        Pagina(
            "exportar CSV: todos os clientes",
            clientes,
            post=_exportar(cliente.pk),
            exportacao=True,
        ),
        Pagina(
            "exportar CSV da lista: processos do mês",
            f"{processos}exportar/csv/?competencia={formatar_competencia(atual)}",
            exportacao=True,
        ),
        Pagina(
            "exportar XLSX da lista: processos do mês",
            f"{processos}exportar/xlsx/?competencia={formatar_competencia(atual)}",
            exportacao=True,
        ),
        Pagina(
            "exportar CSV da lista: execuções falhas",
            f"{execucoes}exportar/csv/?status__exact=FALHOU",
            exportacao=True,
        ),
        Pagina("API processos", "/api/processos/", api=True),
        Pagina(
            "API processos ?status&competencia",
            "/api/processos/?status=AGUARDANDO_APROVACAO&competencia="
            + formatar_competencia(atual),
            api=True,
        ),
        Pagina("API processos ?operadora", "/api/processos/?operadora=VIVO", api=True),
        Pagina("API processos busca CNPJ", f"/api/processos/?busca={cnpj}", api=True),
        Pagina("API processos ordem valor", "/api/processos/?ordem=-valor", api=True),
        Pagina("API processos ?pagina=500", "/api/processos/?pagina=500", api=True),
        Pagina("API execuções", "/api/execucoes/", api=True),
        Pagina("API execuções ?status", "/api/execucoes/?status=FALHOU", api=True),
        Pagina("API execuções ?processo", f"/api/execucoes/?processo={cheio}", api=True),
        Pagina("API execuções ?job_id", f"/api/execucoes/?job_id={job}", api=True),
        Pagina("API logs de uma execução", f"/api/execucoes/{execucao_grande}/logs/", api=True),
        Pagina("API clientes", "/api/clientes/", api=True),
        Pagina("API clientes ?operadora", "/api/clientes/?operadora=VIVO", api=True),
        Pagina("API clientes busca nome", f"/api/clientes/?busca={nome}", api=True),
        Pagina("API clientes ?pagina=100", "/api/clientes/?pagina=100", api=True),
    ]


def _exportar(um_selecionado) -> dict:
    """A ação do admin sobre todos os da lista (“selecionar todos”), não só a página."""
    return {
        "action": "exportar_csv",
        "select_across": "1",
        "index": "0",
        "_selected_action": [str(um_selecionado)],
    }


def _medir(pagina: Pagina, cliente, grandes: set[str]) -> Medida:
    medida = Medida(pagina)
    try:
        inicio = time.perf_counter()
        _pedir(pagina, cliente)
        aquecimento = (time.perf_counter() - inicio) * 1000
        for _ in range(_rodadas(aquecimento)):
            with CaptureQueriesContext(connection) as consultas:
                inicio = time.perf_counter()
                primeiro = _pedir(pagina, cliente)
                medida.tempos.append((time.perf_counter() - inicio) * 1000)
                medida.primeiro_byte.append((primeiro - inicio) * 1000)
        sqls = [consulta["sql"] for consulta in consultas.captured_queries]
        if pagina.exportacao:
            medida.memoria_mb = _memoria_de_pico_mb(pagina, cliente)
    except Exception as erro:  # uma página que quebra com estes dados também é um resultado
        medida.erro = f"{type(erro).__name__}: {erro}"[:60]
        return medida
    medida.consultas = len(sqls)
    _explicar(medida, sqls, grandes)
    return medida


def _rodadas(aquecimento_ms: float) -> int:
    if aquecimento_ms > LENTISSIMA_MS:
        return 1
    return 3 if aquecimento_ms > LENTA_MS else RODADAS


def _pedir(pagina: Pagina, cliente) -> float:
    """Pede a página e lê o corpo inteiro, como o navegador o baixa; devolve o instante em que
    chegou o primeiro pedaço (o fim, numa resposta sem streaming)."""
    if pagina.post is None:
        resposta = cliente.get(pagina.url, secure=True)
    else:
        resposta = cliente.post(pagina.url, pagina.post, secure=True)
    if resposta.status_code != 200:
        raise RuntimeError(f"HTTP {resposta.status_code}")
    if not resposta.streaming:
        return time.perf_counter()
    # A exportação é um iterador assíncrono (ASGI).
    if resposta.is_async:
        return async_to_sync(_ler_tudo)(resposta.streaming_content)
    partes = iter(resposta.streaming_content)
    next(partes, b"")
    primeiro = time.perf_counter()
    b"".join(partes)
    return primeiro


async def _ler_tudo(partes) -> float:
    primeiro = None
    async for _ in partes:
        primeiro = primeiro or time.perf_counter()
    return primeiro or time.perf_counter()


def _detalhe_da_exportacao(medida: Medida) -> str:
    if not medida.pagina.exportacao:
        return ""
    return f" (1º pedaço {max(medida.primeiro_byte):.0f} ms, pico {medida.memoria_mb:.0f} MB)"


def _memoria_de_pico_mb(pagina: Pagina, cliente) -> float:
    tracemalloc.start()
    try:
        _pedir(pagina, cliente)
        return tracemalloc.get_traced_memory()[1] / 2**20
    finally:
        tracemalloc.stop()


def _tabelas_grandes() -> set[str]:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT relname FROM pg_class WHERE relkind = 'r' AND reltuples > %s "
            "AND relnamespace = current_schema()::regnamespace",
            [TABELA_GRANDE],
        )
        return {nome for (nome,) in cursor.fetchall()}


def _explicar(medida: Medida, sqls: list[str], grandes: set[str]) -> None:
    """Roda cada consulta de novo sob EXPLAIN ANALYZE: o tempo no banco, as varreduras
    sequenciais de tabelas grandes e quantas linhas um só nó leu."""
    with connection.cursor() as cursor:
        for sql in filter(None, map(_leitura, sqls)):
            cursor.execute("EXPLAIN (ANALYZE, TIMING OFF, FORMAT JSON) " + sql)
            plano = cursor.fetchone()[0]
            plano = (json.loads(plano) if isinstance(plano, str) else plano)[0]
            medida.sql_ms += plano["Planning Time"] + plano["Execution Time"]
            for no in _nos(plano["Plan"]):
                relacao = no.get("Relation Name")
                if relacao not in grandes:
                    continue
                lidas = no.get("Actual Rows", 0) + no.get("Rows Removed by Filter", 0)
                medida.linhas_lidas = max(medida.linhas_lidas, lidas * no.get("Actual Loops", 1))
                if no["Node Type"] == "Seq Scan":  # também a paralela ("Parallel Aware")
                    medida.varreduras.add(relacao)


def _leitura(sql: str) -> str | None:
    """A consulta de leitura de `sql` (a de um cursor do servidor, no `.iterator()`), ou None."""
    if cursor := CURSOR_DO_SERVIDOR.match(sql):
        sql = cursor[1]
    return sql if sql.lstrip().upper().startswith(("SELECT", "WITH")) else None


def _nos(no: dict):
    yield no
    for filho in no.get("Plans", []):
        yield from _nos(filho)


def _imprimir(medidas: list[Medida]) -> None:
    linhas = [
        (
            "página",
            "consultas",
            "p50 ms",
            "p95 ms",
            "SQL ms",
            "p95/SQL",
            "seq scan >100k",
            "linhas lidas",
            "resultado",
        )
    ]
    for medida in medidas:
        if medida.erro:
            linhas.append((medida.pagina.nome, "", "", "", "", "", "", "", f"FAIL ({medida.erro})"))
            continue
        linhas.append(
            (
                medida.pagina.nome,
                medida.consultas,
                f"{medida.p50:.0f}",
                f"{medida.p95:.0f}",
                f"{medida.sql_ms:.0f}",
                f"{medida.razao:.1f}",
                ", ".join(sorted(nome.split("_", 1)[1] for nome in medida.varreduras)) or "—",
                f"{medida.linhas_lidas:,}".replace(",", "."),
                ("PASS" if medida.passou else "FAIL") + _detalhe_da_exportacao(medida),
            )
        )
    tabela(
        f"Escala — {RODADAS} pedidos por página depois de um de aquecimento (3 se ele passou de "
        f"{LENTA_MS} ms, 1 se de {LENTISSIMA_MS} ms); passa com p95 ≤ {RAZAO_MAXIMA}× o SQL ou "
        f"< {RAPIDA_MS} ms e sem varredura sequencial em tabela de mais de 100 mil linhas; "
        f"exportação: primeiro pedaço < {PRIMEIRO_BYTE_MAXIMO_MS} ms (XLSX inteiro < "
        f"{XLSX_MAXIMO_MS} ms) e memória de pico < {MEMORIA_MAXIMA_MB} MB",
        linhas,
    )
    falhas = sum(not medida.passou for medida in medidas)
    print(f"\nEscala: {falhas} de {len(medidas)} páginas FAIL, {len(medidas) - falhas} PASS.")
