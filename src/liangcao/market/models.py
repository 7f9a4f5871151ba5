"""Market price monitoring: sample stores, price baselines of essentials, daily price reports
and the alerts they raise."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from liangcao.catalog.models import Item
from liangcao.orgs.models import BilingualName, Node, code_validator


class SampleStore(BilingualName):
    """A shop or market stall whose prices are sampled, in an area of the tree."""

    code = models.CharField(_("code"), max_length=40, unique=True, validators=[code_validator])
    node = models.ForeignKey(Node, on_delete=models.PROTECT, related_name="+")
    address = models.CharField(_("address"), max_length=300, blank=True)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("sample store")
        verbose_name_plural = _("sample stores")
        ordering = ["code"]

    def __str__(self) -> str:
        return f"{self.name} ({self.code})"


class PriceBaseline(models.Model):
    """The normal price of an essential (yuan per issue unit) alerts are measured against."""

    item = models.OneToOneField(Item, on_delete=models.CASCADE, related_name="+")
    price = models.DecimalField(_("baseline price"), max_digits=10, decimal_places=2)

    class Meta:
        verbose_name = _("price baseline")
        verbose_name_plural = _("price baselines")
        ordering = ["item__code"]
        constraints = [
            models.CheckConstraint(condition=Q(price__gt=0), name="pricebaseline_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.item_id}: {self.price}"


class PriceReport(models.Model):
    """One store's price of one item on one day (a later report the same day replaces it)."""

    store = models.ForeignKey(SampleStore, on_delete=models.PROTECT, related_name="prices")
    item = models.ForeignKey(Item, on_delete=models.PROTECT, related_name="+")
    day = models.DateField(_("day"))
    price = models.DecimalField(_("price"), max_digits=10, decimal_places=2)
    reported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    reported_at = models.DateTimeField(_("reported"))

    class Meta:
        verbose_name = _("price report")
        verbose_name_plural = _("price reports")
        ordering = ["-day", "store__code", "item__code"]
        indexes = [models.Index(fields=["item", "day"])]
        constraints = [
            models.UniqueConstraint(fields=["store", "item", "day"], name="pricereport_unique"),
            models.CheckConstraint(condition=Q(price__gt=0), name="pricereport_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.store_id} {self.item_id} {self.day}: {self.price}"


class AlertKind(models.TextChoices):
    ABOVE_BASELINE = "above_baseline", _("Above baseline")
    DAY_JUMP = "day_jump", _("Jump over the previous day")


class PriceAlert(models.Model):
    """A price that rose above its baseline, or jumped over the day before, by more than the
    configured share (`MARKET_BASELINE_ALERT_SHARE`, `MARKET_JUMP_ALERT_SHARE`)."""

    report = models.ForeignKey(PriceReport, on_delete=models.CASCADE, related_name="alerts")
    kind = models.CharField(_("kind"), max_length=20, choices=AlertKind.choices)
    reference = models.DecimalField(_("compared with"), max_digits=10, decimal_places=2)
    rise = models.DecimalField(_("rise (share)"), max_digits=8, decimal_places=4)

    class Meta:
        verbose_name = _("price alert")
        verbose_name_plural = _("price alerts")
        ordering = ["-report__day", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["report", "kind"], name="pricealert_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.report_id} {self.kind} {self.rise}"
