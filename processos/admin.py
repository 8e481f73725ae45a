from django.contrib import admin
from django.core.exceptions import PermissionDenied, ValidationError
from django.forms.models import BaseInlineFormSet
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.formats import number_format
from django.utils.functional import cached_property
from django.utils.html import format_html

from clientes.models import Cliente
from execucoes.models import Execucao
from nucleo.admin_base import (
    AdminPorPerfil,
    AdminSomenteLeitura,
    ExportaLista,
    exportar_csv,
    quando_curto,
    selo,
    texto_curto,
)
from nucleo.documentos import formatar_cnpj, termo_de_busca
from nucleo.exportacao import Coluna
from nucleo.permissoes import Capacidade, pode
from processos import admin_acoes
from processos.andamento import andamento_anotado, com_andamento
from processos.competencia import formatar_competencia, ler_competencia
from processos.criacao import criar_processo, criar_processos_mensais
from processos.forms import FormularioCriacaoMensal, FormularioNovoProcesso, FormularioProcesso
from processos.indicadores import com_falha
from processos.models import COR_DO_STATUS, Origem, Processo, Transicao
from processos.registro_de_acoes import ACAO, botoes


def reais(valor) -> str:
    if valor is None:
        return "—"
    return "R$ " + number_format(valor, 2, force_grouping=True)


class FiltroCompetencia(admin.SimpleListFilter):
    """A competência MM/AAAA; `campo` é o caminho até ela (a lista de execuções filtra pelo
    processo)."""

    title = "competência"
    parameter_name = "competencia"
    campo = "competencia"

    def lookups(self, request, model_admin):
        meses = (
            Processo.objects.order_by("-competencia")
            .values_list("competencia", flat=True)
            .distinct()
        )
        return [(formatar_competencia(mes), formatar_competencia(mes)) for mes in meses]

    def queryset(self, request, queryset):
        if not self.value():
            return queryset
        try:
            return queryset.filter(**{self.campo: ler_competencia(self.value())})
        except ValidationError:
            return queryset.none()


class FiltroFalha(admin.SimpleListFilter):
    title = "robô"
    parameter_name = "falha"

    def lookups(self, request, model_admin):
        return [("sim", "Última execução falhou")]

    def queryset(self, request, queryset):
        return com_falha(queryset) if self.value() == "sim" else queryset


class MaisRecentes(BaseInlineFormSet):
    """Só as `limite` linhas mais recentes do processo (o inline as ordena): um processo com
    milhares de execuções não as lê nem as desenha todas. `total` vai no link da lista inteira."""

    limite = 20

    def get_queryset(self):
        # Guardada: o formset pede a lista várias vezes, e cada recorte novo seria outra consulta.
        if not hasattr(self, "_mais_recentes"):
            self._mais_recentes = super().get_queryset()[: self.limite]
        return self._mais_recentes

    @cached_property
    def total(self) -> int:
        return super().get_queryset().count()


class MaisRecentesInline(admin.TabularInline):
    """As linhas mais recentes, só para ler, e o link para todas na lista do admin (que aceita o
    filtro `processo__id__exact` na URL: `filtros_da_url`)."""

    formset = MaisRecentes
    template = "admin/processos/processo/inline_mais_recentes.html"
    ordering = ["-criado_em"]
    extra = 0
    can_delete = False

    # Como no resto do admin (`AdminPorPerfil`), toda a equipe vê; não as permissões do Django,
    # que só o superusuário tem.
    def has_view_permission(self, request, obj=None) -> bool:
        return pode(request.user, Capacidade.LER)

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False


class TransicaoInline(MaisRecentesInline):
    model = Transicao
    fields = ["criado_em", "de", "para", "usuario", "origem", "motivo"]
    readonly_fields = fields

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("usuario")


class ExecucaoInline(MaisRecentesInline):
    model = Execucao
    fields = [
        "tipo",
        "status",
        "numero_tentativa",
        "job_id",
        "iniciada_em",
        "finalizada_em",
        "erro",
    ]
    readonly_fields = fields
    show_change_link = True


