"""Peças comuns da API REST: perfis, validação pelo modelo, paginação.

Os perfis valem como no admin (`nucleo.admin_base.AdminPorPerfil`): toda a equipe lê; quem
escreve é dito por `editar_se` na view (uma propriedade do usuário). As ações do fluxo conferem o
perfil de novo no serviço (`processos.acoes`); suas recusas viram HTTP em `nucleo.api_erros`.
"""

import json
from copy import copy
from typing import Any

from django.core.exceptions import NON_FIELD_ERRORS
from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.validators import ProhibitNullCharactersValidator
from django_filters import BooleanFilter
from django_filters.rest_framework import DjangoFilterBackend
from rest_framework import filters, pagination, parsers, permissions, serializers
from rest_framework.exceptions import ParseError
from rest_framework.settings import api_settings
from rest_framework.utils.json import strict_constant

from nucleo.documentos import termo_de_busca
from nucleo.permissoes import Capacidade, pode

# Nenhum pedido legítimo passa de 3 níveis; o limite fica longe disso e muito abaixo da pilha.
PROFUNDIDADE_MAXIMA_JSON = 32


class JSONAninhadoDemais(ValueError):
    def __init__(self):
        super().__init__(
            f"JSON aninhado demais: o limite é de {PROFUNDIDADE_MAXIMA_JSON} níveis de listas "
            "e objetos."
        )


def ler_json(texto: str | bytes) -> Any:
    """`json.loads` para o que vem de fora: NaN e Infinity são recusados, e um aninhamento acima
    do limite levanta `JSONAninhadoDemais` (um `ValueError`) em vez de `RecursionError`."""
    try:
        dados = json.loads(texto, parse_constant=strict_constant)
    except RecursionError:
        raise JSONAninhadoDemais() from None
    if _aninhado_demais(dados):
        raise JSONAninhadoDemais()
    return dados


def _aninhado_demais(dados: Any) -> bool:
    nivel = [dados] if isinstance(dados, dict | list) else []
    profundidade = 0
    while nivel:
        profundidade += 1
        if profundidade > PROFUNDIDADE_MAXIMA_JSON:
            return True
        nivel = [
            filho
            for item in nivel
            for filho in (item.values() if isinstance(item, dict) else item)
            if isinstance(filho, dict | list)
        ]
    return False


def _tem_nul(valor: Any) -> bool:
    if isinstance(valor, str):
        return "\x00" in valor
    if isinstance(valor, dict):
        return any(_tem_nul(chave) or _tem_nul(item) for chave, item in valor.items())
    if isinstance(valor, list):
        return any(_tem_nul(item) for item in valor)
    return False


def _recusar_nul(pares) -> None:
    """O PostgreSQL não guarda NUL em texto: um NUL em qualquer campo (ou nome de campo) do corpo
    é um 400 com o campo, antes de chegar a um serializer, a uma consulta ou ao banco."""
    mensagem = ProhibitNullCharactersValidator.message
    erros = {}
    for campo, valor in pares:
        if _tem_nul(campo):
            erros[api_settings.NON_FIELD_ERRORS_KEY] = [mensagem]
        elif _tem_nul(valor):
            erros[campo] = [mensagem]
    if erros:
        raise serializers.ValidationError(erros)


class LeitorJSON(parsers.JSONParser):
    """O corpo JSON da API: aninhamento acima do limite e texto com NUL viram 400 em pt-BR."""

    def parse(self, stream, media_type=None, parser_context=None):
        codificacao = parsers.get_encoding(parser_context or {})
        try:
            dados = ler_json(stream.read().decode(codificacao))
        except JSONAninhadoDemais as erro:
            raise ParseError(str(erro)) from None
        except json.JSONDecodeError as erro:
            raise ParseError(f"JSON inválido (linha {erro.lineno}, coluna {erro.colno}).") from None
        except ValueError:  # texto que não é da codificação, NaN, Infinity
            raise ParseError(f"JSON inválido (use {codificacao}, sem NaN nem Infinity).") from None
        if isinstance(dados, dict):
            _recusar_nul(dados.items())
        else:
            _recusar_nul([(api_settings.NON_FIELD_ERRORS_KEY, dados)])
        return dados


