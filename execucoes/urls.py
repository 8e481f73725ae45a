from django.urls import path

from execucoes import views

urlpatterns = [
    path("rpa/testar-conexao/", views.testar_conexao_view, name="rpa_testar_conexao"),
]
