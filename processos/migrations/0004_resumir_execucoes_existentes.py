# O preenchimento fica numa migração à parte: a da estrutura trava a tabela (ALTER TABLE) só por
# um instante, e este UPDATE, que percorre todos os processos, trava só as linhas.

from django.db import migrations
from django.db.models import Count, Exists, OuterRef, Subquery, Value
from django.db.models.functions import Coalesce
from django.db.models.lookups import In

TIPOS_DO_ROBO = ("DOWNLOAD_FATURA", "UPLOAD_SAT")
STATUS_DE_FALHA = ("FALHOU", "TIMEOUT")


def resumir_as_execucoes(apps, schema_editor):
    """Preenche os campos novos a partir das execuções que já existem, num UPDATE só (nenhum por
    linha), nos processos que têm execução: se a última falhou; quantas do robô terminaram."""
    Processo = apps.get_model("processos", "Processo")
    Execucao = apps.get_model("execucoes", "Execucao")
    do_processo = Execucao.objects.filter(processo=OuterRef("pk")).order_by()
    ultima = do_processo.order_by("-criado_em").values("status")[:1]

    def quantas(*status):
        do_robo = do_processo.filter(tipo__in=TIPOS_DO_ROBO, status__in=status)
        contagem = do_robo.values("processo").annotate(n=Count("pk")).values("n")
        return Coalesce(Subquery(contagem), Value(0))

    Processo.objects.filter(Exists(do_processo)).update(
        ultima_execucao_falhou=In(Subquery(ultima), STATUS_DE_FALHA),
        execucoes_concluidas=quantas("CONCLUIDO"),
        execucoes_com_falha=quantas(*STATUS_DE_FALHA),
    )


class Migration(migrations.Migration):

    dependencies = [
        ("execucoes", "0003_estado_sem_criacao_mensal"),
        ("processos", "0003_resumo_das_execucoes"),
    ]

    operations = [
        migrations.RunPython(resumir_as_execucoes, migrations.RunPython.noop, elidable=True),
    ]
