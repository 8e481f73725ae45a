"""Processos na API REST, com as ações do fluxo.

Cada ação chama o mesmo serviço do admin (`processos.acoes`): mesma transação, mesma regra de
perfil e de estado. Recusas viram 403 (perfil) ou 409 (estado), com a mensagem do serviço.
"""

from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from django.urls import reverse
from django_filters import rest_framework as filtros
from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound
from rest_framework.renderers import BaseRenderer, JSONRenderer
from rest_framework.response import Response

from clientes.models import Cliente
from nucleo.api import LeitorFormulario, LeitorMultipart, PerfilPermite
from nucleo.permissoes import Capacidade
from operadoras.models import Operadora
from processos import acoes
from processos.acoes import Pedido
from processos.competencia import formatar_competencia, ler_competencia
from processos.criacao import criar_processo, criar_processos_mensais
from processos.fatura import FaturaInvalida, conferir_tamanho, resposta_da_fatura
from processos.forms import CLIENTE_INATIVO
from processos.models import Origem, Processo, StatusProcesso, Transicao


class PDF(BaseRenderer):
    """Aceita `Accept: application/pdf` na fatura; um erro sai como JSON."""

    media_type = "application/pdf"
    format = "pdf"
    charset = None
    render_style = "binary"

    def render(self, data, accepted_media_type=None, renderer_context=None):
        if isinstance(data, bytes):
            return data
        if renderer_context and "response" in renderer_context:
            renderer_context["response"]["Content-Type"] = JSONRenderer.media_type
        return JSONRenderer().render(data)


@extend_schema_field({"type": "string", "pattern": r"^\d{2}/\d{4}$", "example": "03/2026"})
class CampoCompetenciaDaAPI(serializers.Field):
    """MM/AAAA na entrada e na saída; o dia 1 do mês por dentro."""

    default_error_messages = {"invalido": "Competência inválida: use MM/AAAA (ex.: 03/2026)."}

    def to_representation(self, valor) -> str:
        return formatar_competencia(valor)

    def to_internal_value(self, dado):
        try:
            return ler_competencia(str(dado))
        except DjangoValidationError as erro:
            raise serializers.ValidationError(erro.messages) from None


class ProcessoSerializer(serializers.ModelSerializer):
    cliente = serializers.PrimaryKeyRelatedField(
        queryset=Cliente.objects.select_related("operadora")
    )
    razao_social = serializers.CharField(source="cliente.razao_social", read_only=True)
    cnpj = serializers.CharField(source="cliente.cnpj_formatado", read_only=True)
    operadora = serializers.CharField(source="cliente.operadora.codigo", read_only=True)
    competencia = CampoCompetenciaDaAPI()
    status_display = serializers.CharField(source="get_status_display", read_only=True)
    aprovado_por = serializers.SlugRelatedField(
        slug_field="username", read_only=True, allow_null=True
    )
    tem_fatura = serializers.SerializerMethodField()
    fatura = serializers.SerializerMethodField(
        help_text="Endereço do PDF na API, quando há fatura."
    )

    class Meta:
        model = Processo
        fields = [
            "id",
            "cliente",
            "razao_social",
            "cnpj",
            "operadora",
            "competencia",
            "status",
            "status_display",
            "valor",
            "vencimento",
            "valor_lido_do_pdf",
            "vencimento_lido_do_pdf",
            "tem_fatura",
            "fatura",
            "fatura_sha256",
            "upload_manual",
            "criado_automaticamente",
            "aprovado_por",
            "aprovado_em",
            "enviado_sat_em",
            "observacoes",
            "criado_em",
            "atualizado_em",
        ]
        read_only_fields = [
            campo for campo in fields if campo not in ("cliente", "competencia", "observacoes")
        ]
        validators = []  # cliente + competência: conferido em `validate`, com mensagem em pt-BR

    def get_tem_fatura(self, processo) -> bool:
        return bool(processo.fatura)

    def get_fatura(self, processo) -> str | None:
        if not processo.fatura:
            return None
        caminho = reverse("processo-fatura", args=[processo.pk])
        pedido = self.context.get("request")
        return pedido.build_absolute_uri(caminho) if pedido else caminho

    def validate_cliente(self, cliente):
        if not cliente.em_atividade:
            raise serializers.ValidationError(CLIENTE_INATIVO)
        return cliente

    def validate(self, dados):
        cliente, competencia = dados.get("cliente"), dados.get("competencia")
        if (
            self.instance is None
            and Processo.objects.filter(cliente=cliente, competencia=competencia).exists()
        ):
            raise serializers.ValidationError(
                f"Já existe um processo de {cliente} na competência "
                f"{formatar_competencia(competencia)}."
            )
        return dados


