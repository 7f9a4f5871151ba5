"""Requisitions (demand lists, 需求清单): lines, countersignatures, fast-track and escalation.

Quantities live on lines (requested, approved, allocated, shipped, received); the header's
state is derived from its lines and signatures by `demand.services` in the same transaction as
every change, and stored so that lists can filter on it.
"""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from liangcao.catalog.models import Category, Item
from liangcao.orgs.models import Node, NodeKind, Site, SiteKind


class RequisitionState(models.TextChoices):
    DRAFT = "draft", _("Draft")
    SUBMITTED = "submitted", _("Submitted")
    APPROVED = "approved", _("Approved")
    ALLOCATED = "allocated", _("Allocated")
    PARTLY_ALLOCATED = "partly_allocated", _("Partly allocated")
    DISPATCHED = "dispatched", _("Dispatched")
    RECEIVED = "received", _("Received")
    CLOSED = "closed", _("Closed")
    REJECTED = "rejected", _("Rejected")
    CANCELLED = "cancelled", _("Cancelled")


OPEN_STATES = frozenset(
    {
        RequisitionState.SUBMITTED,
        RequisitionState.APPROVED,
        RequisitionState.PARTLY_ALLOCATED,
        RequisitionState.ALLOCATED,
        RequisitionState.DISPATCHED,
        RequisitionState.RECEIVED,
    }
)


class Requisition(models.Model):
    """A demand list from one requesting site, served from the pool of `serving_node`."""

    number = models.CharField(_("number"), max_length=30, unique=True)
    site = models.ForeignKey(
        Site,
        on_delete=models.PROTECT,
        related_name="requisitions",
        verbose_name=_("requesting site"),
    )
    serving_node = models.ForeignKey(
        Node,
        on_delete=models.PROTECT,
        related_name="served_requisitions",
        verbose_name=_("served from the pool of"),
    )
    state = models.CharField(
        _("state"), max_length=20, choices=RequisitionState.choices, default=RequisitionState.DRAFT
    )
    priority_class = models.PositiveSmallIntegerField(
        _("priority class"), validators=[MinValueValidator(1)]
    )
    priority_reason = models.CharField(
        _("reason for priority override"), max_length=300, blank=True
    )
    note = models.TextField(_("note"), blank=True)
    escalated_from = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="escalations",
        verbose_name=_("escalated from"),
    )
    is_fast_tracked = models.BooleanField(_("fast-tracked"), default=False)
    fast_track_reason = models.CharField(_("fast-track reason"), max_length=300, blank=True)
    fast_tracked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    paperwork_due_at = models.DateTimeField(_("signatures due by"), null=True, blank=True)
    end_reason = models.CharField(_("reason (rejected or cancelled)"), max_length=300, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    submitted_at = models.DateTimeField(_("submitted"), null=True, blank=True)
    approved_at = models.DateTimeField(_("approved"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed"), null=True, blank=True)

    class Meta:
        verbose_name = _("requisition")
        verbose_name_plural = _("requisitions")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["state", "serving_node"]),
            models.Index(fields=["site", "state"]),
            models.Index(fields=["is_fast_tracked", "paperwork_due_at"]),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(priority_class__gte=1), name="req_priority_positive"
            ),
        ]

    def __str__(self) -> str:
        return self.number


class RequisitionLine(models.Model):
    """One item on a demand list and how far it has come."""

    requisition = models.ForeignKey(Requisition, on_delete=models.CASCADE, related_name="lines")
    item = models.ForeignKey(Item, on_delete=models.PROTECT, related_name="+")
    requested = models.PositiveIntegerField(_("requested"), validators=[MinValueValidator(1)])
    approved = models.PositiveIntegerField(_("approved"), null=True, blank=True)
    allocated = models.PositiveIntegerField(_("allocated"), default=0)
    shipped = models.PositiveIntegerField(_("shipped"), default=0)
    received = models.PositiveIntegerField(_("received"), default=0)
    escalated = models.PositiveIntegerField(_("escalated"), default=0)
    needed_by = models.DateField(_("needed by"), null=True, blank=True)
    justification = models.CharField(_("justification"), max_length=500, blank=True)
    source_line = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="escalated_lines",
        verbose_name=_("escalated from line"),
    )

    class Meta:
        verbose_name = _("requisition line")
        verbose_name_plural = _("requisition lines")
        ordering = ["requisition", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["requisition", "item"], name="reqline_one_line_per_item"
            ),
            models.CheckConstraint(
                condition=Q(requested__gte=1), name="reqline_requested_positive"
            ),
            models.CheckConstraint(
                condition=Q(approved__isnull=True) | Q(approved__lte=F("requested")),
                name="reqline_approved_le_requested",
            ),
            models.CheckConstraint(
                condition=Q(allocated__lte=F("requested")) & Q(escalated__lte=F("requested")),
                name="reqline_allocated_escalated_le_requested",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.requisition_id}: {self.item_id} × {self.requested}"

    @property
    def open_quantity(self) -> int:
        """Approved but neither allocated here nor escalated to the level above."""
        return max(0, (self.approved or 0) - self.allocated - self.escalated)


class SignatureDecision(models.TextChoices):
    PENDING = "pending", _("Pending")
    APPROVED = "approved", _("Approved")
    REJECTED = "rejected", _("Rejected")


