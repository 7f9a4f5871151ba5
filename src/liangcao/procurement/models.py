"""A minimal purchase record: what was bought from which supplier at what unit price, and the
ledger receipt that took it into stock (the portal publishes these rows)."""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from liangcao.catalog.models import Item
from liangcao.orgs.models import Site
from liangcao.stock.models import Document


class Purchase(models.Model):
    """One purchased item from a supplier site, received into a site's store."""

    supplier = models.ForeignKey(
        Site, on_delete=models.PROTECT, related_name="+", verbose_name=_("supplier")
    )
    site = models.ForeignKey(
        Site, on_delete=models.PROTECT, related_name="+", verbose_name=_("received at")
    )
    item = models.ForeignKey(Item, on_delete=models.PROTECT, related_name="+")
    quantity = models.PositiveIntegerField(_("quantity"))
    unit_price = models.DecimalField(
        _("unit price (yuan)"),
        max_digits=12,
        decimal_places=2,
        validators=[MinValueValidator(Decimal("0"))],
    )
    purchased_on = models.DateField(_("date"))
    receipt = models.OneToOneField(Document, on_delete=models.PROTECT, related_name="purchase")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    idempotency_key = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("purchase")
        verbose_name_plural = _("purchases")
        constraints = [
            models.UniqueConstraint(
                fields=["created_by", "idempotency_key"],
                condition=~Q(idempotency_key=""),
                name="purchase_unique_idempotency_key",
            ),
            models.CheckConstraint(condition=Q(quantity__gt=0), name="purchase_quantity_positive"),
            models.CheckConstraint(
                condition=Q(unit_price__gte=0), name="purchase_price_not_negative"
            ),
        ]
        indexes = [models.Index(fields=["purchased_on", "id"])]

    def __str__(self) -> str:
        return f"purchase #{self.pk}"

    @property
    def total(self) -> Decimal:
        return self.unit_price * self.quantity
