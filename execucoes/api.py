"""Execuções do robô e suas linhas de log na API REST: toda a equipe lê e pode cancelar uma
execução presa (o mesmo serviço do admin, `processos.acoes.cancelar_execucao`)."""

from django_filters import rest_framework as filtros
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from execucoes.models import Execucao, LogExecucao, StatusExecucao, TipoExecucao
from nucleo.api import PerfilPermite, PorOrdemDeChegada
from nucleo.permissoes import Capacidade
from processos import acoes
from processos.acoes import Pedido
from processos.models import Origem

LINHAS_POR_PEDIDO = 1000


class ExecucaoSerializer(serializers.ModelSerializer):
    status_display = serializers.CharField(source="get_status_display", read_only=True)
    tipo_display = serializers.CharField(source="get_tipo_display", read_only=True)
    executado_por = serializers.SlugRelatedField(
        slug_field="username", read_only=True, allow_null=True
    )
    cancelada_por = serializers.SlugRelatedField(
        slug_field="username", read_only=True, allow_null=True
    )

    class Meta:
        model = Execucao
        fields = [
            "id",
            "processo",
            "tipo",
            "tipo_display",
            "status",
            "status_display",
            "job_id",
            "numero_tentativa",
            "progresso",
            "parametros_entrada",
            "resultado",
            "erro",
            "iniciada_em",
            "finalizada_em",
            "executar_apos",
            "executado_por",
            "cancelada_por",
            "criado_em",
        ]
        read_only_fields = fields


class CancelamentoSerializer(serializers.Serializer):
    motivo = serializers.CharField(
        error_messages={
            "required": "Informe o motivo do cancelamento.",
            "blank": "Informe o motivo do cancelamento.",
        }
    )


class LinhaDeLogSerializer(serializers.ModelSerializer):
    class Meta:
        model = LogExecucao
        fields = ["id", "nivel", "mensagem", "momento", "recebido_em"]


class FiltroDeExecucoes(filtros.FilterSet):
    status = filtros.MultipleChoiceFilter(choices=StatusExecucao.choices)
    tipo = filtros.ChoiceFilter(choices=TipoExecucao.choices)

    class Meta:
        model = Execucao
        fields = ["processo", "status", "tipo", "job_id"]


class ExecucaoViewSet(viewsets.ReadOnlyModelViewSet):
    """Execuções do robô, da mais recente à mais antiga.

    Filtros: `processo`, `status` (pode repetir), `tipo`, `job_id`.
    """

    queryset = Execucao.objects.select_related("executado_por", "cancelada_por")
    serializer_class = ExecucaoSerializer
    permission_classes = [PerfilPermite]
    editar_se = Capacidade.OPERAR  # a única escrita é cancelar; o serviço confere o perfil de novo
    pagination_class = PorOrdemDeChegada
    filterset_class = FiltroDeExecucoes
    filter_backends = [DjangoFilterBackend]  # a ordem é a do cursor (mais recentes primeiro)

    @extend_schema(
        parameters=[
            OpenApiParameter(
                "desde", int, description="Só linhas com id maior que este (para continuar)."
            )
        ],
        responses=LinhaDeLogSerializer(many=True),
    )
    @action(detail=True, methods=["get"], pagination_class=None)
    def logs(self, request, pk=None):
        """As linhas de log da execução, na ordem; até 1.000 por pedido — continue com `desde`."""
        execucao = self.get_object()
        try:
            desde = max(0, int(request.query_params.get("desde") or 0))
        except ValueError:
            raise serializers.ValidationError(
                {"desde": "Use o id de uma linha (número)."}
            ) from None
        linhas = execucao.logs.filter(id__gt=desde).order_by("id")[:LINHAS_POR_PEDIDO]
        return Response(LinhaDeLogSerializer(linhas, many=True).data)

    @extend_schema(request=CancelamentoSerializer, responses=ExecucaoSerializer)
    @action(detail=True, methods=["post"])
    def cancelar(self, request, pk=None):
        """Cancela uma execução PENDENTE ou EXECUTANDO (presa), com o motivo; o processo pode
        então ser executado de novo. 409 se ela já terminou."""
        execucao = self.get_object()
        dados = CancelamentoSerializer(data=request.data)
        dados.is_valid(raise_exception=True)
        pedido = Pedido.do_request(request, Origem.API)
        acoes.cancelar_execucao(execucao, pedido, motivo=dados.validated_data["motivo"])
        atual = self.get_queryset().get(pk=execucao.pk)
        return Response(ExecucaoSerializer(atual).data)
