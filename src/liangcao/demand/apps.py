from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DemandConfig(AppConfig):
    name = "liangcao.demand"
    label = "demand"
    verbose_name = _("Demand lists")

    def ready(self) -> None:
        from liangcao.demand import receivers  # noqa: F401 - connects the ledger's signals
