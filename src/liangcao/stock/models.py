"""The ledger's tables: locations, lots, documents, movements, balances, reservations, counts.

Every quantity anywhere is the sum of immutable movements (docs/ledger.md). Movements are
append-only (database triggers, migration 0002); balances are the running sums, written in the
same transaction as the movements that change them, under row locks taken in one global order.
Quantities are integers in the item's issue unit.
"""

from __future__ import annotations

import re

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from liangcao.catalog.models import Item
from liangcao.orgs.models import Site


class LocationKind(models.TextChoices):
    STORE = "store", _("Store")
    SUPPLIER = "supplier", _("Supplier")
    DONOR = "donor", _("Donor")
    PRODUCTION = "production", _("Production")
    CONSUMPTION = "consumption", _("Consumption")
    LOSS = "loss", _("Loss / scrap")
    ADJUSTMENT = "adjustment", _("Count adjustment")
    IN_TRANSIT = "in_transit", _("In transit")
    HOUSEHOLD = "household", _("Household")


# Stock physically held somewhere: never negative, may be reserved.
HELD_KINDS = frozenset({LocationKind.STORE, LocationKind.IN_TRANSIT})


class Location(models.Model):
    """A place quantities sit in or flow through.

    A STORE is a site's store (optionally one `zone` of it); every other kind is virtual and
    belongs to one party or site (supplier site X, donor D, consumption at site S, in transit
    on document N, household H), never one row for the whole city, so no balance row becomes a
    hot spot. `key` is the natural identity, e.g. "store:12:", "loss:12", "transit:345".
    """

    key = models.CharField(max_length=120, unique=True)
    kind = models.CharField(_("kind"), max_length=20, choices=LocationKind.choices)
    site = models.ForeignKey(
        Site, on_delete=models.PROTECT, null=True, blank=True, related_name="stock_locations"
    )
    zone = models.CharField(_("zone"), max_length=40, blank=True)
    party = models.CharField(_("party"), max_length=80, blank=True)
    document = models.ForeignKey(
        "Document", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        verbose_name = _("stock location")
        verbose_name_plural = _("stock locations")
        indexes = [models.Index(fields=["site", "kind"])]

    def __str__(self) -> str:
        return self.key

    @property
    def is_held(self) -> bool:
        return self.kind in HELD_KINDS


class Lot(models.Model):
    """A batch of one item (lot code, expiry, where it came from).

    Items without lot tracking use one default lot per item (`code` ""), so every balance has a
    non-null lot and the unique key (location, item, lot) never hides a NULL.
    """

    item = models.ForeignKey(Item, on_delete=models.PROTECT, related_name="lots")
    code = models.CharField(_("lot code"), max_length=60, blank=True)
    expiry = models.DateField(_("expiry"), null=True, blank=True)
    source = models.CharField(_("source"), max_length=120, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("lot")
        verbose_name_plural = _("lots")
        constraints = [
            models.UniqueConstraint(fields=["item", "code"], name="lot_unique_item_code"),
        ]

    def __str__(self) -> str:
        return f"{self.item_id}/{self.code or '-'}"


class DocumentKind(models.TextChoices):
    RECEIPT = "receipt", _("Receipt")
    TRANSFER = "transfer", _("Internal transfer")
    ISSUE = "issue", _("Issue")
    ADJUSTMENT = "adjustment", _("Adjustment")
    SHIPMENT = "shipment", _("Shipment")
    REVERSAL = "reversal", _("Reversal")


class DocumentState(models.TextChoices):
    POSTED = "posted", _("Posted")
    REVERSED = "reversed", _("Reversed")
    RESERVED = "reserved", _("Reserved")
    DISPATCHED = "dispatched", _("Dispatched")
    PARTIALLY_RECEIVED = "partially_received", _("Partially received")
    RECEIVED = "received", _("Received")
    CLOSED = "closed", _("Closed")
    CANCELLED = "cancelled", _("Cancelled")


class Document(models.Model):
    """The ledger's unit of work: one receipt, transfer, issue, adjustment, shipment or reversal.

    Other apps attach meaning by reference (a logistics shipment, a requisition line) — the
    ledger knows no vehicle and no requisition. `idempotency_key` (per creator) makes a
    replayed request find the document instead of posting twice.
    """

    kind = models.CharField(_("kind"), max_length=20, choices=DocumentKind.choices)
    state = models.CharField(_("state"), max_length=20, choices=DocumentState.choices)
    # Plain FK indexes are left out where a composite index already leads with the column or
    # nobody looks rows up by it: every index costs each posting (bench/ledger.py).
    source_site = models.ForeignKey(
        Site, on_delete=models.PROTECT, null=True, blank=True, related_name="+", db_index=False
    )
    dest_site = models.ForeignKey(
        Site, on_delete=models.PROTECT, null=True, blank=True, related_name="+", db_index=False
    )
    reason = models.CharField(_("reason"), max_length=300, blank=True)
    reverses = models.OneToOneField(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="reversed_by"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", db_index=False
    )
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        db_index=False,
    )
    idempotency_key = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("stock document")
        verbose_name_plural = _("stock documents")
        constraints = [
            models.UniqueConstraint(
                fields=["created_by", "idempotency_key"],
                condition=~Q(idempotency_key=""),
                name="document_unique_idempotency_key",
            ),
        ]
        indexes = [
            models.Index(fields=["source_site", "-id"]),
            models.Index(fields=["dest_site", "-id"]),
        ]

    def __str__(self) -> str:
        return f"{self.kind} #{self.pk}"

    @property
    def reason_text(self) -> str:
        """The reason in the reader's language when the system wrote it (a purchase, a
        donation, a stock count, an opening balance); what a person typed, as typed."""
        for pattern, message in SYSTEM_REASONS:
            found = pattern.fullmatch(self.reason)
            if found:
                return str(message % found.groupdict()) if found.groupdict() else str(message)
        return self.reason


# The reason of opening-balance documents; opening stock finds its own documents by it.
OPENING_REASON = "opening balance"
# Reasons the system writes on documents (stored as these English texts, which other code
# matches, e.g. the opening balance), and how they read.
SYSTEM_REASONS = [
    (re.compile("purchase"), _("purchase")),
    (re.compile(re.escape(OPENING_REASON)), _("opening balance")),
    (re.compile(r"donation (?P<reference>\S+)"), _("donation %(reference)s")),
    (re.compile(r"stock count #(?P<number>\d+)"), _("stock count #%(number)s")),
]


class DocumentLine(models.Model):
    """One item on a document: what was asked to move, from where to where.

    `lot` is None when the lot is chosen first-expiry-first-out at posting or reservation time.
    `received` counts what arrived of a shipment line (damaged included).
    """

    document = models.ForeignKey(
        Document, on_delete=models.PROTECT, related_name="lines", db_index=False
    )  # the unique (document, number) index serves lookups by document
    number = models.PositiveIntegerField()
    item = models.ForeignKey(Item, on_delete=models.PROTECT, related_name="+", db_index=False)
    lot = models.ForeignKey(
        Lot, on_delete=models.PROTECT, null=True, blank=True, related_name="+", db_index=False
    )
    quantity = models.PositiveIntegerField(_("quantity"))
    from_location = models.ForeignKey(
        Location, on_delete=models.PROTECT, related_name="+", db_index=False
    )
    to_location = models.ForeignKey(
        Location, on_delete=models.PROTECT, related_name="+", db_index=False
    )
    received = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["document", "number"], name="line_unique_number"),
            models.CheckConstraint(condition=Q(quantity__gt=0), name="line_quantity_positive"),
        ]
        ordering = ["document_id", "number"]

    def __str__(self) -> str:
        return f"{self.document_id}.{self.number}"