class AlteracaoDeProcessoSerializer(serializers.ModelSerializer):
    """Depois de criado, só as observações mudam por edição; o resto muda pelas ações do fluxo."""

    class Meta:
        model = Processo
        fields = ["observacoes"]


class TransicaoSerializer(serializers.ModelSerializer):
    usuario = serializers.SlugRelatedField(slug_field="username", read_only=True)

    class Meta:
        model = Transicao
        fields = ["id", "de", "para", "usuario", "origem", "motivo", "criado_em"]


class AprovacaoSerializer(serializers.Serializer):
    observacao = serializers.CharField(required=False, allow_blank=True, default="")
    valor = serializers.DecimalField(
        max_digits=15, decimal_places=2, required=False, allow_null=True, default=None
    )
    vencimento = serializers.DateField(required=False, allow_null=True, default=None)


class RejeicaoSerializer(serializers.Serializer):
    motivo = serializers.CharField(
        error_messages={
            "required": "Informe o motivo da rejeição.",
            "blank": "Informe o motivo da rejeição.",
        }
    )


class UploadManualSerializer(serializers.Serializer):
    arquivo = serializers.FileField(help_text="A fatura em PDF.")
    valor = serializers.DecimalField(max_digits=15, decimal_places=2)
    vencimento = serializers.DateField()

    def validate_arquivo(self, arquivo):
        try:
            conferir_tamanho(arquivo.size)  # antes de ler: o tamanho real, contado ao receber
        except FaturaInvalida as erro:
            raise serializers.ValidationError(str(erro)) from None
        return arquivo


class CriacaoMensalSerializer(serializers.Serializer):
    competencia = CampoCompetenciaDaAPI()
    operadora = serializers.SlugRelatedField(
        slug_field="codigo",
        queryset=Operadora.objects.filter(ativo=True),
        required=False,
        allow_null=True,
        error_messages={"does_not_exist": "Operadora “{value}” não existe ou está inativa."},
    )


class FiltroDeProcessos(filtros.FilterSet):
    competencia = filtros.CharFilter(method="filtrar_competencia", help_text="MM/AAAA")
    operadora = filtros.CharFilter(field_name="cliente__operadora__codigo", lookup_expr="iexact")
    status = filtros.MultipleChoiceFilter(choices=StatusProcesso.choices)

    class Meta:
        model = Processo
        fields = ["status", "competencia", "operadora", "cliente", "upload_manual"]

    def filtrar_competencia(self, consulta, nome, valor):
        try:
            return consulta.filter(competencia=ler_competencia(valor))
        except DjangoValidationError as erro:
            raise serializers.ValidationError({"competencia": erro.messages}) from None


def _execucao(execucao):
    from execucoes.api import ExecucaoSerializer

    return ExecucaoSerializer(execucao).data


class ProcessoViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    viewsets.GenericViewSet,
):
    """Processos (a fatura de um cliente num mês) e as ações do fluxo.

    Filtros: `status` (pode repetir), `competencia` (MM/AAAA), `operadora` (código), `cliente`,
    `upload_manual`; busca (`search`): razão social, CNPJ, hash do cliente.
    """

    queryset = Processo.objects.select_related("cliente__operadora", "aprovado_por")
    serializer_class = ProcessoSerializer
    permission_classes = [PerfilPermite]
    editar_se = Capacidade.OPERAR  # as ações conferem o perfil de cada uma no serviço
    filterset_class = FiltroDeProcessos
    search_fields = ["cliente__razao_social", "=cliente__cnpj", "=cliente__hash_unico"]
    ordering_fields = ["competencia", "criado_em", "vencimento", "valor"]
    ordering = ["-competencia", "cliente__razao_social"]

    def get_serializer_class(self):
        if self.action in ("update", "partial_update"):
            return AlteracaoDeProcessoSerializer
        return super().get_serializer_class()

    def _pedido(self) -> Pedido:
        return Pedido.do_request(self.request, Origem.API)

    def perform_create(self, serializer):
        dados = serializer.validated_data
        serializer.instance = criar_processo(
            cliente=dados["cliente"],
            competencia=dados["competencia"],
            usuario=self.request.user,
            origem=Origem.API,
            observacoes=dados.get("observacoes", ""),
        )

    def _processo_atualizado(self, processo, codigo=status.HTTP_200_OK) -> Response:
        atual = self.get_queryset().get(pk=processo.pk)
        contexto = self.get_serializer_context()
        return Response(ProcessoSerializer(atual, context=contexto).data, status=codigo)

    def _dados(self, serializer_class):
        serializer = serializer_class(data=self.request.data)
        serializer.is_valid(raise_exception=True)
        return serializer.validated_data

    @extend_schema(request=None, responses={202: dict})
    @action(detail=True, methods=["post"], url_path="executar-download")
    def executar_download(self, request, pk=None):
        """Pede o download da fatura ao robô (o worker despacha)."""
        execucao = acoes.executar_download(self.get_object(), self._pedido())
        return Response(_execucao(execucao), status=status.HTTP_202_ACCEPTED)

    @extend_schema(request=None, responses={202: dict})
    @action(detail=True, methods=["post"], url_path="enviar-ao-sat")
    def enviar_ao_sat(self, request, pk=None):
        """Pede ao robô o registro da fatura aprovada no SAT."""
        execucao = acoes.enviar_ao_sat(self.get_object(), self._pedido())
        return Response(_execucao(execucao), status=status.HTTP_202_ACCEPTED)

    @extend_schema(request=None, responses={202: dict})
    @action(detail=True, methods=["post"], url_path="executar-novamente")
    def executar_novamente(self, request, pk=None):
        """Uma nova execução do tipo certo para o status atual (recusada se algo já roda)."""
        execucao = acoes.executar_novamente(self.get_object(), self._pedido())
        return Response(_execucao(execucao), status=status.HTTP_202_ACCEPTED)

    @extend_schema(request=None, responses={200: dict})
    @action(detail=True, methods=["post"], url_path="tentar-agora")
    def tentar_agora(self, request, pk=None):
        """A nova tentativa que espera a sua hora vai para o robô agora (409 se nada espera)."""
        execucao = acoes.tentar_agora(self.get_object(), self._pedido())
        return Response(_execucao(execucao))

    @extend_schema(request=AprovacaoSerializer, responses=ProcessoSerializer)
    @action(detail=True, methods=["post"])
    def aprovar(self, request, pk=None):
        """Aprova a fatura (vencimento obrigatório; valor e vencimento podem ser corrigidos)."""
        acoes.exigir_aprovador(request.user, "aprovam")
        dados = self._dados(AprovacaoSerializer)
        processo = acoes.aprovar(self.get_object(), self._pedido(), **dados)
        return self._processo_atualizado(processo)

    @extend_schema(request=RejeicaoSerializer, responses=ProcessoSerializer)
    @action(detail=True, methods=["post"])
    def rejeitar(self, request, pk=None):
        """Rejeita a fatura com o motivo; o processo volta a aguardar download."""
        acoes.exigir_aprovador(request.user, "rejeitam")
        dados = self._dados(RejeicaoSerializer)
        processo = acoes.rejeitar(self.get_object(), self._pedido(), motivo=dados["motivo"])
        return self._processo_atualizado(processo)

    @extend_schema(request=UploadManualSerializer, responses=ProcessoSerializer)
    @action(
        detail=True,
        methods=["post"],
        url_path="upload-manual",
        parser_classes=[LeitorMultipart, LeitorFormulario],
    )
    def upload_manual(self, request, pk=None):
        """Envia a fatura em PDF à mão (multipart: `arquivo`, `valor`, `vencimento`)."""
        dados = self._dados(UploadManualSerializer)
        processo = self.get_object()
        acoes.upload_manual(
            processo,
            self._pedido(),
            conteudo=dados["arquivo"].read(),
            valor=dados["valor"],
            vencimento=dados["vencimento"],
        )
        return self._processo_atualizado(processo)

    @extend_schema(request=None, responses={(200, "application/pdf"): bytes})
    @action(detail=True, methods=["get"], renderer_classes=[JSONRenderer, PDF])
    def fatura(self, request, pk=None):
        """O PDF da fatura."""
        try:
            return resposta_da_fatura(self.get_object())
        except Http404 as erro:
            raise NotFound(str(erro)) from None

    @extend_schema(request=None, responses=TransicaoSerializer(many=True))
    @action(detail=True, methods=["get"], pagination_class=None)
    def historico(self, request, pk=None):
        """As mudanças de status do processo, da mais recente à mais antiga."""
        transicoes = self.get_object().transicoes.select_related("usuario")
        return Response(TransicaoSerializer(transicoes, many=True).data)

    @extend_schema(request=CriacaoMensalSerializer, responses={200: dict})
    @action(
        detail=False,
        methods=["post"],
        url_path="criar-mensais",
    )
    def criar_mensais(self, request):
        """Cria os processos do mês (idempotente): um por cliente ativo de operadora ativa."""
        dados = self._dados(CriacaoMensalSerializer)
        resultado = criar_processos_mensais(
            competencia=dados["competencia"],
            operadora=dados.get("operadora"),
            usuario=request.user,
            origem=Origem.API,
        )
        return Response(
            {
                "competencia": formatar_competencia(dados["competencia"]),
                "criados": resultado.criados,
                "ja_existiam": resultado.existentes,
            }
        )
