"""Peças comuns do admin: permissões por perfil, filtros só da tela, selos de status coloridos,
paginação das tabelas grandes, exportação da lista (CSV e XLSX)."""

from math import ceil

from django.contrib import admin
from django.contrib.admin.options import IncorrectLookupParameters
from django.contrib.admin.utils import get_fields_from_path
from django.contrib.admin.views.main import ERROR_FLAG
from django.core.exceptions import PermissionDenied
from django.core.paginator import EmptyPage, Paginator
from django.http import Http404, HttpResponseRedirect
from django.urls import path, reverse
from django.utils import timezone
from django.utils.functional import cached_property
from django.utils.html import format_html

from nucleo import exportacao
from nucleo.criptografia import passa_por_campo_cifrado
from nucleo.exportacao import Coluna
from nucleo.permissoes import Capacidade, pode

# As cores dos selos são as classes de brm/admin.css. A cor de cada status fica ao lado do status,
# no app dono (`processos.models.COR_DO_STATUS`, `execucoes.models.COR_DO_STATUS`...); aqui, só
# a do sim e não.
CORES_DE_SIM_E_NAO = {True: "verde", False: "cinza"}


def selo(valor, rotulo, cores: dict | None = None) -> str:
    cor = (CORES_DE_SIM_E_NAO if cores is None else cores).get(valor, "cinza")
    return format_html('<span class="selo selo-{}">{}</span>', cor, rotulo)


def texto_curto(texto, limite: int = 60) -> str:
    """Um texto longo numa coluna de lista: cortado com reticências, inteiro na dica (title). As
    listas cabem na tela de um notebook sem rolar para o lado (brm/admin.css)."""
    texto = "" if texto is None else str(texto)
    if len(texto) <= limite:
        return texto or "—"
    return format_html(
        '<span class="texto-curto" title="{}">{}…</span>', texto, texto[: limite - 1].rstrip()
    )


def quando_curto(momento) -> str:
    """Data e hora numa coluna de lista: dd/mm HH:MM na hora local; com o ano, na dica."""
    if momento is None:
        return "—"
    local = timezone.localtime(momento)
    return format_html(
        '<time datetime="{}" title="{}">{}</time>',
        local.isoformat(),
        local.strftime("%d/%m/%Y %H:%M"),
        local.strftime("%d/%m %H:%M"),
    )


# O que os filtros de campo do Django (booleano, escolhas, data, relação, vazio) põem na URL depois
# do caminho do campo.
SUFIXOS_DOS_FILTROS = {"", "__exact", "__isnull", "__gte", "__lt", "__isempty"}


class SoFiltrosDaTela:
    """A URL de uma lista do admin só filtra pelo que a própria tela oferece (`list_filter`,
    `date_hierarchy` e `filtros_da_url`, as consultas que links do próprio produto montam), e
    nunca por um campo cifrado.

    O Django aceita na URL qualquer consulta a um campo do próprio modelo: a lista de clientes
    com `?senha_portal__regex=^fernet:gAAAA[A-M]` mostrava o cliente ou não conforme o palpite, e
    a cifra saía um caractere por vez. Consulta fora da tela: 400, acerte ou não o palpite. O site
    (`brm.admin_site.SiteBRM.register`) põe esta regra em todo ModelAdmin, até os de bibliotecas.
    """

    def lookup_allowed(self, lookup, value, request=None) -> bool:
        if passa_por_campo_cifrado(self.model, lookup):
            return False
        # Lido com getattr: o site põe esta classe antes do ModelAdmin no MRO, e um atributo
        # declarado aqui esconderia o da subclasse.
        links = getattr(self, "filtros_da_url", ())
        if lookup not in links and lookup not in self._filtros_da_tela(request):
            return False
        return super().lookup_allowed(lookup, value, request)

    def _filtros_da_tela(self, request) -> set[str]:
        permitidos = set()
        if self.date_hierarchy:
            permitidos |= {f"{self.date_hierarchy}__{parte}" for parte in ("year", "month", "day")}
        for filtro in self.get_list_filter(request):
            if isinstance(filtro, type) and issubclass(filtro, admin.SimpleListFilter):
                permitidos.add(filtro.parameter_name)
                continue
            caminho = filtro[0] if isinstance(filtro, list | tuple) else filtro
            permitidos |= {caminho + sufixo for sufixo in SUFIXOS_DOS_FILTROS}
            campo = get_fields_from_path(self.model, caminho)[-1]
            if campo.is_relation:
                permitidos.add(f"{caminho}__{campo.target_field.name}__exact")
        return permitidos


