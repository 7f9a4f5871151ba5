"""Logistics' side of a shipment: who drives it and in what. The goods themselves are the stock
ledger's shipment document; this row only points at it (the ledger knows no vehicle)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from liangcao.stock.models import Document


class ShipmentTransport(models.Model):
    """Vehicle and driver of one shipment (plain fields until vehicles and passes land)."""

    document = models.OneToOneField(
        Document, on_delete=models.PROTECT, related_name="transport", verbose_name=_("shipment")
    )
    vehicle_plate = models.CharField(_("vehicle plate"), max_length=20, blank=True)
    driver_name = models.CharField(_("driver"), max_length=100, blank=True)
    driver_phone = models.CharField(_("driver's phone"), max_length=30, blank=True)
    note = models.CharField(_("note"), max_length=300, blank=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("shipment transport")
        verbose_name_plural = _("shipment transports")

    def __str__(self) -> str:
        return f"{self.document_id}: {self.vehicle_plate} {self.driver_name}"
