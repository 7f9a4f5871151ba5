"""The administrative tree, sites, users and their role memberships.

The tree (city → district/county → street/town → community → residential compound) is kept as
an adjacency list plus a closure table (`NodeClosure`: one row per ancestor–descendant pair,
the node itself included). "Everything under node X" is then one indexed lookup on
`(ancestor, descendant)` that behaves the same on PostgreSQL and SQLite, with no collation or
LIKE-prefix pitfalls of materialised paths.
"""

from __future__ import annotations

from django.contrib.auth.models import AbstractUser
from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

code_validator = RegexValidator(
    r"^[A-Za-z0-9][A-Za-z0-9_-]{0,39}$", _("Letters, digits, '-' and '_' only (max 40).")
)


class BilingualName(models.Model):
    """Mixin for rows named in Chinese (required) and English (optional)."""

    name_zh = models.CharField(_("name (Chinese)"), max_length=200)
    name_en = models.CharField(_("name (English)"), max_length=200, blank=True)

    class Meta:
        abstract = True

    @property
    def name(self) -> str:
        """The name in the active language, falling back to Chinese."""
        if (get_language() or "").startswith("en") and self.name_en:
            return self.name_en
        return self.name_zh


class User(AbstractUser):
    """A person using Liangcao; what they may see comes from their memberships."""

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")


class NodeKind(models.TextChoices):
    CITY = "city", _("City")
    DISTRICT = "district", _("District / county")
    STREET = "street", _("Street / town")
    COMMUNITY = "community", _("Community")
    COMPOUND = "compound", _("Residential compound")


NODE_KIND_DEPTH = {
    NodeKind.CITY: 0,
    NodeKind.DISTRICT: 1,
    NodeKind.STREET: 2,
    NodeKind.COMMUNITY: 3,
    NodeKind.COMPOUND: 4,
}


class Node(BilingualName):
    """A node of the administrative tree."""

    code = models.CharField(_("code"), max_length=40, unique=True, validators=[code_validator])
    kind = models.CharField(_("kind"), max_length=20, choices=NodeKind.choices)
    parent = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="children",
        verbose_name=_("parent"),
    )
    depth = models.PositiveSmallIntegerField(_("depth"), editable=False, default=0)
    population = models.PositiveIntegerField(_("population"), default=0)

    class Meta:
        verbose_name = _("administrative node")
        verbose_name_plural = _("administrative nodes")
        ordering = ["depth", "code"]
        indexes = [models.Index(fields=["parent", "code"])]
        constraints = [
            models.CheckConstraint(
                condition=Q(parent__isnull=True, depth=0) | Q(parent__isnull=False, depth__gt=0),
                name="node_root_has_depth_zero",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.code})"


class NodeClosure(models.Model):
    """Ancestor–descendant pairs of the tree, including (n, n); written only by orgs services."""

    ancestor = models.ForeignKey(Node, on_delete=models.CASCADE, related_name="+")
    descendant = models.ForeignKey(Node, on_delete=models.CASCADE, related_name="+")
    distance = models.PositiveSmallIntegerField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["ancestor", "descendant"], name="closure_unique_pair"),
        ]
        indexes = [models.Index(fields=["descendant", "ancestor"])]

    def __str__(self) -> str:
        return f"{self.ancestor_id} ⊇ {self.descendant_id} ({self.distance})"


class SiteKind(models.TextChoices):
    RESERVE_DEPOT = "reserve_depot", _("Reserve depot")
    ENTERPRISE_STORE = "enterprise_store", _("Enterprise reserve store")
    TRANSFER_STATION = "transfer_station", _("Transfer station")
    HUB = "hub", _("Hub")
    DISTRIBUTION_POINT = "distribution_point", _("Distribution point")
    HOSPITAL = "hospital", _("Hospital")
    FANGCANG = "fangcang", _("Fangcang hospital")
    QUARANTINE_HOTEL = "quarantine_hotel", _("Quarantine hotel")
    TESTING_SITE = "testing_site", _("Testing site")
    CHECKPOINT = "checkpoint", _("Checkpoint")
    COMMUNITY_POINT = "community_point", _("Community service point")
    SUPPLIER_SITE = "supplier_site", _("Supplier site")


