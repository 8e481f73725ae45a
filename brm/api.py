"""Peças comuns da API REST (SPEC §6): perfis, validação pelo modelo, paginação.

Os perfis valem exatamente como no admin (`brm.admin_base.AdminPorPerfil`): toda a equipe lê; quem
escreve é dito por `editar_se` na view (uma propriedade do usuário). As ações do fluxo conferem o
perfil de novo no serviço (`processos.acoes`); suas recusas viram HTTP em `brm.api_erros`.
"""

from copy import copy

from django.core.exceptions import NON_FIELD_ERRORS
from django.core.exceptions import ValidationError as DjangoValidationError
from rest_framework import filters, pagination, permissions, serializers
from rest_framework.settings import api_settings

from brm.documentos import termo_de_busca


class PerfilPermite(permissions.BasePermission):
    message = "Seu perfil não permite esta operação."

    def has_permission(self, request, view) -> bool:
        if not getattr(request.user, "pode_operar", False):
            return False
        if request.method in permissions.SAFE_METHODS:
            return True
        editar_se = getattr(view, "editar_se", None)
        return bool(editar_se) and getattr(request.user, editar_se, False)


class Busca(filters.SearchFilter):
    """Como no admin: um CNPJ com pontuação acha o guardado sem ela."""

    def get_search_terms(self, request):
        return [termo_de_busca(termo) for termo in super().get_search_terms(request)]


class Paginas(pagination.PageNumberPagination):
    page_size = 50
    page_query_param = "pagina"
    page_size_query_param = "tamanho"
    max_page_size = 500


class PorOrdemDeChegada(pagination.CursorPagination):
    """Tabelas grandes (execuções, linhas de log): sem COUNT(*), estável enquanto chegam linhas."""

    page_size = 100
    page_size_query_param = "tamanho"
    max_page_size = 1000
    ordering = "-criado_em"


class ValidadoPeloModelo(serializers.ModelSerializer):
    """As regras do modelo (normalização, `clean`, validadores, unicidade) valem na API como no
    admin: o dado é validado pelo próprio modelo, e o que se grava é o valor normalizado."""

    def validate(self, dados):
        dados = super().validate(dados)
        instancia = copy(self.instance) if self.instance else self.Meta.model()
        for campo, valor in dados.items():
            setattr(instancia, campo, valor)
        try:
            instancia.full_clean()
        except DjangoValidationError as erro:
            detalhes = serializers.as_serializer_error(erro)
            if NON_FIELD_ERRORS in detalhes:
                detalhes[api_settings.NON_FIELD_ERRORS_KEY] = detalhes.pop(NON_FIELD_ERRORS)
            raise serializers.ValidationError(detalhes) from None
        gravaveis = [nome for nome, campo in self.fields.items() if not campo.read_only]
        return {
            campo: getattr(instancia, campo) for campo in gravaveis if hasattr(instancia, campo)
        }
