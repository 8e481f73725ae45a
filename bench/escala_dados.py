"""O conjunto de dados do benchmark de escala, gerado no PostgreSQL com SQL por conjuntos.

8 operadoras, 10.000 clientes, 12 competências (120.000 processos), cerca de 966 mil execuções
(falhas, tempos esgotados e novas tentativas; três processos com ~2.000 execuções), 5,1 milhões de
linhas de log (uma execução com 20.000) e 467 mil transições. Tudo respeita as restrições do banco:
uma execução ativa por processo, job único, (execução, chave) única nas linhas, senha do portal
cifrada (uma cifra feita em Python, repetida no SQL).

Os dados ficam num banco só deles (`brm_escala`, no servidor de BENCH_DATABASE_URL): os outros
benchmarks limpam o seu banco a cada rodada, e gerar tudo de novo leva minutos. Uma marca diz que
o banco está pronto; ESCALA_REFAZER=1 gera de novo.
"""

import datetime as dt
import hashlib
import os
import time
import uuid
from contextlib import contextmanager

import psycopg
from django.core.management import call_command
from django.db import connection, transaction
from stdnum.br import cnpj

CLIENTES = 10_000
MESES = 12
VERSAO = "1"  # mude quando a forma dos dados mudar: o próximo `bench escala` gera de novo

# (código, nome, possui robô, fatia dos clientes em %)
OPERADORAS = [
    ("VIVO", "Vivo", True, 30),
    ("OI", "Oi", True, 20),
    ("EMBRATEL", "Embratel", True, 15),
    ("CLARO", "Claro", True, 15),
    ("TIM", "TIM", False, 10),
    ("DIGITALNET", "DigitalNet", True, 5),
    ("ALGAR", "Algar Telecom", False, 3),
    ("SERCOMTEL", "Sercomtel", False, 2),
]

# Os processos com ~2.000 execuções (cliente, meses atrás): acham as páginas sem limite.
MUITAS_EXECUCOES = [(1, 0), (2, 1), (3, 5)]
LINHAS_DA_EXECUCAO_GRANDE = 20_000


@contextmanager
def no_banco_da_escala():
    """Troca a conexão `default` para o banco da escala (criado se faltar) e a devolve no fim."""
    original = dict(connection.settings_dict)
    nome = os.environ.get("ESCALA_BANCO", "brm_escala")
    _criar_banco(original, nome)
    _reconectar(NAME=nome)
    try:
        yield
    finally:
        _reconectar(NAME=original["NAME"])


def _criar_banco(dados: dict, nome: str) -> None:
    parametros = {
        "dbname": "postgres",
        "host": dados["HOST"] or None,
        "port": dados["PORT"] or None,
        "user": dados["USER"] or None,
        "password": dados["PASSWORD"] or None,
    }
    with psycopg.connect(autocommit=True, **parametros) as conexao:
        if not conexao.execute("SELECT 1 FROM pg_database WHERE datname = %s", [nome]).fetchone():
            conexao.execute(f'CREATE DATABASE "{nome}"')


def _reconectar(**dados) -> None:
    connection.close()
    connection.close_pool()  # o pool guarda o banco antigo
    connection.settings_dict.update(dados)


def garantir_dados() -> float | None:
    """Gera os dados se faltarem (ou se pedido); devolve os segundos da geração, ou None."""
    call_command("migrate", "--noinput", verbosity=0)
    if os.environ.get("ESCALA_REFAZER") != "1" and _marca_confere():
        return None
    inicio = time.perf_counter()
    call_command("flush", "--noinput", verbosity=0)
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET LOCAL synchronous_commit = off")
        cursor.execute("SET LOCAL maintenance_work_mem = '512MB'")
        # Chaves conferidas a cada comando: com uma conferência pendente, o ALTER TABLE falha.
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        _gerar(cursor)
        segundos = time.perf_counter() - inicio
        cursor.execute("CREATE TABLE bench_escala (versao text, competencia date, segundos float8)")
        cursor.execute(
            "INSERT INTO bench_escala VALUES (%s, %s, %s)", [VERSAO, _competencia_atual(), segundos]
        )
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")
    return time.perf_counter() - inicio


