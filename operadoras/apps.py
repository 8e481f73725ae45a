from django.apps import AppConfig


class OperadorasConfig(AppConfig):
    name = "operadoras"
    verbose_name = "Operadoras"
