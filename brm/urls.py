from django.conf import settings
from django.contrib import admin
from django.urls import include, path
from django.views.generic import RedirectView

from contas.views import login_do_admin

urlpatterns = [
    path("", RedirectView.as_view(url="/admin/", permanent=False)),
    path("admin/login/", login_do_admin, name="login_do_admin"),
    path("admin/", admin.site.urls),
    path("contas/", include("allauth.urls")),
    path("", include("execucoes.urls")),
    path("", include("processos.urls")),
    path("api/", include("brm.api_urls")),
]

if settings.DEBUG:
    from django.conf.urls.static import static

    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)
