"""Índice de trigramas para a busca do admin nas mensagens do log (só no PostgreSQL).

O `icontains` do Django vira `UPPER("mensagem"::text) LIKE UPPER('%termo%')`; o índice é sobre a
mesma expressão, para o planejador usá-lo. É criado com CONCURRENTLY (a tabela tem milhões de
linhas e o worker grava nela o tempo todo), por isso a migração não roda numa transação. No
SQLite não há nada a fazer, e o estado dos modelos não muda: o índice não está em `Meta.indexes`.
"""

from django.db import migrations

INDICE = "log_mensagem_trgm_idx"


def criar(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    schema_editor.execute(
        f"CREATE INDEX CONCURRENTLY IF NOT EXISTS {INDICE} "
        "ON execucoes_logexecucao USING gin (UPPER(mensagem) gin_trgm_ops)"
    )


def remover(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(f"DROP INDEX CONCURRENTLY IF EXISTS {INDICE}")


class Migration(migrations.Migration):
    atomic = False

    dependencies = [
        ('execucoes', '0004_indices_das_listas'),
    ]

    operations = [migrations.RunPython(criar, remover, elidable=False)]