def contagens() -> dict[str, int]:
    tabelas = {
        "operadoras": "operadoras_operadora",
        "clientes": "clientes_cliente",
        "processos": "processos_processo",
        "execuções": "execucoes_execucao",
        "linhas de log": "execucoes_logexecucao",
        "transições": "processos_transicao",
    }
    with connection.cursor() as cursor:
        resultado = {}
        for nome, tabela in tabelas.items():
            cursor.execute(f"SELECT count(*) FROM {tabela}")
            resultado[nome] = cursor.fetchone()[0]
    return resultado


def cliente(numero: int) -> uuid.UUID:
    return _uuid(f"cliente-{numero}")


def processo_com_muitas_execucoes() -> uuid.UUID:
    """O processo terminado com ~2.000 execuções; a última delas tem as 20.000 linhas de log."""
    return _uuid("processo-{}-{}".format(*MUITAS_EXECUCOES[1]))


def execucao_com_muitas_linhas() -> uuid.UUID:
    from execucoes.models import Execucao

    ultima = Execucao.objects.filter(processo=processo_com_muitas_execucoes()).first()
    return ultima.pk


def _uuid(texto: str) -> uuid.UUID:
    """O mesmo que `md5(texto)::uuid` no PostgreSQL."""
    return uuid.UUID(hashlib.md5(texto.encode()).hexdigest())


def _competencia_atual() -> dt.date:
    from processos.competencia import competencia_atual

    return competencia_atual()


def _marca_confere() -> bool:
    with connection.cursor() as cursor:
        cursor.execute("SELECT to_regclass('bench_escala') IS NOT NULL")
        if not cursor.fetchone()[0]:
            return False
        cursor.execute("SELECT versao, competencia FROM bench_escala")
        marca = cursor.fetchone()
        # Um flush apaga os dados mas não a marca (a tabela não é do Django): conte também.
        cursor.execute("SELECT count(*) FROM processos_processo")
        processos = cursor.fetchone()[0]
    return marca == (VERSAO, _competencia_atual()) and processos == CLIENTES * MESES


def _gerar(cursor) -> None:
    from processos.models import Processo

    cursor.execute("DROP TABLE IF EXISTS bench_escala")
    usuarios = _usuarios()
    operadoras = _operadoras()
    _clientes(cursor, operadoras)
    _base(cursor)
    with _sem_indices(cursor, TABELAS_GRANDES):
        _processos(cursor, usuarios)
        _transicoes(cursor, usuarios)
        _execucoes(cursor, usuarios)
        _linhas_de_log(cursor)
    # Gravadas em lote, sem passar pelos desfechos. Antes, as estatísticas: sem elas o
    # planejador percorre as execuções inteiras para cada processo.
    cursor.execute("ANALYZE " + ", ".join(TABELAS_GRANDES))
    Processo.recalcular_resumo_das_execucoes()


TABELAS_GRANDES = [
    "processos_processo",
    "processos_transicao",
    "execucoes_execucao",
    "execucoes_logexecucao",
]


@contextmanager
def _sem_indices(cursor, tabelas: list[str]):
    """Os índices e as chaves únicas e estrangeiras saem durante a carga e voltam depois, com a
    mesma definição: criar um índice de uma vez é muitas vezes mais rápido que mantê-lo linha a
    linha, e recriá-los confere cada restrição sobre todas as linhas."""
    restricoes, indices = [], []
    for tabela in tabelas:
        cursor.execute(
            "SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint "
            "WHERE conrelid = %s::regclass AND contype IN ('u', 'f')",
            [tabela],
        )
        restricoes += [(tabela, nome, definicao) for nome, definicao in cursor.fetchall()]
        cursor.execute(
            "SELECT indexname, indexdef FROM pg_indexes WHERE schemaname = current_schema() "
            "AND tablename = %s AND indexname NOT IN "
            "(SELECT conname FROM pg_constraint WHERE conrelid = %s::regclass)",
            [tabela, tabela],
        )
        indices += cursor.fetchall()
    for tabela, nome, _ in restricoes:
        cursor.execute(f'ALTER TABLE {tabela} DROP CONSTRAINT "{nome}"')
    for nome, _ in indices:
        cursor.execute(f'DROP INDEX "{nome}"')
    yield
    for _, definicao in indices:
        cursor.execute(definicao)
    for tabela, nome, definicao in restricoes:
        cursor.execute(f'ALTER TABLE {tabela} ADD CONSTRAINT "{nome}" {definicao}')


