from django.contrib import admin

from liangcao.demand.models import (
    CountersignRule,
    Fulfilment,
    Requisition,
    RequisitionLine,
    Signature,
)


class ReadOnlyInline(admin.TabularInline):  # type: ignore[type-arg]
    extra = 0
    can_delete = False

    def has_add_permission(self, request: object, obj: object = None) -> bool:
        return False

    def has_change_permission(self, request: object, obj: object = None) -> bool:
        return False


class LineInline(ReadOnlyInline):
    model = RequisitionLine


class SignatureInline(ReadOnlyInline):
    model = Signature


@admin.register(Requisition)
class RequisitionAdmin(admin.ModelAdmin[Requisition]):
    """Read-only: requisitions change only through demand.services (states, signatures)."""

    list_display = [
        "number",
        "site",
        "state",
        "priority_class",
        "serving_node",
        "is_fast_tracked",
        "created_at",
    ]
    list_filter = ["state", "priority_class", "is_fast_tracked"]
    search_fields = ["number", "site__code", "site__name_zh"]
    inlines = [LineInline, SignatureInline]

    def has_add_permission(self, request: object) -> bool:
        return False

    def has_change_permission(self, request: object, obj: object = None) -> bool:
        return False

    def has_delete_permission(self, request: object, obj: object = None) -> bool:
        return False


@admin.register(CountersignRule)
class CountersignRuleAdmin(admin.ModelAdmin[CountersignRule]):
    """The configurable countersign chain: extra signing levels by category, site kind, size."""

    list_display = [
        "description",
        "level",
        "category",
        "site_kinds",
        "min_line_quantity",
        "is_active",
    ]
    list_filter = ["level", "category", "is_active"]


@admin.register(Fulfilment)
class FulfilmentAdmin(admin.ModelAdmin[Fulfilment]):
    list_display = ["line", "document", "document_line", "quantity", "created_at"]

    def has_add_permission(self, request: object) -> bool:
        return False

    def has_change_permission(self, request: object, obj: object = None) -> bool:
        return False

    def has_delete_permission(self, request: object, obj: object = None) -> bool:
        return False
