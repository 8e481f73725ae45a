"""Clientes na API REST: toda a equipe lê; só o ADMINISTRADOR cria, altera e apaga.

A senha do portal só entra (escrita): nunca sai numa resposta; `tem_senha_portal` diz se há uma.
"""

from django_filters import rest_framework as filtros
from rest_framework import serializers, viewsets

from clientes.models import CAMPOS_DO_CADASTRO, Cliente
from nucleo.api import PerfilPermite, ValidadoPeloModelo
from nucleo.permissoes import Capacidade
from operadoras.models import Operadora


class ClienteSerializer(ValidadoPeloModelo):
    operadora = serializers.SlugRelatedField(slug_field="codigo", queryset=Operadora.objects.all())
    # Aceitam o documento com pontuação; o modelo guarda só os dígitos (e letras do CNPJ de 2026).
    cnpj = serializers.CharField(max_length=20)
    cpf = serializers.CharField(max_length=14, required=False, allow_blank=True)
    senha_portal = serializers.CharField(
        write_only=True,
        required=False,
        allow_blank=True,
        style={"input_type": "password"},
        help_text="Só escrita. Vazia mantém a atual.",
    )
    tem_senha_portal = serializers.SerializerMethodField()

    class Meta:
        model = Cliente
        fields = [
            "id",
            "hash_unico",
            "operadora",
            *CAMPOS_DO_CADASTRO,
            "tem_senha_portal",
            "ativo",
            "criado_em",
            "atualizado_em",
        ]
        extra_kwargs = {"hash_unico": {"required": False, "allow_blank": True}}
        validators = []  # a unicidade é conferida pelo modelo (mensagem em pt-BR)

    def get_tem_senha_portal(self, cliente) -> bool:
        return bool(cliente.senha_portal)

    def validate(self, dados):
        if not dados.get("senha_portal"):
            dados.pop("senha_portal", None)  # vazia mantém a atual, como no admin
        return super().validate(dados)


class FiltroDeClientes(filtros.FilterSet):
    operadora = filtros.CharFilter(field_name="operadora__codigo", lookup_expr="iexact")

    class Meta:
        model = Cliente
        fields = ["operadora", "ativo"]


class ClienteViewSet(viewsets.ModelViewSet):
    """Clientes (uma conta de telecom numa operadora).

    Filtros: `operadora` (código), `ativo`; busca (`search`): razão social, CNPJ, hash.
    """

    queryset = Cliente.objects.select_related("operadora")
    serializer_class = ClienteSerializer
    permission_classes = [PerfilPermite]
    editar_se = Capacidade.CADASTRAR
    filterset_class = FiltroDeClientes
    search_fields = ["razao_social", "=cnpj", "=hash_unico"]
    ordering_fields = ["razao_social", "criado_em"]
