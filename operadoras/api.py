"""Operadoras na API REST: toda a equipe lê; só o ADMINISTRADOR cria, altera e apaga."""

from rest_framework import viewsets

from nucleo.api import PerfilPermite, ValidadoPeloModelo
from nucleo.permissoes import Capacidade
from operadoras.models import Operadora


class OperadoraSerializer(ValidadoPeloModelo):
    class Meta:
        model = Operadora
        fields = [
            "id",
            "nome",
            "codigo",
            "possui_rpa",
            "rpa_terceirizado",
            "url_endpoint_rpa",
            "jobs_simultaneos",
            "url_portal",
            "instrucoes_acesso",
            "ativo",
            "criado_em",
            "atualizado_em",
        ]
        extra_kwargs = {"codigo": {"required": False, "allow_blank": True}}


class OperadoraViewSet(viewsets.ModelViewSet):
    """Operadoras de telecom. Filtros: `ativo`, `possui_rpa`; busca (`search`): nome e código."""

    queryset = Operadora.objects.all()
    serializer_class = OperadoraSerializer
    permission_classes = [PerfilPermite]
    editar_se = Capacidade.CADASTRAR
    filterset_fields = ["ativo", "possui_rpa"]
    search_fields = ["nome", "codigo"]
    ordering_fields = ["nome", "codigo", "criado_em"]
