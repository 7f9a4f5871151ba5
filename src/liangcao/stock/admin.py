"""Ledger tables in the admin: read-only (history is corrected by reversing documents)."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.db.models import Model
from django.http import HttpRequest

from liangcao.stock.models import (
    Balance,
    CountLine,
    CountSheet,
    Discrepancy,
    Document,
    DocumentLine,
    Location,
    Lot,
    Movement,
    Reservation,
)


class ReadOnlyAdmin(admin.ModelAdmin[Any]):
    def has_add_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False


@admin.register(Movement)
class MovementAdmin(ReadOnlyAdmin):
    list_display = [
        "id",
        "document",
        "item",
        "lot",
        "quantity",
        "from_location",
        "to_location",
        "created_at",
    ]
    list_select_related = ["document", "item", "lot", "from_location", "to_location"]


@admin.register(Balance)
class BalanceAdmin(ReadOnlyAdmin):
    list_display = ["location", "item", "lot", "on_hand", "reserved"]
    list_select_related = ["location", "item", "lot"]


@admin.register(Document)
class DocumentAdmin(ReadOnlyAdmin):
    list_display = ["id", "kind", "state", "source_site", "dest_site", "created_by", "created_at"]
    list_filter = ["kind", "state"]


admin.site.register(Location, ReadOnlyAdmin)
admin.site.register(Lot, ReadOnlyAdmin)
admin.site.register(Reservation, ReadOnlyAdmin)
admin.site.register(Discrepancy, ReadOnlyAdmin)
admin.site.register(CountSheet, ReadOnlyAdmin)
admin.site.register(CountLine, ReadOnlyAdmin)
admin.site.register(DocumentLine, ReadOnlyAdmin)