class LeitorFormulario(parsers.FormParser):
    def parse(self, stream, media_type=None, parser_context=None):
        dados = super().parse(stream, media_type, parser_context)
        _recusar_nul(dados.lists())
        return dados


class LeitorMultipart(parsers.MultiPartParser):
    def parse(self, stream, media_type=None, parser_context=None):
        dados_e_arquivos = super().parse(stream, media_type, parser_context)
        _recusar_nul(dados_e_arquivos.data.lists())
        return dados_e_arquivos


class PerfilPermite(permissions.BasePermission):
    message = "Seu perfil não permite esta operação."

    def has_permission(self, request, view) -> bool:
        if not pode(request.user, Capacidade.LER):
            return False
        if request.method in permissions.SAFE_METHODS:
            return True
        editar_se = getattr(view, "editar_se", None)
        return bool(editar_se) and pode(request.user, editar_se)


class Busca(filters.SearchFilter):
    """Como no admin: um CNPJ com pontuação acha o guardado sem ela."""

    def get_search_terms(self, request):
        try:
            termos = super().get_search_terms(request)
        except serializers.ValidationError as erro:
            raise serializers.ValidationError({self.search_param: erro.detail}) from None
        return [termo_de_busca(termo) for termo in termos]


class Filtros(DjangoFilterBackend):
    """Os filtros do django-filter, mas um booleano que não é true, false, 1 ou 0 é um 400: o
    django-filter o ignoraria e devolveria a lista inteira, como se o filtro não existisse."""

    def get_filterset(self, request, queryset, view):
        filterset = super().get_filterset(request, queryset, view)
        if filterset is None:
            return None
        erros = {
            nome: ["Use true ou false."]
            for nome, filtro in filterset.filters.items()
            if isinstance(filtro, BooleanFilter)
            and not all(
                valor.lower() in ("", "true", "false", "1", "0")
                for valor in request.query_params.getlist(nome)
            )
        }
        if erros:
            raise serializers.ValidationError(erros)
        return filterset


class TamanhoDaPagina:
    """`tamanho` que não é um inteiro positivo é um 400 (o DRF usaria o padrão sem avisar); acima
    do máximo, vale o máximo."""

    def get_page_size(self, request):
        valor = request.query_params.get(self.page_size_query_param, "")
        if not valor:
            return self.page_size
        try:
            tamanho = int(valor)
        except ValueError:
            tamanho = 0
        if tamanho < 1:
            raise serializers.ValidationError(
                {self.page_size_query_param: [f"Use um número de 1 a {self.max_page_size}."]}
            )
        return min(tamanho, self.max_page_size)

    def get_schema_operation_parameters(self, view):
        parametros = super().get_schema_operation_parameters(view)
        for parametro in parametros:
            if parametro["name"] == self.page_size_query_param:
                parametro["schema"]["minimum"] = 1
                parametro["description"] = f"Itens por página (até {self.max_page_size})."
        return parametros


class Paginas(TamanhoDaPagina, pagination.PageNumberPagination):
    page_size = 50
    page_query_param = "pagina"
    page_size_query_param = "tamanho"
    max_page_size = 500


class PorOrdemDeChegada(TamanhoDaPagina, pagination.CursorPagination):
    """Tabelas grandes (execuções, linhas de log): sem COUNT(*), estável enquanto chegam linhas.

    O id desempata o que foi criado no mesmo instante; o índice `(criado_em, id)` da tabela serve
    a ordem inteira."""

    page_size = 100
    page_size_query_param = "tamanho"
    max_page_size = 1000
    ordering = ("-criado_em", "-id")


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