# Kinds whose stock belongs to the owning node's pool (architecture.md, "Scope").
STORE_KINDS = frozenset(
    {
        SiteKind.RESERVE_DEPOT,
        SiteKind.ENTERPRISE_STORE,
        SiteKind.TRANSFER_STATION,
        SiteKind.HUB,
        SiteKind.DISTRIBUTION_POINT,
    }
)


def default_priority_class(kind: str, *, designated: bool = False) -> int:
    """Default priority class of a requesting site (1 is served first; architecture.md)."""
    if kind == SiteKind.FANGCANG or (kind == SiteKind.HOSPITAL and designated):
        return 1
    if kind in {SiteKind.HOSPITAL, SiteKind.TESTING_SITE}:
        return 2
    if kind in {SiteKind.QUARANTINE_HOTEL, SiteKind.CHECKPOINT}:
        return 3
    return 4


class Site(BilingualName):
    """A physical place that holds, needs or passes supplies, owned by one tree node."""

    code = models.CharField(_("code"), max_length=40, unique=True, validators=[code_validator])
    kind = models.CharField(_("kind"), max_length=30, choices=SiteKind.choices)
    node = models.ForeignKey(
        Node, on_delete=models.PROTECT, related_name="sites", verbose_name=_("owning node")
    )
    is_designated = models.BooleanField(
        _("designated hospital"),
        default=False,
        help_text=_("Designated hospitals are served in priority class 1."),
    )
    address = models.CharField(_("address"), max_length=300, blank=True)
    latitude = models.FloatField(
        _("latitude"), validators=[MinValueValidator(-90), MaxValueValidator(90)]
    )
    longitude = models.FloatField(
        _("longitude"), validators=[MinValueValidator(-180), MaxValueValidator(180)]
    )
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("site")
        verbose_name_plural = _("sites")
        ordering = ["code"]
        indexes = [models.Index(fields=["node", "kind"])]
        constraints = [
            models.CheckConstraint(
                condition=Q(latitude__gte=-90, latitude__lte=90)
                & Q(longitude__gte=-180, longitude__lte=180),
                name="site_coordinates_in_range",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.code})"

    @property
    def priority_class(self) -> int:
        return default_priority_class(self.kind, designated=self.is_designated)


class Role(models.TextChoices):
    COMMANDER = "commander", _("Commander")
    APPROVER = "approver", _("Approver")
    WAREHOUSE_KEEPER = "warehouse_keeper", _("Warehouse keeper")
    REQUESTER = "requester", _("Requester")
    DISPATCHER = "dispatcher", _("Dispatcher")
    GRID_WORKER = "grid_worker", _("Grid worker")
    PROCUREMENT_OFFICER = "procurement_officer", _("Procurement officer")
    DONATION_OFFICER = "donation_officer", _("Donation officer")
    MARKET_MONITOR = "market_monitor", _("Market monitor")
    CHECKPOINT_OFFICER = "checkpoint_officer", _("Checkpoint officer")
    INSPECTOR = "inspector", _("Inspector (read-only)")
    # Granted at a supplier's site: its staff work the supplier portal (community app).
    SUPPLIER = "supplier", _("Supplier staff")


class Membership(models.Model):
    """A role held by a user at a node (whole subtree) or at one site (that site only)."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField(_("role"), max_length=30, choices=Role.choices)
    node = models.ForeignKey(
        Node, on_delete=models.CASCADE, null=True, blank=True, related_name="memberships"
    )
    site = models.ForeignKey(
        Site, on_delete=models.CASCADE, null=True, blank=True, related_name="memberships"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("membership")
        verbose_name_plural = _("memberships")
        constraints = [
            models.CheckConstraint(
                condition=(Q(node__isnull=False) & Q(site__isnull=True))
                | (Q(node__isnull=True) & Q(site__isnull=False)),
                name="membership_node_xor_site",
            ),
            models.UniqueConstraint(
                fields=["user", "role", "node"],
                condition=Q(node__isnull=False),
                name="membership_unique_node_role",
            ),
            models.UniqueConstraint(
                fields=["user", "role", "site"],
                condition=Q(site__isnull=False),
                name="membership_unique_site_role",
            ),
        ]

    def __str__(self) -> str:
        where = self.node or self.site
        return f"{self.user} · {self.get_role_display()} @ {where}"
