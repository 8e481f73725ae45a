"""Peças comuns do admin: permissões por perfil, selos de status coloridos, exportação CSV."""

import csv
from operator import attrgetter

from django.contrib import admin
from django.http import HttpResponse
from django.utils import timezone
from django.utils.html import format_html

# Cor de cada valor de status/nível, em um só lugar (as classes estão em brm/admin.css).
CORES = {
    "AGUARDANDO_DOWNLOAD": "cinza",
    "AGUARDANDO_APROVACAO": "amarelo",
    "AGUARDANDO_ENVIO_SAT": "azul",
    "UPLOAD_REALIZADO": "verde",
    "PENDENTE": "cinza",
    "EXECUTANDO": "azul",
    "CONCLUIDO": "verde",
    "FALHOU": "vermelho",
    "CANCELADO": "cinza",
    "TIMEOUT": "laranja",
    "DEBUG": "cinza",
    "INFO": "azul",
    "WARN": "laranja",
    "ERROR": "vermelho",
    True: "verde",
    False: "cinza",
}


def selo(valor, rotulo) -> str:
    return format_html('<span class="selo selo-{}">{}</span>', CORES.get(valor, "cinza"), rotulo)


class AdminPorPerfil(admin.ModelAdmin):
    """Todos da equipe veem; `editar_se` diz qual propriedade do usuário permite editar."""

    editar_se: str | None = "e_administrador"

    def _pode_editar(self, request) -> bool:
        return bool(self.editar_se) and getattr(request.user, self.editar_se, False)

    def has_view_permission(self, request, obj=None) -> bool:
        return getattr(request.user, "pode_operar", False)

    def has_module_permission(self, request) -> bool:
        return self.has_view_permission(request)

    def has_add_permission(self, request) -> bool:
        return self._pode_editar(request)

    def has_change_permission(self, request, obj=None) -> bool:
        return self._pode_editar(request)

    def has_delete_permission(self, request, obj=None) -> bool:
        return self._pode_editar(request)


class AdminSomenteLeitura(AdminPorPerfil):
    """Auditoria e registros do robô: ninguém cria, altera ou apaga pelo admin."""

    editar_se = None
    show_full_result_count = False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.action(description="Exportar selecionados para CSV")
def exportar_csv(modeladmin, request, queryset):
    """Exporta as colunas de `modeladmin.colunas_csv` (título, atributo com pontos)."""
    resposta = HttpResponse(content_type="text/csv; charset=utf-8")
    nome = f"{modeladmin.model._meta.model_name}-{timezone.localdate():%Y%m%d}.csv"
    resposta["Content-Disposition"] = f'attachment; filename="{nome}"'
    resposta.write("\ufeff")  # BOM: o Excel abre os acentos corretamente
    escritor = csv.writer(resposta, delimiter=";")
    escritor.writerow([titulo for titulo, _ in modeladmin.colunas_csv])
    leitores = [attrgetter(caminho) for _, caminho in modeladmin.colunas_csv]
    for objeto in queryset:
        escritor.writerow([_texto(ler(objeto)) for ler in leitores])
    return resposta


def _texto(valor) -> str:
    if valor is None:
        return ""
    if hasattr(valor, "strftime"):
        return valor.strftime("%d/%m/%Y")
    return str(valor)
