from django.urls import path

from execucoes import views

urlpatterns = [
    path("rpa/testar-conexao/", views.testar_conexao_view, name="rpa_testar_conexao"),
    path(
        "api/processos/<uuid:processo_id>/status",
        views.aviso_de_status,
        name="rpa_aviso_de_status",
    ),
]