@admin.register(Processo)
class ProcessoAdmin(ExportaLista, AdminPorPerfil):
    editar_se = Capacidade.OPERAR
    # Cabe num notebook (1366 px) sem rolar: o CNPJ vai embaixo da razão social, o vencimento em
    # dd/mm/aa, e o status diz também o que o robô está fazendo. A razão social leva ao formulário
    # (antes a 1ª coluna era o botão “Abrir”, um link dentro do link da linha: um <a> vazio).
    list_display = [
        "cliente_razao_social",
        "operadora",
        "competencia_mm_aaaa",
        "status_selo",
        "valor_reais",
        "vencimento_curto",
        "pagina",
    ]
    list_display_links = ["cliente_razao_social"]
    list_filter = ["status", FiltroCompetencia, "cliente__operadora", FiltroFalha, "upload_manual"]
    # O job id não está aqui: `get_search_results` o procura sem juntar as execuções.
    search_fields = ["cliente__razao_social", "=cliente__cnpj", "=cliente__hash_unico"]
    search_help_text = "O nome ou CNPJ do cliente, ou o job exato."
    list_select_related = ["cliente__operadora", "aprovado_por"]
    show_full_result_count = False
    list_per_page = 50
    actions = [*admin_acoes.ACOES_EM_LOTE, exportar_csv]
    autocomplete_fields = ["cliente"]
    change_form_template = "admin/processos/processo/change_form.html"
    inlines = [TransicaoInline, ExecucaoInline]
    readonly_fields = [
        "cliente",
        "competencia_mm_aaaa",
        "status_selo",
        "fatura_pdf",
        "fatura_sha256",
        "valor_reais",
        "vencimento",
        "criado_por",
        "criado_automaticamente",
        "upload_manual",
        "aprovado_por",
        "aprovado_em",
        "enviado_sat_em",
    ]
    colunas_exportadas = [
        Coluna("Razão social", "cliente__razao_social"),
        Coluna("CNPJ", "cliente__cnpj", formatar_cnpj),
        Coluna("Operadora", "cliente__operadora__codigo"),
        Coluna("Competência", "competencia", formatar_competencia),
        Coluna("Status", "status"),
        Coluna("Valor", "valor"),
        Coluna("Vencimento", "vencimento"),
        Coluna("Aprovado por", "aprovado_por__nome"),
        Coluna("Aprovado em", "aprovado_em"),
        Coluna("Enviado ao SAT em", "enviado_sat_em"),
    ]

    def has_delete_permission(self, request, obj=None) -> bool:
        return pode(request.user, Capacidade.CADASTRAR)

    # As ações em lote declaram a capacidade (`admin_acoes.permissao`): quem não a tem nem as vê.
    def has_operar_permission(self, request) -> bool:
        return pode(request.user, Capacidade.OPERAR)

    def has_aprovar_permission(self, request) -> bool:
        return pode(request.user, Capacidade.APROVAR)

    def get_search_results(self, request, queryset, search_term):
        """O job exato, ou o que os `search_fields` acham no cliente.

        O job é um identificador: comparado exatamente (`job_id = %s`, pelo índice único) numa
        subconsulta, sem juntar as execuções — nenhum processo se repete e a lista não precisa de
        DISTINCT. Achado o job, a lista é o processo dele (como na lista de execuções): ligar as
        duas buscas por OR obrigava o banco a testar o nome em cada processo, não em cada cliente.
        """
        termo = termo_de_busca(search_term).strip()
        do_job = Execucao.objects.filter(job_id=termo).values("processo_id")
        if termo and do_job.exists():
            return queryset.filter(pk__in=do_job), False
        return super().get_search_results(request, queryset, termo)

    def get_form(self, request, obj=None, change=False, **kwargs):
        kwargs["form"] = FormularioProcesso if obj else FormularioNovoProcesso
        return super().get_form(request, obj, change, **kwargs)

    def get_readonly_fields(self, request, obj=None):
        return self.readonly_fields if obj else []

    def get_fieldsets(self, request, obj=None):
        if obj is None:
            return [(None, {"fields": ["cliente", "competencia", "observacoes"]})]
        return [
            (None, {"fields": ["cliente", "competencia_mm_aaaa", "status_selo"]}),
            ("Fatura", {"fields": ["fatura_pdf", "fatura_sha256", "valor_reais", "vencimento"]}),
            (
                "Fluxo",
                {
                    "fields": [
                        "criado_por",
                        "criado_automaticamente",
                        "upload_manual",
                        "aprovado_por",
                        "aprovado_em",
                        "enviado_sat_em",
                        "observacoes",
                    ]
                },
            ),
        ]

    def get_inlines(self, request, obj):
        return self.inlines if obj else []

    def save_model(self, request, obj, form, change):
        if change:
            super().save_model(request, obj, form, change)
            return
        form.instance = criar_processo(
            cliente=obj.cliente,
            competencia=obj.competencia,
            usuario=request.user,
            origem=Origem.WEB,
            observacoes=obj.observacoes,
        )

    def get_queryset(self, request):
        return com_andamento(super().get_queryset(request))

    @admin.display(description="razão social", ordering="cliente__razao_social")
    def cliente_razao_social(self, processo):
        return format_html(
            '{}<span class="cnpj-da-linha" data-processo="{}">{}</span>',
            texto_curto(processo.cliente.razao_social, 45),
            processo.pk,
            processo.cliente.cnpj_formatado,
        )

    @admin.display(description="")
    def pagina(self, processo):
        url = reverse("processo_detalhe", args=[processo.pk])
        return format_html('<a href="{}" class="button">Abrir</a>', url)

    @admin.display(description="operadora", ordering="cliente__operadora__codigo")
    def operadora(self, processo):
        return processo.cliente.operadora.codigo

    @admin.display(description="competência", ordering="competencia")
    def competencia_mm_aaaa(self, processo):
        return processo.competencia_display

    @admin.display(description="status", ordering="status")
    def status_selo(self, processo):
        status = selo(processo.status, processo.get_status_display(), COR_DO_STATUS)
        andamento = andamento_anotado(processo)
        if andamento is None:
            return status
        return format_html(
            '{}<span class="andamento selo selo-{}">{}</span>',
            status,
            andamento.cor,
            andamento.rotulo,
        )

    @admin.display(description="vencimento", ordering="vencimento")
    def vencimento_curto(self, processo):
        return processo.vencimento.strftime("%d/%m/%y") if processo.vencimento else "—"

    @admin.display(description="valor", ordering="valor")
    def valor_reais(self, processo):
        return reais(processo.valor)

    @admin.display(description="fatura (PDF)")
    def fatura_pdf(self, processo):
        # Pela página do processo (exige login), nunca pelo endereço do arquivo em /media/.
        if not processo.fatura:
            return "—"
        return format_html(
            '<a href="{}">{}</a>',
            reverse("processo_fatura", args=[processo.pk]),
            processo.fatura.name.rsplit("/", 1)[-1],
        )

    def get_urls(self):
        return [
            path(
                "criar-mensais/",
                self.admin_site.admin_view(self.criar_mensais_view),
                name="processos_processo_criar_mensais",
            ),
            path(
                "repetir-falhas/",
                self.admin_site.admin_view(self.repetir_falhas_view),
                name="processos_processo_repetir_falhas",
            ),
            path(
                "<uuid:processo_id>/acao/<slug:nome>/",
                self.admin_site.admin_view(admin_acoes.executar_acao_do_processo),
                name="processos_processo_acao",
            ),
            *super().get_urls(),
        ]

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        # Com o processo que a página já leu: os botões não o leem de novo.
        if obj is not None:
            digitados = admin_acoes.digitado_antes(request, obj)
            context["botoes_de_acao"] = botoes(obj, request.user, digitados)
        return super().render_change_form(request, context, add, change, form_url, obj)

    def repetir_falhas_view(self, request):
        if not self.has_add_permission(request):
            raise PermissionDenied
        formulario = admin_acoes.FormularioRepetirFalhas(request.POST or None)
        if request.method == "POST" and formulario.is_valid():
            falhas = admin_acoes.processos_com_falha(formulario.cleaned_data["competencia"])
            novamente = ACAO["executar_novamente"]
            admin_acoes.aplicar_em_lote(
                self, request, falhas, novamente.executar, novamente.em_lote.feitos
            )
            return redirect("admin:processos_processo_changelist")
        return self._pagina_de_formulario(
            request,
            formulario,
            titulo="Executar novamente as falhas de uma competência",
            texto="Executa de novo cada processo da competência cuja última execução falhou "
            "ou estourou o tempo, e que não tem nada rodando agora.",
            botao="Executar novamente as falhas",
        )

    def criar_mensais_view(self, request):
        if not self.has_add_permission(request):
            raise PermissionDenied
        formulario = FormularioCriacaoMensal(request.POST or None)
        if request.method == "POST" and formulario.is_valid():
            resultado = criar_processos_mensais(
                competencia=formulario.cleaned_data["competencia"],
                operadora=formulario.cleaned_data["operadora"],
                usuario=request.user,
                origem=Origem.WEB,
            )
            self.message_user(request, resultado.mensagem())
            return redirect("admin:processos_processo_changelist")
        return self._pagina_de_formulario(
            request,
            formulario,
            titulo="Criar processos do mês",
            texto="Cria um processo “Aguardando download” para cada cliente ativo de operadora "
            "ativa. Rodar de novo não duplica nada.",
            botao="Criar processos",
        )

    def _pagina_de_formulario(self, request, formulario, *, titulo, texto, botao):
        contexto = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": titulo,
            "formulario": formulario,
            "texto": texto,
            "botao": botao,
        }
        return TemplateResponse(
            request, "admin/processos/processo/formulario_simples.html", contexto
        )


