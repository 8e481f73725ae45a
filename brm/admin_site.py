"""O site do admin da BRM: a página inicial é o painel do mês."""

from django.contrib import admin, messages
from django.core.exceptions import ValidationError

from nucleo.admin_base import SoFiltrosDaTela


class SiteBRM(admin.AdminSite):
    site_header = "BRM RPA — Back office"
    site_title = "BRM RPA"
    index_title = "Painel"
    site_url = None  # "Ver o site" levaria de volta ao próprio admin
    # A barra lateral com a lista de modelos tirava 300 px das listas (num notebook de 1366 px a
    # de processos rolava para o lado); o painel (“Início”, nas migalhas) já lista os modelos.
    enable_nav_sidebar = False

    def register(self, model_or_iterable, admin_class=None, **options):
        """Todo ModelAdmin (os nossos e os de bibliotecas) só filtra pela URL o que a tela
        oferece (`SoFiltrosDaTela`)."""
        admin_class = admin_class or admin.ModelAdmin
        if not issubclass(admin_class, SoFiltrosDaTela):
            admin_class = type(
                admin_class.__name__,
                (SoFiltrosDaTela, admin_class),
                {"__module__": admin_class.__module__},
            )
        super().register(model_or_iterable, admin_class, **options)

    def index(self, request, extra_context=None):
        from execucoes.painel import execucoes_por_dia
        from processos.competencia import competencia_atual, ler_competencia
        from processos.indicadores import competencias_recentes, indicadores

        competencia = competencia_atual()
        if pedida := request.GET.get("competencia"):
            try:
                competencia = ler_competencia(pedida)
            except ValidationError as erro:
                messages.error(request, erro.messages[0])
        contexto = {
            "indicadores": indicadores(competencia),
            "competencias": competencias_recentes(),
            "execucoes_por_dia": execucoes_por_dia(),
            **(extra_context or {}),
        }
        return super().index(request, contexto)