class Movement(models.Model):
    """An immutable quantity of one lot moving from one location to another.

    Append-only: triggers reject UPDATE and DELETE (and TRUNCATE on PostgreSQL). `from_head` and
    `to_head` are the head hashes of the two balance rows before this movement (read under the
    row locks); `hash` is SHA-256 over this row's canonical content and those heads, and becomes
    the new head of both rows — a hash chain per balance row, with no global lock.
    """

    document = models.ForeignKey(Document, on_delete=models.PROTECT, related_name="movements")
    line = models.ForeignKey(DocumentLine, on_delete=models.PROTECT, related_name="movements")
    # item, lot and locations are served by the card and trace indexes below.
    item = models.ForeignKey(Item, on_delete=models.PROTECT, related_name="+", db_index=False)
    lot = models.ForeignKey(Lot, on_delete=models.PROTECT, related_name="movements", db_index=False)
    quantity = models.BigIntegerField()
    from_location = models.ForeignKey(
        Location, on_delete=models.PROTECT, related_name="+", db_index=False
    )
    to_location = models.ForeignKey(
        Location, on_delete=models.PROTECT, related_name="+", db_index=False
    )
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", db_index=False
    )
    created_at = models.DateTimeField()
    reverses = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="+", db_index=False
    )
    from_head = models.CharField(max_length=64, blank=True)
    to_head = models.CharField(max_length=64, blank=True)
    hash = models.CharField(max_length=64)

    class Meta:
        verbose_name = _("movement")
        verbose_name_plural = _("movements")
        constraints = [
            models.CheckConstraint(condition=Q(quantity__gt=0), name="movement_quantity_positive"),
            models.CheckConstraint(
                condition=~Q(from_location=F("to_location")), name="movement_moves_somewhere"
            ),
        ]
        indexes = [
            # The stock card: one item at one location, in order, from either side.
            models.Index(fields=["item", "to_location", "id"], name="movement_card_to"),
            models.Index(fields=["item", "from_location", "id"], name="movement_card_from"),
            models.Index(fields=["lot", "id"], name="movement_lot_trace"),
        ]

    def __str__(self) -> str:
        route = f"{self.from_location_id}→{self.to_location_id}"
        return f"{self.quantity} × {self.item_id}/{self.lot_id}: {route}"