def _usuarios() -> dict[str, list]:
    from contas.models import Perfil, Usuario

    pessoas = {"aprovadores": [], "operadores": []}
    for numero in range(1, 4):
        pessoas["aprovadores"].append(
            Usuario.objects.create(
                username=f"aprovadora{numero}", nome=f"Aprovadora {numero}", perfil=Perfil.APROVADOR
            ).pk
        )
    for numero in range(1, 5):
        pessoas["operadores"].append(
            Usuario.objects.create(
                username=f"operador{numero}", nome=f"Operador {numero}", perfil=Perfil.OPERADOR
            ).pk
        )
    return pessoas


def _operadoras() -> list[tuple]:
    """(id, fatia acumulada até, possui robô) de cada operadora."""
    from operadoras.models import Operadora

    faixas, ate = [], 0
    for codigo, nome, robo, fatia in OPERADORAS:
        operadora = Operadora.objects.create(
            codigo=codigo,
            nome=nome,
            possui_rpa=robo,
            rpa_terceirizado=codigo == "CLARO",
            url_portal=f"https://portal.{codigo.lower()}.com.br",
        )
        ate += fatia
        faixas.append((operadora.pk, ate))
    return faixas


def _clientes(cursor, faixas: list[tuple]) -> None:
    from nucleo.criptografia import cifrar

    bases = [f"{numero + 10_000_000:08d}0001" for numero in range(CLIENTES)]
    cnpjs = [base + cnpj.calc_check_digits(base) for base in bases]
    cursor.execute(
        """
        INSERT INTO clientes_cliente (
            id, criado_em, atualizado_em, hash_unico, razao_social, nome_sat, cnpj, operadora_id,
            filtro, servico, dados_sat, unidade, categoria_sat, site_emissao, login_portal,
            senha_portal, cpf, observacoes, ativo)
        SELECT md5('cliente-' || c.n)::uuid, t, t, md5('escala-cliente-' || c.n), c.nome, c.nome,
               c.cnpj, f.operadora_id, 'CONTA-' || lpad(c.n::text, 7, '0'),
               (ARRAY['Internet', 'Telefonia fixa', 'Telefonia móvel', 'Link dedicado',
                      '0800'])[1 + c.n %% 5],
               'SAT-' || c.n, 'Unidade ' || (1 + c.n %% 40), 'Telecomunicações', '',
               'portal' || c.n, %(senha)s, '', '', c.n %% 50 <> 0
        FROM (
            SELECT i - 1 AS n, cnpj,
                   (ARRAY['TRANSPORTES', 'COMERCIAL', 'INDÚSTRIA', 'DISTRIBUIDORA', 'CONSTRUTORA',
                          'SUPERMERCADOS', 'FARMÁCIA', 'HOSPITAL', 'ESCOLA', 'AGROPECUÁRIA'
                         ])[1 + (i - 1) %% 10]
                   || ' ' ||
                   (ARRAY['SILVA', 'SOUZA', 'OLIVEIRA', 'SANTOS', 'PEREIRA', 'LIMA', 'COSTA',
                          'RIBEIRO', 'ALMEIDA', 'CARVALHO', 'GOMES', 'MARTINS'
                         ])[1 + ((i - 1) / 10) %% 12]
                   || ' ' || (i - 1) || ' LTDA' AS nome
            FROM unnest(%(cnpjs)s::text[]) WITH ORDINALITY AS u(cnpj, i)
        ) c
        CROSS JOIN LATERAL (
            SELECT operadora_id FROM unnest(%(ids)s::uuid[], %(ate)s::int[]) AS f(operadora_id, ate)
            WHERE c.n %% 100 < f.ate ORDER BY f.ate LIMIT 1
        ) f
        CROSS JOIN (SELECT now() - interval '400 days' AS t) agora
        """,
        {
            "senha": cifrar("senha-do-portal"),
            "cnpjs": cnpjs,
            "ids": [pk for pk, _ in faixas],
            "ate": [ate for _, ate in faixas],
        },
    )


