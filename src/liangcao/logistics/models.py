"""Logistics' side of a shipment: who drives it and in what. The goods themselves are the stock
ledger's shipment document; this row only points at it (the ledger knows no vehicle). Route
plans: routes from a depot to the stops of open shipments (solver in `routing/`)."""

from __future__ import annotations

from datetime import time

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from liangcao.orgs.models import Site
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


class PlanStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    QUEUED = "queued", _("Queued")
    RUNNING = "running", _("Running")
    SOLVED = "solved", _("Solved")
    INFEASIBLE = "infeasible", _("No feasible plan found")
    FAILED = "failed", _("Failed")


class RoutePlan(models.Model):
    """Vehicle routes from one depot to a set of stops, solved in the background (PyVRP).

    Distances come from the sites' coordinates (great-circle × `road_factor`, travel time at
    `speed_kmh`) unless a road-network `matrix` was supplied. Times of day are counted from
    `start_time`; every vehicle leaves the depot then and is back by `end_time`. `result` keeps
    the routes; each stop also records its route, position and arrival.
    """

    depot = models.ForeignKey(
        Site, on_delete=models.PROTECT, related_name="+", verbose_name=_("depot")
    )
    name = models.CharField(_("name"), max_length=100, blank=True)
    status = models.CharField(
        _("status"), max_length=20, choices=PlanStatus.choices, default=PlanStatus.DRAFT
    )
    progress = models.PositiveSmallIntegerField(_("progress (%)"), default=0)
    heartbeat_at = models.DateTimeField(null=True, blank=True)
    # A failure is stored as a code and its values (`texts.plan_error`), worded in the reader's
    # language when read (`error_message`); `error` keeps the English text for logs.
    error = models.TextField(blank=True)
    error_code = models.CharField(max_length=40, blank=True)
    error_params = models.JSONField(default=dict, blank=True)
    start_time = models.TimeField(_("departure"), default=time(8, 0))
    end_time = models.TimeField(_("back by"), default=time(20, 0))
    time_limit = models.PositiveSmallIntegerField(_("time limit (s)"), default=10)
    road_factor = models.FloatField(_("road factor"))
    speed_kmh = models.FloatField(_("average speed (km/h)"))
    matrix = models.JSONField(_("road-network matrix"), null=True, blank=True)
    result = models.JSONField(null=True, blank=True)
    distance_m = models.PositiveIntegerField(_("total distance (m)"), null=True, blank=True)
    seconds = models.FloatField(null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("route plan")
        verbose_name_plural = _("route plans")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(condition=Q(progress__lte=100), name="plan_progress_le_100"),
            models.CheckConstraint(
                condition=Q(start_time__lt=F("end_time")), name="plan_starts_before_it_ends"
            ),
        ]

    def __str__(self) -> str:
        return f"route plan {self.pk} ({self.status})"

    @property
    def error_message(self) -> str:
        from liangcao.logistics.texts import plan_error_text

        return plan_error_text(self)


class RoutePlanVehicle(models.Model):
    """One row of a plan's fleet: `count` vehicles of one capacity (vehicles from the fleet
    registry will be linked here later)."""

    plan = models.ForeignKey(RoutePlan, on_delete=models.CASCADE, related_name="fleet")
    number = models.PositiveSmallIntegerField()
    count = models.PositiveSmallIntegerField(_("vehicles"))
    capacity_kg = models.PositiveIntegerField(_("capacity (kg)"))
    capacity_m3 = models.DecimalField(
        _("capacity (m³)"), max_digits=7, decimal_places=2, null=True, blank=True
    )

    class Meta:
        verbose_name = _("route plan vehicle")
        verbose_name_plural = _("route plan vehicles")
        ordering = ["plan", "number"]
        constraints = [
            models.UniqueConstraint(fields=["plan", "number"], name="plan_vehicle_unique_number"),
            models.CheckConstraint(
                condition=Q(count__gte=1) & Q(capacity_kg__gte=1), name="plan_vehicle_positive"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.count} × {self.capacity_kg} kg"


class RoutePlanStop(models.Model):
    """One stop of a plan: a site to deliver to, its demand, time window and service time, the
    open shipments it carries, and (once solved) its route, position and arrival time."""

    plan = models.ForeignKey(RoutePlan, on_delete=models.CASCADE, related_name="stops")
    number = models.PositiveIntegerField()
    site = models.ForeignKey(Site, on_delete=models.PROTECT, related_name="+")
    demand_kg = models.PositiveIntegerField(_("demand (kg)"))
    volume_m3 = models.DecimalField(_("volume (m³)"), max_digits=7, decimal_places=2, default=0)
    window_start = models.TimeField(_("window opens"), null=True, blank=True)
    window_end = models.TimeField(_("window closes"), null=True, blank=True)
    service_minutes = models.PositiveSmallIntegerField(_("service time (min)"), default=10)
    shipments = models.ManyToManyField(Document, blank=True, related_name="+")
    route = models.PositiveSmallIntegerField(_("route"), null=True, blank=True)
    position = models.PositiveSmallIntegerField(_("position"), null=True, blank=True)
    arrival = models.TimeField(_("arrival"), null=True, blank=True)

    class Meta:
        verbose_name = _("route plan stop")
        verbose_name_plural = _("route plan stops")
        ordering = ["plan", "number"]
        constraints = [
            models.UniqueConstraint(fields=["plan", "number"], name="plan_stop_unique_number"),
        ]

    def __str__(self) -> str:
        return f"stop {self.number}: {self.site_id}"
