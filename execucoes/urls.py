from django.urls import path

from execucoes import logs_tempo_real, streams, views

LOGS = "api/v2/logs-tempo-real/"

urlpatterns = [
    path("rpa/testar-conexao/", views.testar_conexao_view, name="rpa_testar_conexao"),
    path(
        "api/processos/<uuid:processo_id>/status",
        views.aviso_de_status,
        name="rpa_aviso_de_status",
    ),
    # Os dois streams de logs ao vivo (sob o gunicorn, servidos por execucoes.asgi_streams).
    path("processos/<uuid:pk>/eventos", streams.eventos_do_processo, name="processo_eventos"),
    path(LOGS + "stream/<str:job_id>", streams.stream_do_job, name="logs_stream"),
    path(
        LOGS + "atualizar-status/<str:job_id>",
        logs_tempo_real.atualizar_status,
        name="logs_atualizar_status",
    ),
    path(LOGS + "status-job/<str:job_id>", logs_tempo_real.status_job, name="logs_status_job"),
    path(LOGS + "teste-conexao", logs_tempo_real.teste_conexao, name="logs_teste_conexao"),
]