class Signature(models.Model):
    """One countersignature a requisition needs, at one level of the tree, and why."""

    requisition = models.ForeignKey(
        Requisition, on_delete=models.CASCADE, related_name="signatures"
    )
    node = models.ForeignKey(
        Node, on_delete=models.PROTECT, related_name="+", verbose_name=_("level")
    )
    depth = models.PositiveSmallIntegerField()
    reason = models.CharField(_("why this level signs"), max_length=300)
    decision = models.CharField(
        _("decision"),
        max_length=10,
        choices=SignatureDecision.choices,
        default=SignatureDecision.PENDING,
    )
    signed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    signed_at = models.DateTimeField(_("signed"), null=True, blank=True)
    comment = models.CharField(_("comment"), max_length=500, blank=True)

    class Meta:
        verbose_name = _("countersignature")
        verbose_name_plural = _("countersignatures")
        ordering = ["requisition", "-depth"]
        constraints = [
            models.UniqueConstraint(fields=["requisition", "node"], name="signature_one_per_level"),
        ]

    def __str__(self) -> str:
        return f"{self.requisition_id} @ {self.node_id}: {self.decision}"

    @property
    def reason_text(self) -> str:
        """Why this level signs, in the reader's language."""
        return "; ".join(signature_reasons(self.reason))


class CountersignRule(models.Model):
    """An extra signature level a requisition needs when a condition holds.

    Every list is signed by the first street-or-higher level above its site; these rules add
    levels: e.g. tier-1 items or hospital lists also by the district, big lines also by the city.
    Empty conditions match everything; all non-empty conditions must hold.
    """

    level = models.CharField(
        _("signing level"),
        max_length=20,
        choices=[(k.value, k.label) for k in (NodeKind.STREET, NodeKind.DISTRICT, NodeKind.CITY)],
    )
    category = models.CharField(
        _("item category"), max_length=20, choices=Category.choices, blank=True
    )
    site_kinds = models.JSONField(
        _("requesting site kinds"),
        default=list,
        blank=True,
        help_text=_('Site kind codes, e.g. ["hospital", "fangcang"]; empty: any kind.'),
    )
    min_line_quantity = models.PositiveIntegerField(
        _("applies when a line exceeds"), null=True, blank=True
    )
    description = models.CharField(_("description"), max_length=300)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("countersign rule")
        verbose_name_plural = _("countersign rules")
        ordering = ["level", "id"]

    def __str__(self) -> str:
        return self.description

    def explanation(self) -> str:
        """Why this rule adds its level, worded from its conditions in the active language
        (the `description` is the editor's own note, in whatever language it was typed)."""
        parts = []
        if self.category:
            parts.append(str(Category(self.category).label))
        if self.site_kinds:
            labels = dict(SiteKind.choices)
            parts.append("、".join(str(labels.get(k, k)) for k in self.site_kinds))
        if self.min_line_quantity is not None:
            parts.append(
                str(_("a line above %(count)s units") % {"count": f"{self.min_line_quantity:,}"})
            )
        what = " · ".join(parts) or str(_("every list"))
        level = dict(NodeKind.choices).get(self.level, self.level)
        return str(_("%(what)s: countersigned by the %(level)s") % {"what": what, "level": level})


# How a signature's reasons are stored (`Signature.reason`, tokens joined by "; "), so that they
# are worded in the reader's language when read: the site's own level, or a rule by id.
REASON_OWN_LEVEL = "own"
REASON_RULE = "rule:"
REASON_ESCALATED = "escalated:"  # + the id of the list that could not be covered below


def signature_reasons(stored: str) -> list[str]:
    """The stored reasons of a signature, worded in the active language. Text that is not a
    token (rows written before tokens) is shown as it is."""
    tokens = [t.strip() for t in stored.split(";") if t.strip()]
    rule_ids = [_token_id(t, REASON_RULE) for t in tokens]
    rules = CountersignRule.objects.in_bulk([i for i in rule_ids if i is not None])
    list_ids = [_token_id(t, REASON_ESCALATED) for t in tokens]
    lists = Requisition.objects.select_related("serving_node").in_bulk(
        [i for i in list_ids if i is not None]
    )
    worded = []
    for token, rule_id, list_id in zip(tokens, rule_ids, list_ids, strict=True):
        if token == REASON_OWN_LEVEL:
            worded.append(str(_("the level the requesting site belongs to")))
        elif rule_id is not None:
            rule = rules.get(rule_id)
            worded.append(
                rule.explanation() if rule else str(_("a countersign rule since removed"))
            )
        elif list_id is not None and list_id in lists:
            below = lists[list_id]
            worded.append(
                str(
                    _("escalated from %(node)s (%(number)s)")
                    % {"node": below.serving_node.name, "number": below.number}
                )
            )
        else:
            worded.append(token)
    return worded


def _token_id(token: str, prefix: str) -> int | None:
    rest = token[len(prefix) :]
    return int(rest) if token.startswith(prefix) and rest.isdigit() else None


class Fulfilment(models.Model):
    """Which shipment line serves which requisition line, and how much of it.

    The ledger knows no requisition: demand points at the stock documents that served it.
    `shipped` and `received` on the requisition line are derived from these rows and the
    shipment's own state and receipts.
    """

    line = models.ForeignKey(RequisitionLine, on_delete=models.PROTECT, related_name="fulfilments")
    document = models.ForeignKey(
        "stock.Document", on_delete=models.PROTECT, related_name="fulfilments"
    )
    document_line = models.OneToOneField(
        "stock.DocumentLine", on_delete=models.PROTECT, related_name="fulfilment"
    )
    quantity = models.PositiveIntegerField(_("quantity"))
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("fulfilment")
        verbose_name_plural = _("fulfilments")
        constraints = [
            models.CheckConstraint(condition=Q(quantity__gt=0), name="fulfilment_positive"),
            models.UniqueConstraint(
                fields=["line", "document"], name="fulfilment_one_per_shipment"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.line_id} ← {self.document_line_id} × {self.quantity}"
