from django.contrib import admin
from django.urls import include, path
from django.views.generic import RedirectView

from brm import metricas, saude
from brm.views import favicon
from contas.views import login_do_admin

handler403 = "nucleo.api_erros.acesso_negado"
handler404 = "nucleo.api_erros.pagina_nao_encontrada"

urlpatterns = [
    path("", RedirectView.as_view(url="/admin/", permanent=False)),
    path("favicon.ico", favicon),
    path("healthz", saude.healthz, name="healthz"),
    path("readyz", saude.readyz, name="readyz"),
    path("metrics", metricas.metrics, name="metrics"),
    path("admin/login/", login_do_admin, name="login_do_admin"),
    path("admin/", admin.site.urls),
    path("", include("notificacoes.urls")),  # /contas/perfil/ antes das páginas do allauth
    path("contas/", include("allauth.urls")),
    path("", include("execucoes.urls")),
    path("", include("processos.urls")),
    path("api/", include("brm.api_urls")),
]
# MEDIA_ROOT (as faturas) nunca é servido direto, nem em DEBUG: uma fatura só sai pela página do
# processo (`/processos/<id>/fatura.pdf`) e pela API, que exigem login da equipe.