class AdminPorPerfil(admin.ModelAdmin):
    """Toda a equipe vê; `editar_se` diz que capacidade permite criar, alterar e apagar."""

    editar_se: str | None = Capacidade.CADASTRAR

    def _pode_editar(self, request) -> bool:
        return bool(self.editar_se) and pode(request.user, self.editar_se)

    def has_view_permission(self, request, obj=None) -> bool:
        return pode(request.user, Capacidade.LER)

    def has_module_permission(self, request) -> bool:
        return self.has_view_permission(request)

    def has_add_permission(self, request) -> bool:
        return self._pode_editar(request)

    def has_change_permission(self, request, obj=None) -> bool:
        return self._pode_editar(request)

    def has_delete_permission(self, request, obj=None) -> bool:
        return self._pode_editar(request)


class PaginadorSemContagem(Paginator):
    """Páginas de uma tabela grande sem COUNT(*) sobre ela.

    O admin pergunta `count` a cada página (mesmo com `show_full_result_count = False`), e contar
    milhões de linhas filtradas custava mais que a própria página. Aqui se contam no máximo
    `limite` + 1 linhas (um COUNT sobre uma subconsulta com LIMIT). Passado o limite, qualquer
    página pode ser pedida (OFFSET): ela busca uma linha a mais para saber se há a seguinte, e os
    números das páginas vão até onde se contou ou até a seguinte à atual.
    """

    limite = 10_000

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._ultima_vista = 0

    @cached_property
    def count(self) -> int:
        return self.object_list.order_by()[: self.limite + 1].count()

    @property
    def passou_do_limite(self) -> bool:
        return self.count > self.limite

    @property
    def num_pages(self) -> int:
        if not self.passou_do_limite:
            return super().num_pages
        return max(ceil(self.count / self.per_page), self._ultima_vista)

    def validate_number(self, number) -> int:
        try:
            return super().validate_number(number)
        except EmptyPage:
            if not self.passou_do_limite or int(number) < 1:
                raise
            return int(number)

    def page(self, number):
        if not self.passou_do_limite:
            return super().page(number)
        number = self.validate_number(number)
        inicio = (number - 1) * self.per_page
        linhas = list(self.object_list[inicio : inicio + self.per_page + 1])
        if not linhas and number > 1:
            raise EmptyPage(self.error_messages["no_results"])
        tem_seguinte = len(linhas) > self.per_page
        self._ultima_vista = max(self._ultima_vista, number + tem_seguinte)
        return self._get_page(linhas[: self.per_page], number, self)


class AdminSomenteLeitura(AdminPorPerfil):
    """Auditoria e registros do robô: ninguém cria, altera ou apaga pelo admin. São as tabelas
    grandes: nenhuma contagem da tabela inteira (nem os totais ao lado dos filtros)."""

    editar_se = None
    show_full_result_count = False
    show_facets = admin.ShowFacets.NEVER
    paginator = PaginadorSemContagem

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


class ExportaLista:
    """Os botões "Exportar CSV" e "Exportar XLSX" da lista exportam o que ela mostra (filtros,
    busca e ordem, todas as páginas); a ação em lote, só as linhas marcadas. As colunas vêm de
    `colunas_exportadas` (`nucleo.exportacao.Coluna`)."""

    colunas_exportadas: list[Coluna] = []

    def get_urls(self):
        nome = f"{self.opts.app_label}_{self.opts.model_name}_exportar"
        return [
            path(
                "exportar/<str:formato>/",
                self.admin_site.admin_view(self.exportar_view),
                name=nome,
            ),
            *super().get_urls(),
        ]

    def changelist_view(self, request, extra_context=None):
        nome = f"admin:{self.opts.app_label}_{self.opts.model_name}_exportar"
        consulta = request.GET.urlencode()
        extra_context = {
            **(extra_context or {}),
            "exportacoes": [
                (f"Exportar {formato.upper()}", reverse(nome, args=[formato]) + f"?{consulta}")
                for formato in exportacao.FORMATOS
            ],
        }
        return super().changelist_view(request, extra_context)

    def exportar_view(self, request, formato: str):
        if formato not in exportacao.FORMATOS:
            raise Http404("Formato de exportação desconhecido.")
        if not self.has_view_permission(request):
            raise PermissionDenied
        try:
            lista = self.get_changelist_instance(request)
        except IncorrectLookupParameters:
            lista_url = reverse(f"admin:{self.opts.app_label}_{self.opts.model_name}_changelist")
            return HttpResponseRedirect(f"{lista_url}?{ERROR_FLAG}=1")
        return exportacao.resposta(self.model, self.colunas_exportadas, lista.queryset, formato)


@admin.action(description="Exportar selecionados para CSV", permissions=["view"])
def exportar_csv(modeladmin, request, queryset):
    """Só as linhas marcadas, nas mesmas colunas dos botões de exportação da lista."""
    return exportacao.resposta(modeladmin.model, modeladmin.colunas_exportadas, queryset, "csv")
