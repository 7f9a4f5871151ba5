from django.apps import AppConfig


class MasterdataConfig(AppConfig):
    name = "liangcao.masterdata"
    verbose_name = "Master data"
