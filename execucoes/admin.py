import datetime as dt
from functools import reduce
from operator import or_

from django.contrib import admin
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html

from clientes.models import Cliente
from execucoes.models import COR_DO_NIVEL, COR_DO_STATUS, Execucao, LogExecucao
from nucleo.admin_base import (
    AdminSomenteLeitura,
    ExportaLista,
    exportar_csv,
    quando_curto,
    selo,
    texto_curto,
)
from nucleo.documentos import formatar_cnpj
from nucleo.exportacao import Coluna
from nucleo.permissoes import Capacidade, pode
from operadoras.models import Operadora
from processos import acoes
from processos.admin import FiltroCompetencia
from processos.admin_acoes import AcaoComMotivo, pedir_motivo_e_aplicar
from processos.competencia import formatar_competencia
from processos.indicadores import competencias_recentes
from processos.models import Processo
from processos.registro_de_acoes import ACAO, PaginaDoMotivo

LETRAS_DO_TRIGRAMA = 3

# O “Cancelar execução” do registro, em lote sobre as execuções (não sobre os processos).
CANCELAR = AcaoComMotivo(
    acao="cancelar_execucoes",
    pagina=PaginaDoMotivo(
        titulo="Cancelar execuções",
        explicacao="As execuções em andamento destas linhas são canceladas e o processo pode ser "
        "executado de novo; as que já terminaram ficam como estão. Diga o motivo — ele fica no "
        "log de cada execução.",
        botao="Cancelar execuções",
        voltar="Voltar",
    ),
    funcao=acoes.cancelar_execucao,
    verbo="cancelada(s)",
    objeto="execução(ões)",
    formulario=ACAO["cancelar_execucao"].formulario,
    descrever=lambda execucao: f"{execucao.processo} — {execucao}",
)


@admin.action(description="Cancelar execuções (pede o motivo)", permissions=["cancelar"])
def cancelar_execucoes(modeladmin, request, queryset):
    return pedir_motivo_e_aplicar(
        modeladmin, request, queryset.select_related("processo__cliente"), CANCELAR
    )


class FiltroDoDia(admin.SimpleListFilter):
    """Um dos últimos 30 dias (hora local), pelo índice de `criado_em`: as colunas do painel."""

    title = "dia"
    parameter_name = "dia"

    def lookups(self, request, model_admin):
        hoje = timezone.localdate()
        dias = (hoje - dt.timedelta(days=n) for n in range(30))
        return [(dia.isoformat(), dia.strftime("%d/%m")) for dia in dias]

    def queryset(self, request, queryset):
        if not self.value():
            return queryset
        try:
            dia = dt.date.fromisoformat(self.value())
        except ValueError:
            return queryset.none()
        inicio = timezone.make_aware(dt.datetime.combine(dia, dt.time.min))
        return queryset.filter(criado_em__gte=inicio, criado_em__lt=inicio + dt.timedelta(days=1))


class FiltroDaCompetencia(FiltroCompetencia):
    title = "competência do processo"
    campo = "processo__competencia"

    def lookups(self, request, model_admin):
        return [(formatar_competencia(mes),) * 2 for mes in competencias_recentes()]


class FiltroDaOperadora(admin.SimpleListFilter):
    title = "operadora"
    parameter_name = "operadora"

    def lookups(self, request, model_admin):
        return list(Operadora.objects.order_by("codigo").values_list("codigo", "codigo"))

    def queryset(self, request, queryset):
        if not self.value():
            return queryset
        return queryset.filter(processo__cliente__operadora__codigo=self.value())