def _base(cursor) -> None:
    """Uma linha por processo com o que as outras tabelas precisam saber dele: status, se a
    fatura foi rejeitada uma vez, quantas execuções de download e de envio ao SAT teve."""
    cursor.execute(
        """
        CREATE TEMP TABLE escala_base ON COMMIT DROP AS
        WITH sorteio AS (
            SELECT n, m, c.id AS cliente_id, o.possui_rpa AS robo, o.codigo, c.filtro, c.cnpj,
                   c.razao_social, c.login_portal,
                   (date_trunc('month', %(atual)s::date) - m * interval '1 month')::date
                       AS competencia,
                   abs(hashtext('status' || n || '-' || m)) %% 100 AS u,
                   abs(hashtext('rejeitada' || n || '-' || m)) %% 100 < 6 AS rejeitada,
                   abs(hashtext('downloads' || n || '-' || m)) AS hd,
                   abs(hashtext('envios' || n || '-' || m)) AS he
            FROM generate_series(0, %(clientes)s - 1) n
            CROSS JOIN generate_series(0, %(meses)s - 1) m
            JOIN clientes_cliente c ON c.id = md5('cliente-' || n)::uuid
            JOIN operadoras_operadora o ON o.id = c.operadora_id
        ), com_status AS (
            SELECT *, CASE
                WHEN n * 100 + m = %(uma_etapa)s THEN 1
                WHEN n * 100 + m = ANY(%(muitas)s) THEN 4
                WHEN m = 0 THEN CASE WHEN u < 35 THEN 1 WHEN u < 65 THEN 2 WHEN u < 80 THEN 3
                                     ELSE 4 END
                WHEN m = 1 THEN CASE WHEN u < 3 THEN 1 WHEN u < 10 THEN 2 WHEN u < 20 THEN 3
                                     ELSE 4 END
                ELSE CASE WHEN u < 1 THEN 1 WHEN u < 2 THEN 2 WHEN u < 3 THEN 3 ELSE 4 END
            END AS etapa  -- 1 aguardando download ... 4 upload realizado
            FROM sorteio
        )
        SELECT md5('processo-' || n || '-' || m)::uuid AS processo_id, *,
               (ARRAY['AGUARDANDO_DOWNLOAD', 'AGUARDANDO_APROVACAO', 'AGUARDANDO_ENVIO_SAT',
                      'UPLOAD_REALIZADO'])[etapa] AS status,
               -- Execuções de download (ou uploads manuais), das quais a última (e, rejeitada a
               -- fatura, também a primeira) concluída quando o processo já passou do download.
               CASE
                   WHEN n * 100 + m = %(uma_etapa)s THEN 2000
                   WHEN n * 100 + m = ANY(%(muitas)s) THEN 1990
                   WHEN NOT robo THEN (etapa >= 2)::int + (rejeitada AND etapa >= 2)::int
                   WHEN etapa = 1 THEN hd %% 10 + rejeitada::int
                   ELSE 1 + hd %% 11 + rejeitada::int
               END AS downloads,
               CASE
                   WHEN n * 100 + m = ANY(%(muitas)s) AND etapa = 4 THEN 10
                   WHEN etapa = 4 THEN 1 + he %% 5
                   WHEN etapa = 3 THEN he %% 4
                   ELSE 0
               END AS envios,
               competencia + interval '6 hours' + (n %% 3600) * interval '1 second' AS inicio,
               -- O mês corrente ainda está no começo: tudo nele cabe em 18 horas até agora.
               CASE WHEN m = 0 THEN interval '18 hours' ELSE interval '25 days' END AS duracao,
               (m = 0 AND abs(hashtext('ativa' || n)) %% 3 = 0) AS com_ativa
        FROM com_status
        """,
        {
            "atual": _competencia_atual(),
            "clientes": CLIENTES,
            "meses": MESES,
            # cliente * 100 + meses atrás: o primeiro fica no download, os outros chegam ao fim
            "uma_etapa": MUITAS_EXECUCOES[0][0] * 100 + MUITAS_EXECUCOES[0][1],
            "muitas": [n * 100 + m for n, m in MUITAS_EXECUCOES],
        },
    )
    # O mês corrente começou há menos de 18 horas? Então tudo dele cabe até agora.
    cursor.execute(
        """
        UPDATE escala_base SET inicio = date_trunc('month', now()),
                               duracao = (now() - date_trunc('month', now())) * 0.9
        WHERE m = 0 AND inicio + duracao > now()
        """
    )


