"""A criação mensal automática vira um agendamento: "0 6 <PROCESSOS_DIA_CRIACAO> * *".

Antes, o worker criava os processos no dia `PROCESSOS_DIA_CRIACAO` ou depois, uma vez por
competência (registrada em `processos.CriacaoMensal`). Para nada mudar para quem já usa: o
agendamento nasce com o dia da variável, o histórico de `CriacaoMensal` vira o histórico do
agendamento e, se o dia deste mês já passou sem a criação (e há clientes ativos), ele nasce vencido:
o worker cria na próxima volta, como faria antes. A tabela antiga sai em processos/0006.
"""

import datetime as dt

from django.conf import settings
from django.db import migrations
from django.utils import timezone

from agendamentos.cron import fuso, proximo_horario, ultimo_horario_ate

NOME = "Criação mensal dos processos"


def criar_agendamento(apps, schema_editor):
    Agendamento = apps.get_model("agendamentos", "Agendamento")
    ExecucaoAgendamento = apps.get_model("agendamentos", "ExecucaoAgendamento")
    CriacaoMensal = apps.get_model("processos", "CriacaoMensal")
    Cliente = apps.get_model("clientes", "Cliente")
    dia = getattr(settings, "PROCESSOS_DIA_CRIACAO", 1)
    expressao = f"0 6 {dia} * *"
    agora = timezone.now()
    ultimo = ultimo_horario_ate(expressao, agora)
    competencia = timezone.localtime(agora, fuso()).date().replace(day=1)
    pendente_no_mes = (
        ultimo.date().replace(day=1) == competencia
        and not CriacaoMensal.objects.filter(competencia=competencia).exists()
        and Cliente.objects.filter(ativo=True, operadora__ativo=True).exists()
    )
    agendamento, novo = Agendamento.objects.get_or_create(
        nome=NOME,
        defaults={
            "tipo": "CRIAR_PROCESSOS",
            "expressao": expressao,
            "proxima_em": ultimo if pendente_no_mes else proximo_horario(expressao, depois_de=agora),
        },
    )
    if not novo:
        return
    for criacao in CriacaoMensal.objects.all():
        previsto = dt.datetime.combine(
            criacao.competencia.replace(day=dia), dt.time(6), tzinfo=fuso()
        )
        ExecucaoAgendamento.objects.create(
            agendamento=agendamento,
            disparo="AUTOMATICO",
            previsto_para=previsto,
            competencia=criacao.competencia,
            iniciado_em=criacao.feita_em,
            terminado_em=criacao.feita_em,
            resultado="SUCESSO",
            itens=criacao.criados,
            resumo=f"Competência {criacao.competencia:%m/%Y}: {criacao.criados} processo(s) "
            "criado(s).",
        )


def apagar_agendamento(apps, schema_editor):
    apps.get_model("agendamentos", "Agendamento").objects.filter(nome=NOME).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("agendamentos", "0001_agendamentos"),
        ("clientes", "0001_initial"),
        ("processos", "0005_indices_das_ordens"),
    ]
    # Lê a tabela antiga antes que ela saia.
    run_before = [("processos", "0006_sem_criacao_mensal")]

    operations = [migrations.RunPython(criar_agendamento, apagar_agendamento)]
