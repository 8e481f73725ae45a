"""Rotas da API REST (`/api/`): recursos, JWT, esquema OpenAPI e a página de documentação."""

from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView
from rest_framework.routers import DefaultRouter
from rest_framework_simplejwt.views import TokenObtainPairView, TokenRefreshView

from clientes.api import ClienteViewSet
from execucoes.api import ExecucaoViewSet
from operadoras.api import OperadoraViewSet
from processos.api import ProcessoViewSet


class ObterToken(TokenObtainPairView):
    """Usuário e senha → par de tokens JWT (acesso e renovação). Limitado por IP."""

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
    path("esquema/", SpectacularAPIView.as_view(), name="api-esquema"),
    path("docs/", SpectacularSwaggerView.as_view(url_name="api-esquema"), name="api-docs"),
    path("", include(rotas.urls)),
]