def _processos(cursor, usuarios: dict) -> None:
    cursor.execute(
        """
        INSERT INTO processos_processo (
            id, criado_em, atualizado_em, cliente_id, competencia, status, fatura, fatura_sha256,
            valor, vencimento, criado_por_id, criado_automaticamente, upload_manual,
            aprovado_por_id, aprovado_em, enviado_sat_em, observacoes, ultima_execucao_falhou,
            execucoes_concluidas, execucoes_com_falha)
        SELECT processo_id, inicio, inicio + duracao * etapa / 5, cliente_id, competencia, status,
               CASE WHEN etapa >= 2
                    THEN 'faturas/' || to_char(competencia, 'YYYY/MM') || '/fatura-' || n || '.pdf'
                    ELSE '' END,
               CASE WHEN etapa >= 2 THEN md5('pdf-' || processo_id) || md5('pdf2-' || processo_id)
                    ELSE '' END,
               CASE WHEN etapa >= 2 THEN 80 + (hd %% 500000) / 100.0 END,
               CASE WHEN etapa >= 2 THEN competencia + 19 END,
               NULL, true, NOT robo,
               CASE WHEN etapa >= 3 THEN (%(aprovadores)s::uuid[])[1 + n %% 3] END,
               CASE WHEN etapa >= 3 THEN inicio + duracao * 3 / 5 END,
               CASE WHEN etapa = 4 THEN inicio + duracao * 4 / 5 END,
               '', false, 0, 0  -- o resumo das execuções vem depois delas
        FROM escala_base
        """,
        {"aprovadores": usuarios["aprovadores"]},
    )


def _transicoes(cursor, usuarios: dict) -> None:
    # O caminho de cada processo pela tabela do fluxo; rejeitada a fatura, ele passa duas vezes
    # pelo download. O processo fez as `etapa` primeiras setas (+2 se rejeitada).
    cursor.execute(
        """
        INSERT INTO processos_transicao (id, processo_id, de, para, usuario_id, origem, motivo,
                                         criado_em)
        SELECT gen_random_uuid(), b.processo_id, coalesce(caminho[k - 1], ''), caminho[k],
               CASE WHEN caminho[k - 1] = 'AGUARDANDO_APROVACAO'
                        THEN (%(aprovadores)s::uuid[])[1 + b.n %% 3]
                    WHEN caminho[k] = 'AGUARDANDO_APROVACAO' AND NOT b.robo
                        THEN (%(operadores)s::uuid[])[1 + b.n %% 4]
               END,
               CASE WHEN caminho[k - 1] = 'AGUARDANDO_APROVACAO'
                         OR (caminho[k] = 'AGUARDANDO_APROVACAO' AND NOT b.robo) THEN 'web'
                    ELSE 'worker' END,
               CASE WHEN caminho[k] = 'AGUARDANDO_DOWNLOAD' AND k > 1
                    THEN 'Fatura de outra competência' ELSE '' END,
               b.inicio + b.duracao * k / 7
        FROM escala_base b
        CROSS JOIN LATERAL (
            SELECT CASE WHEN b.rejeitada
                THEN ARRAY['AGUARDANDO_DOWNLOAD', 'AGUARDANDO_APROVACAO', 'AGUARDANDO_DOWNLOAD',
                           'AGUARDANDO_APROVACAO', 'AGUARDANDO_ENVIO_SAT', 'UPLOAD_REALIZADO']
                ELSE ARRAY['AGUARDANDO_DOWNLOAD', 'AGUARDANDO_APROVACAO', 'AGUARDANDO_ENVIO_SAT',
                           'UPLOAD_REALIZADO']
            END::text[] AS caminho
        ) c
        CROSS JOIN generate_series(1, b.etapa + 2 * b.rejeitada::int) k
        """,
        usuarios,
    )


