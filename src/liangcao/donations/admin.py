from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from liangcao.donations.models import Donation, DonationAllocation, DonationLine, Donor


class _ReadOnly(admin.ModelAdmin):  # type: ignore[type-arg]
    """Read-only: donations.services owns every write (each with its ledger document)."""

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class LineInline(admin.TabularInline):  # type: ignore[type-arg]
    model = DonationLine
    extra = 0
    can_delete = False

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Donor)
class DonorAdmin(_ReadOnly):
    list_display = ["id", "kind", "name", "anonymous", "created_at"]
    search_fields = ["name"]


@admin.register(Donation)
class DonationAdmin(_ReadOnly):
    list_display = ["id", "donor", "intake_site", "designation", "state", "received_at"]
    list_filter = ["state", "designation"]
    inlines = [LineInline]


@admin.register(DonationAllocation)
class DonationAllocationAdmin(_ReadOnly):
    list_display = ["id", "donation", "to_site", "document", "created_at"]
