"""Items and kits (standard boxes). Quantities elsewhere are integers in an item's issue unit."""

from __future__ import annotations

from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from liangcao.orgs.models import BilingualName, code_validator


class Category(models.TextChoices):
    """Supply tiers as in the model plans: tier 1 kept 14–20 days, tier 2 7–10 days, tier 3 on
    demand; plus daily necessities, medicine and equipment."""

    TIER1 = "tier1", _("Protective supplies, tier 1")
    TIER2 = "tier2", _("Protective supplies, tier 2")
    TIER3 = "tier3", _("Protective supplies, tier 3")
    DAILY = "daily", _("Daily necessity")
    MEDICINE = "medicine", _("Medicine")
    EQUIPMENT = "equipment", _("Equipment")


class Unit(models.TextChoices):
    PIECE = "piece", _("piece")
    PAIR = "pair", _("pair")
    BOX = "box", _("box")
    BOTTLE = "bottle", _("bottle")
    BAG = "bag", _("bag")
    SET = "set", _("set")
    ROLL = "roll", _("roll")
    KG = "kg", _("kg")
    LITRE = "litre", _("litre")
    DOSE = "dose", _("dose")


class Item(BilingualName):
    """A stock-keeping item; its issue unit is the unit of every ledger quantity."""

    code = models.CharField(_("code"), max_length=40, unique=True, validators=[code_validator])
    category = models.CharField(_("category"), max_length=20, choices=Category.choices)
    unit = models.CharField(_("issue unit"), max_length=20, choices=Unit.choices)
    pack_sizes = models.JSONField(
        _("pack sizes"),
        default=list,
        blank=True,
        help_text=_("Issue units per pack, e.g. [50, 2000] for a box and a carton."),
    )
    lot_tracked = models.BooleanField(_("lot tracked"), default=False)
    expiry_tracked = models.BooleanField(_("expiry tracked"), default=False)
    shelf_life_days = models.PositiveIntegerField(_("shelf life (days)"), null=True, blank=True)
    max_line_quantity = models.PositiveIntegerField(
        _("largest quantity per line"),
        null=True,
        blank=True,
        help_text=_("Empty: the project's default limit (LEDGER_MAX_LINE_QUANTITY)."),
    )
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("item")
        verbose_name_plural = _("items")
        ordering = ["code"]
        indexes = [models.Index(fields=["category", "code"])]
        constraints = [
            # An item whose expiry is tracked must be tracked by lot: expiry lives on the lot.
            models.CheckConstraint(
                condition=Q(expiry_tracked=False) | Q(lot_tracked=True),
                name="item_expiry_needs_lots",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.code})"


class KitKind(models.TextChoices):
    STANDARD_BOX = "standard_box", _("Standard box")
    KIT = "kit", _("Kit")


class Kit(BilingualName):
    """A bill of items packed and issued together (a household standard box, a PPE kit)."""

    code = models.CharField(_("code"), max_length=40, unique=True, validators=[code_validator])
    kind = models.CharField(_("kind"), max_length=20, choices=KitKind.choices)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("kit / standard box")
        verbose_name_plural = _("kits / standard boxes")
        ordering = ["code"]

    def __str__(self) -> str:
        return f"{self.name} ({self.code})"


class KitLine(models.Model):
    """One item and its quantity (issue units) in a kit."""

    kit = models.ForeignKey(Kit, on_delete=models.CASCADE, related_name="lines")
    item = models.ForeignKey(Item, on_delete=models.PROTECT, related_name="kit_lines")
    quantity = models.PositiveIntegerField(_("quantity"), validators=[MinValueValidator(1)])

    class Meta:
        verbose_name = _("kit line")
        verbose_name_plural = _("kit lines")
        ordering = ["kit", "item__code"]
        constraints = [
            models.UniqueConstraint(fields=["kit", "item"], name="kitline_unique_item"),
            models.CheckConstraint(condition=Q(quantity__gte=1), name="kitline_quantity_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.kit_id}: {self.item_id} × {self.quantity}"