class Balance(models.Model):
    """The running sum of movements at one (location, item, lot), and what is reserved of it.

    Held locations (stores, in transit) can never go negative and never reserve more than they
    hold; virtual locations are signed (a supplier's balance is minus what it delivered) and
    carry no reservations. `head` is the hash of the last movement touching this row.
    """

    location = models.ForeignKey(Location, on_delete=models.PROTECT, related_name="balances")
    item = models.ForeignKey(Item, on_delete=models.PROTECT, related_name="+")
    lot = models.ForeignKey(Lot, on_delete=models.PROTECT, related_name="balances")
    held = models.BooleanField()
    on_hand = models.BigIntegerField(default=0)
    reserved = models.BigIntegerField(default=0)
    head = models.CharField(max_length=64, blank=True)

    class Meta:
        verbose_name = _("balance")
        verbose_name_plural = _("balances")
        constraints = [
            models.UniqueConstraint(
                fields=["location", "item", "lot"], name="balance_unique_location_item_lot"
            ),
            models.CheckConstraint(
                condition=Q(held=False)
                | Q(on_hand__gte=0, reserved__gte=0, reserved__lte=F("on_hand")),
                name="balance_held_not_negative",
            ),
            models.CheckConstraint(
                condition=Q(held=True) | Q(reserved=0), name="balance_virtual_not_reserved"
            ),
        ]
        indexes = [models.Index(fields=["item", "location"], name="balance_item_location")]

    def __str__(self) -> str:
        return f"{self.location_id}/{self.item_id}/{self.lot_id}: {self.on_hand} ({self.reserved})"

    @property
    def available(self) -> int:
        return self.on_hand - self.reserved


class ReservationState(models.TextChoices):
    OPEN = "open", _("Open")
    CONSUMED = "consumed", _("Consumed")
    RELEASED = "released", _("Released")


class Reservation(models.Model):
    """Stock of one balance row promised to a document line (it counts in `Balance.reserved`)."""

    line = models.ForeignKey(DocumentLine, on_delete=models.PROTECT, related_name="reservations")
    balance = models.ForeignKey(Balance, on_delete=models.PROTECT, related_name="reservations")
    quantity = models.PositiveIntegerField()
    state = models.CharField(max_length=20, choices=ReservationState.choices)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("reservation")
        verbose_name_plural = _("reservations")
        constraints = [
            models.CheckConstraint(condition=Q(quantity__gt=0), name="reservation_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.quantity} on {self.balance_id} for line {self.line_id} ({self.state})"


class DiscrepancyKind(models.TextChoices):
    SHORT = "short", _("Short")
    DAMAGED = "damaged", _("Damaged")
    EXCESS = "excess", _("Excess")


class Discrepancy(models.Model):
    """A difference found when receiving a shipment line, with its reason."""

    line = models.ForeignKey(DocumentLine, on_delete=models.PROTECT, related_name="discrepancies")
    kind = models.CharField(_("kind"), max_length=20, choices=DiscrepancyKind.choices)
    quantity = models.PositiveIntegerField(_("quantity"))
    reason = models.CharField(_("reason"), max_length=300)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("discrepancy")
        verbose_name_plural = _("discrepancies")

    def __str__(self) -> str:
        return f"{self.kind} {self.quantity} on line {self.line_id}"


class CountState(models.TextChoices):
    OPEN = "open", _("Open")
    POSTED = "posted", _("Posted")
    CANCELLED = "cancelled", _("Cancelled")


class CountSheet(models.Model):
    """A blind stock count of one store: the counter records quantities without seeing the book.

    Posting it (by an approver) books the variance as an adjustment document.
    """

    location = models.ForeignKey(Location, on_delete=models.PROTECT, related_name="+")
    state = models.CharField(_("state"), max_length=20, choices=CountState.choices)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    adjustment = models.OneToOneField(
        Document, on_delete=models.PROTECT, null=True, blank=True, related_name="count_sheet"
    )

    class Meta:
        verbose_name = _("count sheet")
        verbose_name_plural = _("count sheets")

    def __str__(self) -> str:
        return f"count #{self.pk} at {self.location_id}"


class CountLine(models.Model):
    """One (item, lot) on a count sheet: what was counted, and the book quantity at posting."""

    sheet = models.ForeignKey(CountSheet, on_delete=models.PROTECT, related_name="lines")
    item = models.ForeignKey(Item, on_delete=models.PROTECT, related_name="+")
    lot = models.ForeignKey(Lot, on_delete=models.PROTECT, related_name="+")
    counted = models.PositiveIntegerField(_("counted"), null=True, blank=True)
    book = models.BigIntegerField(_("book quantity"), null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["sheet", "item", "lot"], name="count_line_unique"),
        ]
        ordering = ["sheet_id", "item_id", "lot_id"]

    def __str__(self) -> str:
        return f"{self.sheet_id}: {self.item_id}/{self.lot_id}"
