from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path

from clientes.forms import FormularioCliente, FormularioConfirmacao, FormularioImportacao
from clientes.importacao import ArquivoInvalido, importar_clientes
from clientes.models import Cliente
from nucleo.admin_base import AdminPorPerfil, ExportaLista, exportar_csv, selo
from nucleo.documentos import formatar_cnpj, termo_de_busca
from nucleo.exportacao import Coluna


@admin.register(Cliente)
class ClienteAdmin(ExportaLista, AdminPorPerfil):
    form = FormularioCliente
    list_display = [
        "razao_social",
        "cnpj_formatado",
        "operadora",
        "unidade",
        "servico",
        "filtro",
        "situacao",
    ]
    list_filter = ["ativo", "operadora", "servico"]
    search_fields = ["razao_social", "nome_sat", "=cnpj", "=hash_unico", "filtro"]
    list_select_related = ["operadora"]
    show_full_result_count = False
    actions = [exportar_csv]
    readonly_fields = ["hash_unico_atual"]
    fieldsets = [
        (None, {"fields": ["razao_social", "nome_sat", "cnpj", "operadora", "ativo"]}),
        ("Conta", {"fields": ["filtro", "servico", "dados_sat", "unidade", "categoria_sat"]}),
        ("Portal", {"fields": ["site_emissao", "login_portal", "nova_senha_portal", "cpf"]}),
        ("Outros", {"fields": ["hash_unico", "hash_unico_atual", "observacoes"]}),
    ]
    # As colunas da planilha de importação: o arquivo exportado volta pela importação.
    colunas_exportadas = [
        Coluna("HASH", "hash_unico"),
        Coluna("RAZÃO SOCIAL", "razao_social"),
        Coluna("NOME SAT", "nome_sat"),
        Coluna("CNPJ", "cnpj", formatar_cnpj),
        Coluna("OPERADORA", "operadora__codigo"),
        Coluna("FILTRO", "filtro"),
        Coluna("SERVIÇO", "servico"),
        Coluna("DADOS SAT", "dados_sat"),
        Coluna("UNIDADE / FILTRO SAT", "unidade"),
        Coluna("STATUS", "ativo", lambda ativo: "1" if ativo else "0"),
    ]

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "operadora":
            kwargs["queryset"] = db_field.related_model.objects.filter(ativo=True)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def get_search_results(self, request, queryset, search_term):
        return super().get_search_results(request, queryset, termo_de_busca(search_term))

    @admin.display(description="CNPJ", ordering="cnpj")
    def cnpj_formatado(self, cliente):
        return cliente.cnpj_formatado

    @admin.display(description="situação", ordering="ativo")
    def situacao(self, cliente):
        return selo(cliente.ativo, "Ativo" if cliente.ativo else "Inativo")

    @admin.display(description="hash atual")
    def hash_unico_atual(self, cliente):
        return cliente.hash_unico or "—"

    def get_urls(self):
        return [
            path(
                "importar/",
                self.admin_site.admin_view(self.importar_view),
                name="clientes_cliente_importar",
            ),
            *super().get_urls(),
        ]

    def importar_view(self, request):
        if not self.has_add_permission(request):
            raise PermissionDenied
        contexto = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": "Importar clientes (CSV)",
        }
        if request.method == "POST" and "confirmar" in request.POST:
            return self._confirmar_importacao(request, contexto)
        if request.method == "POST" and "reconferir" in request.POST:
            return self._reconferir_com_operadoras_novas(request, contexto)
        formulario = FormularioImportacao(request.POST or None, request.FILES or None)
        if request.method == "POST" and formulario.is_valid():
            conteudo = formulario.cleaned_data["arquivo"].read()
            pular = formulario.cleaned_data["pular_invalidas"]
            try:
                previa = importar_clientes(conteudo, simular=True, pular_invalidas=pular)
            except ArquivoInvalido as erro:
                formulario.add_error("arquivo", str(erro))
            else:
                contexto["previa"] = previa
                contexto["confirmacao"] = FormularioConfirmacao(
                    initial={
                        "conteudo": FormularioConfirmacao.assinar(conteudo),
                        "pular_invalidas": pular,
                    }
                )
        contexto["formulario"] = formulario
        return TemplateResponse(request, "admin/clientes/cliente/importar.html", contexto)

    def _reconferir_com_operadoras_novas(self, request, contexto):
        """A mesma prévia, com as operadoras parecidas que a pessoa marcou como novas de verdade."""
        confirmacao = FormularioConfirmacao(request.POST)
        if not confirmacao.is_valid():
            for erro in confirmacao.errors.get("conteudo", []):
                self.message_user(request, erro, level=messages.ERROR)
            return redirect("admin:clientes_cliente_importar")
        conteudo = confirmacao.cleaned_data["conteudo"]
        pular = confirmacao.cleaned_data["pular_invalidas"]
        novas = frozenset(request.POST.getlist("operadora_nova"))
        try:
            previa = importar_clientes(
                conteudo, simular=True, pular_invalidas=pular, operadoras_confirmadas=novas
            )
        except ArquivoInvalido as erro:
            self.message_user(request, str(erro), level=messages.ERROR)
            return redirect("admin:clientes_cliente_importar")
        contexto.update(
            previa=previa,
            confirmacao=FormularioConfirmacao(
                initial={
                    "conteudo": FormularioConfirmacao.assinar(conteudo),
                    "pular_invalidas": pular,
                    "operadoras_novas": ",".join(sorted(novas)),
                }
            ),
            formulario=FormularioImportacao(),
        )
        return TemplateResponse(request, "admin/clientes/cliente/importar.html", contexto)

    def _confirmar_importacao(self, request, contexto):
        confirmacao = FormularioConfirmacao(request.POST)
        if not confirmacao.is_valid():
            for erro in confirmacao.errors.get("conteudo", []):
                self.message_user(request, erro, level=messages.ERROR)
            return redirect("admin:clientes_cliente_importar")
        try:
            resultado = importar_clientes(
                confirmacao.cleaned_data["conteudo"],
                pular_invalidas=confirmacao.cleaned_data["pular_invalidas"],
                operadoras_confirmadas=confirmacao.cleaned_data["operadoras_novas"],
            )
        except ArquivoInvalido as erro:
            self.message_user(request, str(erro), level=messages.ERROR)
            return redirect("admin:clientes_cliente_importar")
        nivel = messages.SUCCESS if resultado.gravado else messages.ERROR
        self.message_user(request, resultado.resumo(), level=nivel)
        if not resultado.gravado:
            contexto.update(previa=resultado, formulario=FormularioImportacao())
            return TemplateResponse(request, "admin/clientes/cliente/importar.html", contexto)
        return redirect("admin:clientes_cliente_changelist")