@admin.register(Execucao)
class ExecucaoAdmin(ExportaLista, AdminSomenteLeitura):
    list_display = [
        "criada",
        "processo_",
        "tipo",
        "status_selo",
        "numero_tentativa",
        "job",
        "progresso",
        "iniciada",
        "finalizada",
    ]
    list_display_links = ["criada"]
    # A competência, a operadora e o dia também são os links do painel (sucesso, por dia).
    list_filter = ["status", "tipo", FiltroDoDia, FiltroDaCompetencia, FiltroDaOperadora]
    search_fields = ["=job_id", "processo__cliente__razao_social", "=processo__cliente__cnpj"]
    search_help_text = "O job exato, ou o nome ou CNPJ do cliente."
    filtros_da_url = ("processo__id__exact",)  # o “Ver todas as execuções” do processo
    list_select_related = ["processo__cliente"]
    actions = [cancelar_execucoes, exportar_csv]
    colunas_exportadas = [
        Coluna("Criada em", "criado_em"),
        Coluna("Cliente", "processo__cliente__razao_social"),
        Coluna("CNPJ", "processo__cliente__cnpj", formatar_cnpj),
        Coluna("Competência", "processo__competencia", formatar_competencia),
        Coluna("Tipo", "tipo"),
        Coluna("Status", "status"),
        Coluna("Tentativa", "numero_tentativa"),
        Coluna("Job", "job_id"),
        Coluna("Iniciada em", "iniciada_em"),
        Coluna("Finalizada em", "finalizada_em"),
        Coluna("Erro", "erro"),
    ]
    exclude = []
    readonly_fields = [
        "processo",
        "tipo",
        "status_selo",
        "job_id",
        "numero_tentativa",
        "vencimento_previsto",
        "progresso",
        "parametros_entrada",
        "resultado",
        "erro",
        "iniciada_em",
        "finalizada_em",
        "executado_por",
        "cancelada_por",
        "ip_origem",
        "user_agent",
        "linhas_de_log",
    ]
    fields = readonly_fields

    def get_search_results(self, request, queryset, search_term):
        """O que os `search_fields` dizem, sem o que o Django faria com eles numa tabela grande.

        O job é um identificador: comparado exatamente, pelo seu índice (o Django compararia
        `UPPER(job_id)`, que o índice não serve). Achado o job, a lista é ele; senão, o nome ou
        CNPJ do cliente, por subconsulta: juntar os clientes e ligar tudo por OR obrigava o
        banco a varrer a tabela inteira, e uma UNION das duas buscas a ordenar todas as
        execuções de um termo comum ("Ltda").
        """
        termo = search_term.strip()
        if not termo:
            return queryset, False
        if Execucao.objects.filter(job_id=termo).exists():
            return queryset.filter(job_id=termo), False
        clientes = Cliente.da_busca(termo)
        return queryset.filter(processo__in=Processo.objects.filter(cliente__in=clientes)), False

    def has_cancelar_permission(self, request) -> bool:
        return pode(request.user, Capacidade.OPERAR)

    @admin.display(description="criada em", ordering="criado_em")
    def criada(self, execucao):
        return quando_curto(execucao.criado_em)

    @admin.display(description="processo")
    def processo_(self, execucao):
        return texto_curto(execucao.processo, 45)

    @admin.display(description="job", ordering="job_id")
    def job(self, execucao):
        return texto_curto(execucao.job_id, 14)

    @admin.display(description="iniciada", ordering="iniciada_em")
    def iniciada(self, execucao):
        return quando_curto(execucao.iniciada_em)

    @admin.display(description="finalizada", ordering="finalizada_em")
    def finalizada(self, execucao):
        return quando_curto(execucao.finalizada_em)

    @admin.display(description="status", ordering="status")
    def status_selo(self, execucao):
        return selo(execucao.status, execucao.get_status_display(), COR_DO_STATUS)

    @admin.display(description="log")
    def linhas_de_log(self, execucao):
        url = (
            reverse("admin:execucoes_logexecucao_changelist")
            + f"?execucao__id__exact={execucao.pk}"
        )
        return format_html('<a href="{}">Ver as linhas de log desta execução</a>', url)


@admin.register(LogExecucao)
class LogExecucaoAdmin(AdminSomenteLeitura):
    list_display = ["id", "quando", "nivel_selo", "mensagem_", "execucao_"]
    list_filter = ["nivel"]
    search_fields = ["mensagem", "=execucao__job_id"]
    search_help_text = "Palavras da mensagem, ou o job exato."
    filtros_da_url = ("execucao__id__exact",)  # o link "Ver as linhas de log" da execução
    list_select_related = ["execucao"]
    ordering = ["-id"]
    fields = ["execucao", "nivel", "mensagem", "momento", "recebido_em"]
    readonly_fields = fields

    def get_search_results(self, request, queryset, search_term):
        """A mensagem com todas as palavras, ou as linhas do job exato.

        No PostgreSQL a mensagem é buscada pelo índice de trigramas; palavra com menos de três
        letras não tem trigrama e obrigaria a ler a tabela inteira, por isso não entra. O job é
        procurado antes, pelo seu índice, e entra pelo id da execução: uma junção com as
        execuções ligada por OR à mensagem obrigava a varrer a tabela.
        """
        termo = search_term.strip()
        if not termo:
            return queryset, False
        achadas = []
        palavras = [palavra for palavra in termo.split() if len(palavra) >= LETRAS_DO_TRIGRAMA]
        if palavras:
            achadas.append(Q(*(Q(mensagem__icontains=palavra) for palavra in palavras)))
        do_job = list(Execucao.objects.filter(job_id=termo).values_list("pk", flat=True)[:1])
        if do_job:
            achadas.append(Q(execucao_id=do_job[0]))
        if not achadas:
            return queryset.none(), False
        return queryset.filter(reduce(or_, achadas)), False

    @admin.display(description="momento", ordering="momento")
    def quando(self, linha):
        return quando_curto(linha.momento)

    @admin.display(description="mensagem")
    def mensagem_(self, linha):
        return texto_curto(linha.mensagem, 90)

    @admin.display(description="execução")
    def execucao_(self, linha):
        return texto_curto(linha.execucao.job_id or linha.execucao, 14)

    @admin.display(description="nível", ordering="nivel")
    def nivel_selo(self, linha):
        return selo(linha.nivel, linha.nivel, COR_DO_NIVEL)
