from django.urls import path

from notificacoes import views

urlpatterns = [
    path("contas/perfil/", views.perfil, name="notificacoes_perfil"),
    path("notificacoes/", views.caixa, name="notificacoes_caixa"),
    path("notificacoes/lidas/", views.marcar_todas_como_lidas, name="notificacoes_marcar_todas"),
    path("notificacoes/<uuid:pk>/lida/", views.marcar_como_lida, name="notificacoes_marcar_lida"),
]
