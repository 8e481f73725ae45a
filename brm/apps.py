from django.apps import AppConfig
from django.contrib.admin import apps as apps_do_admin


class BrmConfig(AppConfig):
    default = True
    name = "brm"
    verbose_name = "BRM RPA"


class AdminBRMConfig(apps_do_admin.AdminConfig):
    """O admin do Django com o site da BRM (a página inicial é o painel)."""

    default = False
    default_site = "brm.admin_site.SiteBRM"
