"""Donations from pledge to recipient: donors, pledges with their lines, intake inspection,
receipt into the ledger (each line its own lot, so the goods stay traceable) and the
allocations of designated goods.

The stock itself is the ledger's: a donation points at its receipt document and its lots, and
an allocation at the ledger document (transfer or shipment) that moved the goods.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from liangcao.catalog.models import Item
from liangcao.orgs.models import Node, Site, SiteKind
from liangcao.stock.models import Document, Lot


class DonorKind(models.TextChoices):
    PERSON = "person", _("Person")
    ORGANISATION = "organisation", _("Organisation")


class Donor(models.Model):
    """Who gives. `anonymous`: the donor asked not to be named in public (portal, downloads,
    the ledger); the name and phone are kept for the acknowledgement and never published."""

    kind = models.CharField(_("kind"), max_length=20, choices=DonorKind.choices)
    name = models.CharField(_("name"), max_length=200)
    phone = models.CharField(_("phone"), max_length=30, blank=True)
    anonymous = models.BooleanField(_("anonymous"), default=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("donor")
        verbose_name_plural = _("donors")

    def __str__(self) -> str:
        return f"D{self.pk}"

    @property
    def ledger_party(self) -> str:
        """The donor as the ledger's source party: a reference, plus the name only for a named
        organisation (the ledger is append-only, so no personal name goes into it)."""
        ref = f"D{self.pk}"
        if self.kind == DonorKind.ORGANISATION and not self.anonymous:
            return f"{ref} {self.name}"[:80]
        return ref


class Designation(models.TextChoices):
    NONE = "none", _("None (general pool)")
    SITE = "site", _("A site")
    REGION = "region", _("A region")
    PURPOSE = "purpose", _("A purpose")


class Purpose(models.TextChoices):
    MEDICAL = "medical", _("Medical front line")
    QUARANTINE = "quarantine", _("Quarantine and testing")
    COMMUNITY = "community", _("Community supply")


# Which recipient sites serve a purpose: designated goods go only to these kinds of site.
PURPOSE_SITE_KINDS: dict[str, frozenset[str]] = {
    Purpose.MEDICAL: frozenset({SiteKind.HOSPITAL, SiteKind.FANGCANG}),
    Purpose.QUARANTINE: frozenset({SiteKind.QUARANTINE_HOTEL, SiteKind.TESTING_SITE}),
    Purpose.COMMUNITY: frozenset({SiteKind.COMMUNITY_POINT, SiteKind.DISTRIBUTION_POINT}),
}


class DonationState(models.TextChoices):
    PLEDGED = "pledged", _("Pledged")
    INSPECTED = "inspected", _("Inspected")
    RECEIVED = "received", _("Received")
    REJECTED = "rejected", _("Rejected")


class Donation(models.Model):
    """One pledge: a donor, lines of items, a designation, the intake site that receives it."""

    donor = models.ForeignKey(Donor, on_delete=models.PROTECT, related_name="donations")
    intake_site = models.ForeignKey(
        Site, on_delete=models.PROTECT, related_name="+", verbose_name=_("intake site")
    )
    designation = models.CharField(
        _("designation"), max_length=20, choices=Designation.choices, default=Designation.NONE
    )
    designated_site = models.ForeignKey(
        Site, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    designated_node = models.ForeignKey(
        Node, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    purpose = models.CharField(_("purpose"), max_length=20, choices=Purpose.choices, blank=True)
    state = models.CharField(_("state"), max_length=20, choices=DonationState.choices)
    note = models.CharField(_("note"), max_length=300, blank=True)
    receipt = models.OneToOneField(
        Document, on_delete=models.PROTECT, null=True, blank=True, related_name="donation"
    )
    received_at = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    idempotency_key = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("donation")
        verbose_name_plural = _("donations")
        constraints = [
            models.UniqueConstraint(
                fields=["created_by", "idempotency_key"],
                condition=~Q(idempotency_key=""),
                name="donation_unique_idempotency_key",
            ),
            models.CheckConstraint(
                condition=Q(designation="none")
                | Q(designation="site", designated_site__isnull=False)
                | Q(designation="region", designated_node__isnull=False)
                | Q(designation="purpose") & ~Q(purpose=""),
                name="donation_designation_complete",
            ),
        ]
        indexes = [models.Index(fields=["intake_site", "-id"])]

    def __str__(self) -> str:
        return self.reference

    @property
    def reference(self) -> str:
        return f"JZ-{self.pk:06d}"

    @property
    def is_designated(self) -> bool:
        return self.designation != Designation.NONE

    @property
    def zone(self) -> str:
        """The store zone that holds designated goods apart from the general pool."""
        return f"donation-{self.pk}"


class RejectionReason(models.TextChoices):
    EXPIRED = "expired", _("Expired or too close to expiry")
    DAMAGED = "damaged", _("Damaged packaging")
    NO_CERTIFICATE = "no_certificate", _("No registration certificate")
    SUBSTANDARD = "substandard", _("Fails the quality standard")
    NOT_NEEDED = "not_needed", _("Not an item we can use")


class DonationLine(models.Model):
    """One item of a pledge, and what intake inspection accepted of it.

    Medical items (medicine, equipment, protective tiers) need a registration certificate
    number and a passed quality check to be accepted. `lot` is the ledger lot the accepted
    quantity was received as (its own lot per line, so it can be traced).
    """

    donation = models.ForeignKey(Donation, on_delete=models.PROTECT, related_name="lines")
    number = models.PositiveIntegerField()
    item = models.ForeignKey(Item, on_delete=models.PROTECT, related_name="+")
    quantity = models.PositiveIntegerField(_("pledged quantity"))
    maker_lot = models.CharField(_("manufacturer's lot"), max_length=40, blank=True)
    expiry = models.DateField(_("expiry"), null=True, blank=True)
    accepted = models.PositiveIntegerField(_("accepted"), null=True, blank=True)
    rejected = models.PositiveIntegerField(_("rejected"), default=0)
    rejection_reason = models.CharField(
        _("rejection reason"), max_length=20, choices=RejectionReason.choices, blank=True
    )
    certificate_no = models.CharField(_("registration certificate"), max_length=60, blank=True)
    quality_ok = models.BooleanField(_("quality check passed"), null=True, blank=True)
    inspected_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    inspected_at = models.DateTimeField(null=True, blank=True)
    lot = models.ForeignKey(Lot, on_delete=models.PROTECT, null=True, blank=True, related_name="+")

    class Meta:
        verbose_name = _("donation line")
        verbose_name_plural = _("donation lines")
        constraints = [
            models.UniqueConstraint(fields=["donation", "number"], name="donation_line_number"),
            models.CheckConstraint(condition=Q(quantity__gt=0), name="donation_line_positive"),
        ]
        ordering = ["donation_id", "number"]

    def __str__(self) -> str:
        return f"{self.donation_id}.{self.number}"


class DonationAllocation(models.Model):
    """Designated goods sent where the donor said: a ledger transfer (into the intake site's own
    store) or shipment (to another site), checked against the designation by the service."""

    donation = models.ForeignKey(Donation, on_delete=models.PROTECT, related_name="allocations")
    to_site = models.ForeignKey(Site, on_delete=models.PROTECT, related_name="+")
    document = models.OneToOneField(Document, on_delete=models.PROTECT, related_name="+")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    idempotency_key = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("donation allocation")
        verbose_name_plural = _("donation allocations")
        constraints = [
            models.UniqueConstraint(
                fields=["created_by", "idempotency_key"],
                condition=~Q(idempotency_key=""),
                name="donation_allocation_unique_key",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.donation_id} → {self.to_site_id}"
