"""A tabela do cache compartilhado (CACHE_URL padrão, `dbcache://cache_brm`): quem migra a cria.

`createcachetable` não faz nada quando a tabela já existe ou quando o cache é o Redis.
"""

from django.core.management import call_command
from django.db import migrations


def criar_tabela_do_cache(apps, schema_editor):
    call_command("createcachetable", database=schema_editor.connection.alias, verbosity=0)


class Migration(migrations.Migration):
    dependencies = []

    operations = [migrations.RunPython(criar_tabela_do_cache, migrations.RunPython.noop)]