def _execucoes(cursor, usuarios: dict) -> None:
    """Downloads (ou uploads manuais) e depois envios ao SAT. Antes da que deu certo, falhas,
    tempos esgotados e cancelamentos; no mês corrente, um terço dos processos parados numa etapa
    do robô tem a última execução ainda pendente ou executando (nunca duas ativas)."""
    cursor.execute(
        """
        INSERT INTO execucoes_execucao (
            id, criado_em, atualizado_em, processo_id, tipo, status, job_id, numero_tentativa,
            progresso, parametros_entrada, resultado, erro, iniciada_em, finalizada_em,
            executado_por_id, ip_origem, user_agent, executar_apos, envio_iniciado_em,
            tentativas_envio, proxima_consulta_em, url_rpa, envio_token, falhas_internas,
            cancelada_por_id)
        SELECT e.id, e.criado_em, coalesce(e.fim, e.criado_em), e.processo_id, e.tipo, e.status,
               CASE WHEN e.tipo = 'UPLOAD_MANUAL' OR e.status = 'PENDENTE' THEN ''
                    ELSE md5('job-' || e.processo_id || '-' || e.k)::uuid::text END,
               e.tentativa,
               CASE e.status WHEN 'CONCLUIDO' THEN 100 WHEN 'PENDENTE' THEN 0
                    WHEN 'EXECUTANDO' THEN 40 ELSE e.h %% 90 END,
               CASE e.tipo
                   WHEN 'DOWNLOAD_FATURA' THEN jsonb_build_object(
                       'operadora', e.codigo, 'login', e.login_portal, 'senha', '••••••',
                       'filtro', e.filtro, 'cnpj', e.cnpj, 'processo_id', e.processo_id)
                   WHEN 'UPLOAD_SAT' THEN jsonb_build_object(
                       'cnpj', e.cnpj, 'razao', e.razao_social, 'operadora', e.codigo,
                       'nome_filtro', e.razao_social, 'processo_id', e.processo_id)
                   ELSE '{}'::jsonb
               END,
               CASE WHEN e.status = 'CONCLUIDO' AND e.tipo = 'DOWNLOAD_FATURA' THEN
                        jsonb_build_object('arquivo', 'fatura-' || e.n || '.pdf',
                                           'tamanho', 50000 + e.h %% 400000,
                                           'conferencia', jsonb_build_object(
                                               'ok', true, 'mensagem', 'CNPJ encontrado na fatura'))
                    WHEN e.status = 'CONCLUIDO' AND e.tipo = 'UPLOAD_SAT' THEN
                        jsonb_build_object('protocolo', 'SAT-' || (e.h %% 100000000))
               END,
               CASE e.status
                   WHEN 'FALHOU' THEN (ARRAY[
                       'Portal da operadora fora do ar (HTTP 503)',
                       'Login recusado pelo portal: confira usuário e senha',
                       'Fatura da competência ainda não disponível no portal',
                       'Captcha não resolvido depois de 3 tentativas',
                       'Elemento #btn-download não encontrado na página'])[1 + e.h %% 5]
                   WHEN 'TIMEOUT' THEN 'Tempo esgotado: o robô não respondeu em 30 minutos'
                   WHEN 'CANCELADO' THEN 'Cancelada: portal em manutenção'
                   ELSE ''
               END,
               CASE WHEN e.status <> 'PENDENTE' THEN e.criado_em + interval '5 seconds' END,
               e.fim,
               CASE WHEN e.tipo = 'UPLOAD_MANUAL' THEN (%(operadores)s::uuid[])[1 + e.n %% 4] END,
               NULL, '', NULL,
               CASE WHEN e.status <> 'PENDENTE' AND e.tipo <> 'UPLOAD_MANUAL' THEN e.criado_em END,
               (e.status <> 'PENDENTE' AND e.tipo <> 'UPLOAD_MANUAL')::int,
               CASE WHEN e.status = 'EXECUTANDO' THEN now() + interval '30 seconds' END,
               CASE WHEN e.tipo = 'UPLOAD_MANUAL' THEN ''
                    ELSE 'https://rpa.exemplo.com.br' END,
               '', 0,
               CASE WHEN e.status = 'CANCELADO' THEN (%(operadores)s::uuid[])[1 + e.n %% 4] END
        FROM (
            SELECT x.*,
                   CASE WHEN x.status IN ('PENDENTE', 'EXECUTANDO') THEN NULL
                        ELSE x.criado_em + interval '2 minutes' END AS fim
            FROM (
                SELECT gen_random_uuid() AS id, b.processo_id, b.n, b.codigo, b.filtro,
                       b.razao_social, b.login_portal, k,
                       substr(b.cnpj, 1, 2) || '.' || substr(b.cnpj, 3, 3) || '.'
                           || substr(b.cnpj, 6, 3) || '/' || substr(b.cnpj, 9, 4) || '-'
                           || substr(b.cnpj, 13, 2) AS cnpj,
                       b.inicio + b.duracao * k / (b.downloads + b.envios + 1) AS criado_em,
                       abs(hashtext(b.processo_id::text || k)) AS h,
                       CASE WHEN k > b.downloads THEN 'UPLOAD_SAT'
                            WHEN b.robo THEN 'DOWNLOAD_FATURA'
                            ELSE 'UPLOAD_MANUAL' END AS tipo,
                       CASE WHEN k > b.downloads THEN k - b.downloads ELSE k END AS tentativa,
                       CASE
                           -- a última do download / do envio: concluída, se o processo passou
                           -- dessa etapa; ativa ou falha, se está parado nela
                           WHEN k = b.downloads AND b.etapa >= 2 THEN 'CONCLUIDO'
                           WHEN k = b.downloads + b.envios AND b.etapa = 4 THEN 'CONCLUIDO'
                           WHEN k = 1 AND b.rejeitada THEN 'CONCLUIDO'
                           WHEN NOT b.robo AND k <= b.downloads THEN 'CONCLUIDO'
                           WHEN b.com_ativa AND k = b.downloads + b.envios
                                AND b.etapa IN (1, 3)
                               THEN CASE WHEN b.n %% 2 = 0 THEN 'PENDENTE' ELSE 'EXECUTANDO' END
                           ELSE (ARRAY['FALHOU', 'FALHOU', 'FALHOU', 'FALHOU', 'FALHOU', 'FALHOU',
                                       'FALHOU', 'TIMEOUT', 'TIMEOUT', 'CANCELADO']
                                )[1 + abs(hashtext('falha' || b.processo_id || k)) %% 10]
                       END AS status
                FROM escala_base b
                CROSS JOIN generate_series(1, b.downloads + b.envios) k
            ) x
        ) e
        """,
        usuarios,
    )


