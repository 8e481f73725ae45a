from django.contrib import admin
from django.db.models import Count

from nucleo.admin_base import AdminPorPerfil, selo
from nucleo.permissoes import Capacidade, pode
from operadoras.models import Operadora
from processos.competencia import competencia_atual
from processos.criacao import criar_processos_mensais
from processos.models import Origem


@admin.register(Operadora)
class OperadoraAdmin(AdminPorPerfil):
    list_display = [
        "nome",
        "codigo",
        "robo",
        "jobs_simultaneos",
        "rpa_terceirizado",
        "ativa",
        "total_clientes",
    ]
    list_filter = ["ativo", "possui_rpa", "rpa_terceirizado"]
    search_fields = ["nome", "codigo"]
    actions = ["criar_processos_do_mes"]
    fieldsets = [
        (None, {"fields": ["nome", "codigo", "ativo"]}),
        (
            "Robô (RPA)",
            {
                "fields": [
                    "possui_rpa",
                    "rpa_terceirizado",
                    "url_endpoint_rpa",
                    "jobs_simultaneos",
                ]
            },
        ),
        ("Portal", {"fields": ["url_portal", "instrucoes_acesso"]}),
    ]

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(_total_clientes=Count("clientes"))

    @admin.display(description="robô", ordering="possui_rpa")
    def robo(self, operadora):
        return selo(operadora.possui_rpa, "Com robô" if operadora.possui_rpa else "Upload manual")

    @admin.display(description="situação", ordering="ativo")
    def ativa(self, operadora):
        return selo(operadora.ativo, "Ativa" if operadora.ativo else "Inativa")

    @admin.display(description="clientes", ordering="_total_clientes")
    def total_clientes(self, operadora):
        return operadora._total_clientes

    def has_operar_permission(self, request) -> bool:
        return pode(request.user, Capacidade.OPERAR)

    @admin.action(
        description="Criar processos do mês atual para as operadoras selecionadas",
        permissions=["operar"],
    )
    def criar_processos_do_mes(self, request, queryset):
        criados = existentes = 0
        inativas = []
        for operadora in queryset:
            if not operadora.ativo:
                inativas.append(operadora.codigo)
                continue
            resultado = criar_processos_mensais(
                competencia=competencia_atual(),
                operadora=operadora,
                usuario=request.user,
                origem=Origem.WEB,
            )
            criados += resultado.criados
            existentes += resultado.existentes
        mensagem = f"{criados} processo(s) criado(s), {existentes} já existiam."
        if inativas:
            mensagem += " Ignoradas por estarem inativas: " + ", ".join(inativas) + "."
        self.message_user(request, mensagem)
