from django.apps import AppConfig


class ExecucoesConfig(AppConfig):
    name = "execucoes"
    verbose_name = "Execuções do robô"
