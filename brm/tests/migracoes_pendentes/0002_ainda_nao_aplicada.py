"""Uma migração que o banco dos testes não tem: o /readyz tem de dizer que falta migrar."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("brm", "0001_tabela_do_cache")]

    operations = [migrations.RunPython(migrations.RunPython.noop, migrations.RunPython.noop)]