@admin.register(Transicao)
class TransicaoAdmin(AdminSomenteLeitura):
    list_display = ["quando", "processo_", "de_selo", "para_selo", "usuario", "origem", "motivo_"]
    list_display_links = ["quando"]
    list_filter = ["para", "origem"]
    search_fields = ["processo__cliente__razao_social", "=processo__cliente__cnpj"]
    filtros_da_url = ("processo__id__exact",)  # o “Ver todas as transições” do processo
    list_select_related = ["processo__cliente", "usuario"]

    def get_search_results(self, request, queryset, search_term):
        """O nome ou o CNPJ do cliente, numa subconsulta: juntar processos e clientes às centenas
        de milhares de transições obrigava o banco a varrer as três tabelas (1,1 s)."""
        termo = search_term.strip()
        if not termo:
            return queryset, False
        processos = Processo.objects.filter(cliente__in=Cliente.da_busca(termo))
        return queryset.filter(processo__in=processos), False

    @admin.display(description="quando", ordering="criado_em")
    def quando(self, transicao):
        return quando_curto(transicao.criado_em)

    @admin.display(description="processo")
    def processo_(self, transicao):
        return texto_curto(transicao.processo, 50)

    @admin.display(description="motivo")
    def motivo_(self, transicao):
        return texto_curto(transicao.motivo, 50)

    @admin.display(description="de", ordering="de")
    def de_selo(self, transicao):
        return (
            selo(transicao.de, transicao.get_de_display(), COR_DO_STATUS) if transicao.de else "—"
        )

    @admin.display(description="para", ordering="para")
    def para_selo(self, transicao):
        return selo(transicao.para, transicao.get_para_display(), COR_DO_STATUS)
