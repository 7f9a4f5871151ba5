"""The fleet: vehicles, drivers, signed vehicle passes and their keys, checkpoint scans,
transfer-station relays, and which vehicle carries which shipment.

Goods never live here: a shipment is the ledger's document (`stock.Document`) and a relay's
quantities are ledger movements; these rows only say who drove what (docs/fleet.md).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from liangcao.orgs.models import Node, Site
from liangcao.stock.models import Document


class VehicleKind(models.TextChoices):
    TRUCK = "truck", _("Truck")
    REFRIGERATED = "refrigerated", _("Refrigerated truck")
    VAN = "van", _("Van")
    PICKUP = "pickup", _("Pickup")
    CAR = "car", _("Car")
    TRAILER = "trailer", _("Trailer")


class Vehicle(models.Model):
    """A vehicle an organisation (a tree node) can send; plates are stored upper-case."""

    plate = models.CharField(_("plate"), max_length=20, unique=True)
    kind = models.CharField(_("type"), max_length=20, choices=VehicleKind.choices)
    capacity_kg = models.PositiveIntegerField(_("capacity (kg)"))
    capacity_m3 = models.DecimalField(_("capacity (m³)"), max_digits=6, decimal_places=2)
    cold_chain = models.BooleanField(_("cold chain"), default=False)
    owner = models.ForeignKey(
        Node, on_delete=models.PROTECT, related_name="vehicles", verbose_name=_("owner")
    )
    is_available = models.BooleanField(_("available"), default=True)
    note = models.CharField(_("note"), max_length=200, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("vehicle")
        verbose_name_plural = _("vehicles")
        ordering = ["plate"]
        indexes = [models.Index(fields=["owner", "plate"])]
        constraints = [
            models.CheckConstraint(condition=Q(capacity_kg__gte=1), name="vehicle_capacity_kg"),
            models.CheckConstraint(condition=Q(capacity_m3__gte=0), name="vehicle_capacity_m3"),
        ]

    def __str__(self) -> str:
        return self.plate


class Driver(models.Model):
    """A driver; name and phone are personal data (dispatchers in scope only)."""

    name = models.CharField(_("name"), max_length=100)
    phone = models.CharField(_("phone"), max_length=30)
    owner = models.ForeignKey(
        Node, on_delete=models.PROTECT, related_name="drivers", verbose_name=_("owner")
    )
    is_available = models.BooleanField(_("available"), default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("driver")
        verbose_name_plural = _("drivers")
        ordering = ["name", "id"]
        indexes = [models.Index(fields=["owner", "name"])]

    def __str__(self) -> str:
        return f"{_('driver')} {self.pk}"  # no personal data in logs and admin lists


class KeyState(models.TextChoices):
    ACTIVE = "active", _("Active")
    RETIRED = "retired", _("Retired")
    REVOKED = "revoked", _("Revoked")


class PassKey(models.Model):
    """An Ed25519 signing key. The newest active key signs; every active key verifies; a
    retired or revoked key verifies nothing (its passes read as revoked). The private key is
    stored encrypted (AES-GCM under a key derived from SECRET_KEY; docs/passes.md)."""

    key_id = models.CharField(_("key id"), max_length=8, unique=True)
    public_key = models.CharField(_("public key"), max_length=64)
    private_key_encrypted = models.TextField(editable=False)
    state = models.CharField(
        _("state"), max_length=10, choices=KeyState.choices, default=KeyState.ACTIVE
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    ended_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("pass signing key")
        verbose_name_plural = _("pass signing keys")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.key_id} ({self.state})"


class VehiclePass(models.Model):
    """A signed pass for one vehicle (and driver) in a set of zones for a time window.

    `code` is the QR content: the signed payload, base64url (docs/passes.md). A re-issued pass
    points at the pass it `replaces`; the old one is revoked in the same transaction.
    """

    vehicle = models.ForeignKey(
        Vehicle, on_delete=models.PROTECT, related_name="passes", verbose_name=_("vehicle")
    )
    driver = models.ForeignKey(
        Driver,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="passes",
        verbose_name=_("driver"),
    )
    issuer = models.ForeignKey(
        Node, on_delete=models.PROTECT, related_name="issued_passes", verbose_name=_("issuer")
    )
    zones = models.ManyToManyField(Node, related_name="passes", verbose_name=_("zones"))
    purpose = models.CharField(_("purpose"), max_length=200)
    valid_from = models.DateTimeField(_("valid from"))
    valid_until = models.DateTimeField(_("valid until"))
    key = models.ForeignKey(PassKey, on_delete=models.PROTECT, related_name="passes")
    code = models.TextField(_("code"), editable=False)
    replaces = models.OneToOneField(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="replaced_by"
    )
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    issued_at = models.DateTimeField(auto_now_add=True)
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)
    revoke_reason = models.CharField(_("reason"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("vehicle pass")
        verbose_name_plural = _("vehicle passes")
        ordering = ["-issued_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(valid_until__gt=models.F("valid_from")), name="pass_window_positive"
            ),
        ]

    def __str__(self) -> str:
        return f"{_('pass')} {self.pk}"


class ScanResult(models.TextChoices):
    VALID = "valid", _("Valid")
    EXPIRED = "expired", _("Expired")
    WRONG_ZONE = "wrong_zone", _("Not valid in this zone")
    REVOKED = "revoked", _("Revoked")
    FORGED = "forged", _("Forged")


class Scan(models.Model):
    """One pass checked at a checkpoint. `client_id` is generated by the checkpoint page, so a
    scan queued offline and synced twice is stored once (unique)."""

    client_id = models.UUIDField(unique=True)
    checkpoint = models.ForeignKey(
        Site, on_delete=models.PROTECT, related_name="scans", verbose_name=_("checkpoint")
    )
    vehicle_pass = models.ForeignKey(
        VehiclePass, on_delete=models.PROTECT, null=True, blank=True, related_name="scans"
    )
    pass_serial = models.PositiveIntegerField(_("pass number"), null=True, blank=True)
    plate = models.CharField(_("plate"), max_length=20, blank=True)
    result = models.CharField(_("result"), max_length=12, choices=ScanResult.choices)
    scanned_at = models.DateTimeField(_("scanned at"))
    received_at = models.DateTimeField(auto_now_add=True)
    scanned_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        verbose_name = _("pass scan")
        verbose_name_plural = _("pass scans")
        ordering = ["-scanned_at", "-id"]
        indexes = [models.Index(fields=["checkpoint", "-scanned_at"])]

    def __str__(self) -> str:
        return f"{self.checkpoint_id} {self.result} {self.scanned_at:%Y-%m-%d %H:%M}"


class Assignment(models.Model):
    """Who carries a shipment: a vehicle and driver, or the recipient collects it."""

    document = models.OneToOneField(
        Document, on_delete=models.PROTECT, related_name="fleet_assignment"
    )
    vehicle = models.ForeignKey(
        Vehicle, on_delete=models.PROTECT, null=True, blank=True, related_name="assignments"
    )
    driver = models.ForeignKey(
        Driver, on_delete=models.PROTECT, null=True, blank=True, related_name="assignments"
    )
    collected_by_recipient = models.BooleanField(_("collected by recipient"), default=False)
    assigned_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    assigned_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("vehicle assignment")
        verbose_name_plural = _("vehicle assignments")
        constraints = [
            models.CheckConstraint(
                condition=Q(collected_by_recipient=True, vehicle__isnull=True, driver__isnull=True)
                | Q(collected_by_recipient=False, vehicle__isnull=False, driver__isnull=False),
                name="assignment_vehicle_xor_collected",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.document_id}: {self.vehicle or _('collected by recipient')}"


class RelayState(models.TextChoices):
    WAITING = "waiting", _("Waiting")
    DONE = "done", _("Relayed")


class Relay(models.Model):
    """An inbound vehicle at a transfer station and the local vehicle that takes its goods on.

    The goods move on the ledger from the inbound shipment's in-transit location straight to
    the outbound shipment's (`stock.services.shipment_relay`); the outside driver never enters.
    """

    station = models.ForeignKey(
        Site, on_delete=models.PROTECT, related_name="relays", verbose_name=_("transfer station")
    )
    inbound = models.OneToOneField(
        Document, on_delete=models.PROTECT, related_name="relay_in", verbose_name=_("inbound")
    )
    inbound_vehicle = models.ForeignKey(
        Vehicle, on_delete=models.PROTECT, related_name="relays_in", verbose_name=_("inbound")
    )
    outbound = models.OneToOneField(
        Document,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="relay_out",
        verbose_name=_("outbound"),
    )
    outbound_vehicle = models.ForeignKey(
        Vehicle,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="relays_out",
        verbose_name=_("outbound"),
    )
    state = models.CharField(
        _("state"), max_length=10, choices=RelayState.choices, default=RelayState.WAITING
    )
    arrived_at = models.DateTimeField(_("arrived at"))
    relayed_at = models.DateTimeField(_("relayed at"), null=True, blank=True)
    weight_kg = models.PositiveIntegerField(_("weight (kg)"), default=0)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        verbose_name = _("relay")
        verbose_name_plural = _("relays")
        ordering = ["-arrived_at", "-id"]
        indexes = [models.Index(fields=["station", "state", "-arrived_at"])]
        constraints = [
            models.CheckConstraint(
                condition=Q(
                    state="waiting",
                    outbound__isnull=True,
                    outbound_vehicle__isnull=True,
                    relayed_at__isnull=True,
                )
                | Q(
                    state="done",
                    outbound__isnull=False,
                    outbound_vehicle__isnull=False,
                    relayed_at__isnull=False,
                ),
                name="relay_done_has_outbound",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.station_id}: {self.inbound_id} → {self.outbound_id or '…'}"
