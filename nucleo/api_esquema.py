"""O esquema OpenAPI da API (`/api/esquema/`): além do que o drf-spectacular deduz, todo código
de erro que cada operação pode responder.

Fica fora de `nucleo.api` porque o `rest_framework.views` importa `nucleo.api` (as classes que
leem o corpo) e o drf-spectacular importa as views do DRF: juntos, a importação seria circular."""

from drf_spectacular.openapi import AutoSchema
from drf_spectacular.utils import OpenApiResponse
from rest_framework import permissions, serializers


class ErroSerializer(serializers.Serializer):
    detail = serializers.CharField(help_text="O motivo, em pt-BR.")


ERROS_DE_VALIDACAO = {
    "type": "object",
    "description": "Cada campo com a lista das suas mensagens (`non_field_errors` para o pedido "
    "como um todo); `detail` quando o corpo não pôde ser lido.",
    "additionalProperties": {},
}


class EsquemaDaAPI(AutoSchema):
    """O esquema declara todo código que a operação pode responder, não só o de sucesso."""

    def get_operation(self, path, path_regex, path_prefix, method, registry):
        operacao = super().get_operation(path, path_regex, path_prefix, method, registry)
        if operacao is None:
            return None
        for codigo, descricao in self._erros_possiveis(operacao):
            corpo = ERROS_DE_VALIDACAO if codigo == "400" else ErroSerializer
            operacao["responses"].setdefault(
                codigo,
                self._get_response_for_code(OpenApiResponse(corpo, descricao), codigo),
            )
        return operacao

    def _erros_possiveis(self, operacao):
        parametros = operacao.get("parameters", [])
        lugares = {parametro["in"] for parametro in parametros}
        nomes = {parametro["name"] for parametro in parametros}
        tem_corpo = "requestBody" in operacao
        com_perfil = bool(self.view.get_permissions())
        if tem_corpo or "query" in lugares:
            yield "400", "Dado inválido."
        yield "401", "Sem credencial, ou credencial inválida ou vencida."
        if com_perfil:
            yield "403", "O perfil não permite."
        if "path" in lugares or nomes & {"pagina", "cursor", "format"}:
            yield "404", "Não encontrado (ou página que não existe)."
        if com_perfil and self.method not in permissions.SAFE_METHODS:
            yield "409", "O estado do registro não permite, ou conflito com outro gravado."
        if tem_corpo:
            yield "415", "Tipo de conteúdo não aceito."
        if getattr(self.view, "throttle_scope", None):
            yield "429", "Muitas tentativas; espere um pouco."
