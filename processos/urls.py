from django.urls import path

from processos import views, views_fila

urlpatterns = [
    path("processos/aprovacao/", views_fila.fila_de_aprovacao, name="fila_de_aprovacao"),
    path("processos/<uuid:pk>/", views.detalhe, name="processo_detalhe"),
    path("processos/<uuid:pk>/resumo/", views.resumo, name="processo_resumo"),
    path("processos/<uuid:pk>/execucoes/", views.execucoes, name="processo_execucoes"),
    path("processos/<uuid:pk>/historico/", views.historico, name="processo_historico"),
    path("processos/<uuid:pk>/fatura.pdf", views.fatura, name="processo_fatura"),
    path("execucoes/<uuid:pk>/log.txt", views.log_texto, name="execucao_log"),
    path("relatorios/mensal/", views.relatorio_mensal, name="relatorio_mensal"),
]
