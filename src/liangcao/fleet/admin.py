"""Fleet tables in the admin. Vehicles and drivers are plain master data (editable); keys,
passes, scans, assignments and relays are written by services only (read-only here)."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.db.models import Model
from django.http import HttpRequest

from liangcao.fleet.models import (
    Assignment,
    Driver,
    PassKey,
    Relay,
    Scan,
    Vehicle,
    VehiclePass,
)


class ReadOnlyAdmin(admin.ModelAdmin[Any]):
    def has_add_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False


@admin.register(Vehicle)
class VehicleAdmin(admin.ModelAdmin[Vehicle]):
    list_display = ["plate", "kind", "capacity_kg", "capacity_m3", "cold_chain", "owner"]
    list_filter = ["kind", "cold_chain", "is_available"]
    search_fields = ["plate"]
    raw_id_fields = ["owner"]


@admin.register(Driver)
class DriverAdmin(admin.ModelAdmin[Driver]):
    list_display = ["id", "name", "owner", "is_available"]
    search_fields = ["name"]
    raw_id_fields = ["owner"]


@admin.register(PassKey)
class PassKeyAdmin(ReadOnlyAdmin):
    list_display = ["key_id", "state", "created_at", "ended_at"]
    exclude = ["private_key_encrypted"]


@admin.register(VehiclePass)
class VehiclePassAdmin(ReadOnlyAdmin):
    list_display = ["id", "vehicle", "issuer", "valid_from", "valid_until", "key", "revoked_at"]
    search_fields = ["vehicle__plate"]


@admin.register(Scan)
class ScanAdmin(ReadOnlyAdmin):
    list_display = ["checkpoint", "result", "plate", "scanned_at", "received_at"]
    list_filter = ["result"]


@admin.register(Assignment)
class AssignmentAdmin(ReadOnlyAdmin):
    list_display = ["document", "vehicle", "collected_by_recipient", "assigned_at"]


@admin.register(Relay)
class RelayAdmin(ReadOnlyAdmin):
    list_display = [
        "station",
        "inbound",
        "inbound_vehicle",
        "outbound",
        "outbound_vehicle",
        "state",
    ]
    list_filter = ["state"]
