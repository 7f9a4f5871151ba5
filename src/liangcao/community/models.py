"""The last 100 metres: households, ordering rules, orders, group buys, door runs, handovers.

Households carry personal data (address inside the compound, contact, health flags): only the
community's grid workers and commanders in scope read it, and every read is logged
(`HouseholdRead`). Orders reference households; lists shown to other roles name the household
by its code only. Standard boxes leave the community point through the ledger
(`stock.services.issue_post` to the household's location), so a box is traceable to the door.
"""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from liangcao.catalog.models import Item, Kit
from liangcao.orgs.models import Node, Site
from liangcao.stock.models import Document


class Household(models.Model):
    """One household of a residential compound (an orgs Node of the compound kind)."""

    compound = models.ForeignKey(Node, on_delete=models.PROTECT, related_name="households")
    code = models.CharField(
        _("household code"), max_length=12, help_text=_("Printed on the door notice.")
    )
    building = models.CharField(_("building"), max_length=20)
    unit = models.CharField(_("unit"), max_length=20, blank=True)
    room = models.CharField(_("room"), max_length=20)
    head_count = models.PositiveSmallIntegerField(
        _("head count"), default=1, validators=[MinValueValidator(1)]
    )
    contact_name = models.CharField(_("contact name"), max_length=60, blank=True)
    phone = models.CharField(_("phone"), max_length=30, blank=True)
    elderly_alone = models.BooleanField(_("elderly living alone"), default=False)
    disabled = models.BooleanField(_("disabled"), default=False)
    pregnant = models.BooleanField(_("pregnant"), default=False)
    infant = models.BooleanField(_("infant"), default=False)
    chronic_medicine = models.BooleanField(_("chronic illness needing medicine"), default=False)
    dialysis = models.BooleanField(_("dialysis"), default=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("household")
        verbose_name_plural = _("households")
        ordering = ["compound", "building", "unit", "room"]
        constraints = [
            models.UniqueConstraint(fields=["compound", "code"], name="household_unique_code"),
            models.UniqueConstraint(
                fields=["compound", "building", "unit", "room"], name="household_unique_address"
            ),
            models.CheckConstraint(condition=Q(head_count__gte=1), name="household_heads_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.compound_id}/{self.code}"

    @property
    def address(self) -> str:
        parts = [self.building, self.unit, self.room]
        return "-".join(p for p in parts if p)

    @property
    def ledger_party(self) -> str:
        """The household's identity in the ledger (location key `household:<party>`)."""
        return f"hh-{self.pk}"


class HouseholdRead(models.Model):
    """One read of one household's personal data: who, when, through what."""

    household = models.ForeignKey(Household, on_delete=models.CASCADE, related_name="reads")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    via = models.CharField(_("via"), max_length=40)
    at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        verbose_name = _("household read")
        verbose_name_plural = _("household reads")
        ordering = ["-at"]

    def __str__(self) -> str:
        return f"{self.household_id} by {self.user_id} ({self.via})"


class OrderingRule(models.Model):
    """How households may order at one response level (the active rule applies city-wide)."""

    level = models.CharField(_("response level"), max_length=20, unique=True)
    interval_days = models.PositiveSmallIntegerField(
        _("days between orders"), default=3, validators=[MinValueValidator(1)]
    )
    visit_interval_days = models.PositiveSmallIntegerField(
        _("days between visits to special populations"),
        default=3,
        validators=[MinValueValidator(1)],
    )
    is_active = models.BooleanField(_("active"), default=False)

    class Meta:
        verbose_name = _("ordering rule")
        verbose_name_plural = _("ordering rules")
        constraints = [
            models.UniqueConstraint(
                fields=["is_active"], condition=Q(is_active=True), name="one_active_ordering_rule"
            )
        ]

    def __str__(self) -> str:
        return self.level


class ItemRule(models.Model):
    """Under scarcity: at most `quota` per household order, and a price cap (fen)."""

    rule = models.ForeignKey(OrderingRule, on_delete=models.CASCADE, related_name="items")
    item = models.ForeignKey(Item, on_delete=models.PROTECT, related_name="+")
    quota = models.PositiveIntegerField(_("quota per order"), null=True, blank=True)
    price_cap = models.PositiveIntegerField(_("price cap (fen)"), null=True, blank=True)

    class Meta:
        verbose_name = _("item rule")
        verbose_name_plural = _("item rules")
        constraints = [models.UniqueConstraint(fields=["rule", "item"], name="itemrule_unique")]

    def __str__(self) -> str:
        return f"{self.rule_id}/{self.item_id}"


class Offer(models.Model):
    """What households can order: a paid item (price in fen) or a free standard box (a kit)."""

    item = models.ForeignKey(Item, on_delete=models.PROTECT, null=True, blank=True)
    kit = models.ForeignKey(Kit, on_delete=models.PROTECT, null=True, blank=True)
    price = models.PositiveIntegerField(_("price (fen)"), default=0)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("offer")
        verbose_name_plural = _("offers")
        constraints = [
            models.CheckConstraint(
                condition=(Q(item__isnull=False, kit__isnull=True, price__gt=0))
                | Q(item__isnull=True, kit__isnull=False, price=0),
                name="offer_item_paid_or_kit_free",
            )
        ]

    def __str__(self) -> str:
        return self.code

    @property
    def code(self) -> str:
        return self.kit.code if self.kit else self.item.code if self.item else ""

    @property
    def name(self) -> str:
        target = self.kit or self.item
        return target.name if target else ""


class GroupBuy(models.Model):
    """A compound's group buy, led by one household; its orders are aggregated per offer."""

    compound = models.ForeignKey(Node, on_delete=models.PROTECT, related_name="group_buys")
    leader = models.ForeignKey(Household, on_delete=models.PROTECT, related_name="+")
    title = models.CharField(_("title"), max_length=80)
    is_open = models.BooleanField(_("open"), default=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("group buy")
        verbose_name_plural = _("group buys")

    def __str__(self) -> str:
        return self.title


class SupplierKind(models.TextChoices):
    SHOP = "shop", _("Small shop")
    ECOMMERCE = "ecommerce", _("E-commerce platform")
    HYPERMARKET = "hypermarket", _("Hypermarket")


class Supplier(models.Model):
    """One of the "200+6+11" fulfilling household orders: its site (where it is), daily
    capacity in orders and service radius."""

    site = models.OneToOneField(Site, on_delete=models.PROTECT, related_name="fulfilment")
    kind = models.CharField(_("kind"), max_length=20, choices=SupplierKind.choices)
    daily_capacity = models.PositiveIntegerField(_("daily capacity (orders)"))
    radius_km = models.FloatField(_("service radius (km)"))
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("fulfilling supplier")
        verbose_name_plural = _("fulfilling suppliers")

    def __str__(self) -> str:
        return f"{self.site_id} ({self.kind})"


class SupplierState(models.TextChoices):
    ASSIGNED = "assigned", _("Assigned")
    ACCEPTED = "accepted", _("Accepted")
    PICKED = "picked", _("Picked")
    HANDED_OVER = "handed_over", _("Handed over to the community point")


class OrderState(models.TextChoices):
    PLACED = "placed", _("Placed")
    BATCHED = "batched", _("On a door run")
    DELIVERED = "delivered", _("Delivered")
    CANCELLED = "cancelled", _("Cancelled")


class OrderOrigin(models.TextChoices):
    RESIDENT = "resident", _("Resident (QR code)")
    GRID_WORKER = "grid_worker", _("Grid worker")


class DoorRun(models.Model):
    """Orders batched to a community point, carried door to door by a volunteer."""

    point = models.ForeignKey(Site, on_delete=models.PROTECT, related_name="door_runs")
    volunteer = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("door run")
        verbose_name_plural = _("door runs")

    def __str__(self) -> str:
        return f"run {self.pk}"


class Order(models.Model):
    """One household order; `confirm_code` is what the household tells the volunteer."""

    household = models.ForeignKey(Household, on_delete=models.PROTECT, related_name="orders")
    compound = models.ForeignKey(Node, on_delete=models.PROTECT, related_name="+")
    origin = models.CharField(_("origin"), max_length=20, choices=OrderOrigin.choices)
    state = models.CharField(
        _("state"), max_length=20, choices=OrderState.choices, default=OrderState.PLACED
    )
    group_buy = models.ForeignKey(
        GroupBuy, on_delete=models.PROTECT, null=True, blank=True, related_name="orders"
    )
    door_run = models.ForeignKey(
        DoorRun, on_delete=models.PROTECT, null=True, blank=True, related_name="orders"
    )
    supplier = models.ForeignKey(
        Supplier, on_delete=models.PROTECT, null=True, blank=True, related_name="orders"
    )
    supplier_state = models.CharField(
        _("supplier state"), max_length=20, choices=SupplierState.choices, blank=True
    )
    total = models.PositiveIntegerField(_("total (fen)"), default=0)
    confirm_code = models.CharField(_("confirmation code"), max_length=8)
    entered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(db_index=True)
    delivered_at = models.DateTimeField(null=True, blank=True)
    escalated_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("household order")
        verbose_name_plural = _("household orders")
        indexes = [
            models.Index(fields=["household", "-created_at"]),
            models.Index(fields=["compound", "state"]),
        ]

    def __str__(self) -> str:
        return f"order {self.pk}"


class OrderLine(models.Model):
    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="lines")
    offer = models.ForeignKey(Offer, on_delete=models.PROTECT, related_name="+")
    quantity = models.PositiveIntegerField(_("quantity"), validators=[MinValueValidator(1)])
    price = models.PositiveIntegerField(_("unit price (fen)"), default=0)

    class Meta:
        verbose_name = _("order line")
        verbose_name_plural = _("order lines")
        constraints = [
            models.CheckConstraint(condition=Q(quantity__gte=1), name="orderline_quantity_pos"),
            models.UniqueConstraint(fields=["order", "offer"], name="orderline_unique_offer"),
        ]

    def __str__(self) -> str:
        return f"{self.order_id}: {self.offer_id} × {self.quantity}"


class Handover(models.Model):
    """The door handover of one order, confirmed by the household's code. `client_id` is made
    by the volunteer's phone, so a confirmation queued offline and synced twice counts once."""

    order = models.OneToOneField(Order, on_delete=models.PROTECT, related_name="handover")
    client_id = models.UUIDField(unique=True)
    volunteer = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    confirmed_at = models.DateTimeField(_("confirmed at (on the phone)"))
    recorded_at = models.DateTimeField(auto_now_add=True)
    document = models.ForeignKey(
        Document, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        verbose_name = _("handover")
        verbose_name_plural = _("handovers")

    def __str__(self) -> str:
        return f"handover of {self.order_id}"


class Escalation(models.Model):
    """An overdue order reported to the commander of its street."""

    order = models.OneToOneField(Order, on_delete=models.PROTECT, related_name="escalation")
    street = models.ForeignKey(Node, on_delete=models.PROTECT, related_name="+")
    age_hours = models.PositiveIntegerField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("escalation")
        verbose_name_plural = _("escalations")

    def __str__(self) -> str:
        return f"escalation of {self.order_id}"


class Health(models.TextChoices):
    WELL = "well", _("Well")
    UNWELL = "unwell", _("Unwell")
    URGENT = "urgent", _("Needs a doctor now")


class CareVisit(models.Model):
    """A grid worker's visit to a household of a special population (elderly living alone,
    disabled, pregnant, infant, chronic illness, dialysis), with the short checklist."""

    household = models.ForeignKey(Household, on_delete=models.PROTECT, related_name="visits")
    visited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    visited_at = models.DateTimeField(db_index=True)
    health = models.CharField(_("health"), max_length=10, choices=Health.choices)
    has_medicine = models.BooleanField(_("has the medicine needed"), default=True)
    needs = models.CharField(_("needs"), max_length=300, blank=True)
    order = models.OneToOneField(
        Order, on_delete=models.PROTECT, null=True, blank=True, related_name="care_visit"
    )

    class Meta:
        verbose_name = _("care visit")
        verbose_name_plural = _("care visits")
        indexes = [models.Index(fields=["household", "-visited_at"])]

    def __str__(self) -> str:
        return f"visit {self.household_id} at {self.visited_at:%Y-%m-%d}"
