"""Rotas da API REST (`/api/`): recursos, JWT, esquema OpenAPI e a página de documentação."""

from allauth.account.adapter import get_adapter
from django import forms
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView
from rest_framework.exceptions import AuthenticationFailed, Throttled
from rest_framework.routers import DefaultRouter
from rest_framework_simplejwt.serializers import TokenObtainPairSerializer
from rest_framework_simplejwt.views import TokenObtainPairView, TokenRefreshView

from clientes.api import ClienteViewSet
from execucoes.api import ExecucaoViewSet
from operadoras.api import OperadoraViewSet
from processos.api import ProcessoViewSet


class Credenciais(TokenObtainPairSerializer):
    """Usuário (ou e-mail) e senha, contando as tentativas erradas junto com o login da equipe
    (allauth: 5 em 5 minutos, por IP e por conta)."""

    def validate(self, attrs):
        request = self.context["request"]
        credenciais = {"username": attrs["username"], "password": attrs["password"]}
        try:
            usuario = get_adapter(request).authenticate(request, **credenciais)
        except forms.ValidationError as erro:
            raise Throttled(detail=erro.messages[0]) from None
        if usuario is None or not usuario.is_active:
            raise AuthenticationFailed(self.error_messages["no_active_account"])
        token = self.get_token(usuario)
        return {"refresh": str(token), "access": str(token.access_token)}


class ObterToken(TokenObtainPairView):
    """Usuário e senha → par de tokens JWT (acesso e renovação)."""

    serializer_class = Credenciais
    throttle_scope = "login"


class RenovarToken(TokenRefreshView):
    throttle_scope = "login"


rotas = DefaultRouter()
rotas.register("operadoras", OperadoraViewSet)
rotas.register("clientes", ClienteViewSet)
rotas.register("processos", ProcessoViewSet)
rotas.register("execucoes", ExecucaoViewSet)

urlpatterns = [
    path("token/", ObterToken.as_view(), name="api-token"),
    path("token/renovar/", RenovarToken.as_view(), name="api-token-renovar"),
    # O esquema não se descreve: `schema=None` o deixa fora das operações documentadas.
    path("esquema/", SpectacularAPIView.as_view(schema=None), name="api-esquema"),
    path("docs/", SpectacularSwaggerView.as_view(url_name="api-esquema"), name="api-docs"),
    path("", include(rotas.urls)),
]