def _linhas_de_log(cursor) -> None:
    """Linhas do robô em cada execução que começou (a grande: a última de um processo com ~2.000
    execuções); a última linha de uma falha é o erro."""
    grande = execucao_com_muitas_linhas()
    cursor.execute(
        """
        INSERT INTO execucoes_logexecucao (execucao_id, nivel, mensagem, momento, recebido_em,
                                           chave)
        SELECT l.execucao_id, l.nivel, l.mensagem, l.momento,
               l.momento + interval '200 milliseconds',
               'r:' || to_char(l.momento AT TIME ZONE 'UTC', 'YYYYMMDDHH24MISS') || ':'
                   || substr(md5(l.mensagem), 1, 24) || ':' || l.k
        FROM (
            SELECT e.id AS execucao_id, k, e.iniciada_em + k * interval '1 second' AS momento,
                   CASE WHEN k = e.linhas AND e.status IN ('FALHOU', 'TIMEOUT') THEN 'ERROR'
                        WHEN k %% 7 = 3 THEN 'DEBUG'
                        WHEN k %% 11 = 5 THEN 'WARN'
                        ELSE 'INFO' END AS nivel,
                   CASE WHEN k = e.linhas AND e.erro <> '' THEN e.erro
                        WHEN k = e.linhas AND e.status = 'CONCLUIDO'
                            THEN 'Concluído: ' || coalesce(e.resultado ->> 'arquivo',
                                                            e.resultado ->> 'protocolo', 'ok')
                        ELSE (ARRAY[
                            'Abrindo o portal da operadora',
                            'Login realizado com o usuário do cliente',
                            'Procurando a conta '
                                || coalesce(e.parametros_entrada ->> 'filtro', ''),
                            'Aguardando a página de faturas carregar',
                            'Fatura encontrada; baixando o PDF',
                            'Conferindo o CNPJ ' || coalesce(e.parametros_entrada ->> 'cnpj', ''),
                            'Enviando o arquivo ao SAT',
                            'Tentando de novo depois de um erro de rede'])[1 + k %% 8]
                            || ' (passo ' || k || ')'
                   END AS mensagem
            FROM (
                SELECT id, iniciada_em, status, erro, resultado, parametros_entrada,
                       CASE WHEN id = %(grande)s THEN %(grande_linhas)s
                            ELSE 2 + (abs(hashtext(id::text)) %% 15) / 2 END AS linhas
                FROM execucoes_execucao
                WHERE status <> 'PENDENTE'
            ) e
            CROSS JOIN generate_series(1, e.linhas) k
        ) l
        """,
        {"grande": grande, "grande_linhas": LINHAS_DA_EXECUCAO_GRANDE},
    )
