from django.apps import AppConfig


class BrmConfig(AppConfig):
    name = "brm"
    verbose_name = "BRM RPA"
