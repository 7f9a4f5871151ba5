from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from liangcao.procurement.models import Purchase


@admin.register(Purchase)
class PurchaseAdmin(admin.ModelAdmin[Purchase]):
    """Read-only: purchases are written by procurement.services with their ledger receipt."""

    list_display = ["id", "purchased_on", "supplier", "item", "quantity", "unit_price", "site"]
    list_filter = ["purchased_on"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
