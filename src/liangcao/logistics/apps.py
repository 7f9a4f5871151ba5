from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class LogisticsConfig(AppConfig):
    name = "liangcao.logistics"
    label = "logistics"
    verbose_name = _("Logistics")

    def ready(self) -> None:
        # A dispatch through the ledger (its API included) records the transport in the same
        # transaction: the ledger owns the hook, logistics fills it (stock imports no logistics).
        from liangcao.logistics.services import shipment_transport_record_step
        from liangcao.stock.services import transport_recorder_register

        transport_recorder_register(shipment_transport_record_step)
