from django.contrib import admin

from liangcao.community.models import (
    CareVisit,
    DoorRun,
    Escalation,
    GroupBuy,
    Handover,
    Household,
    HouseholdRead,
    ItemRule,
    Offer,
    Order,
    OrderingRule,
    OrderLine,
    Supplier,
)


class ReadOnlyAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    """Written by community.services only (orders, runs, handovers, escalations, read log)."""

    def has_add_permission(self, request: object, obj: object = None) -> bool:
        return False

    def has_change_permission(self, request: object, obj: object = None) -> bool:
        return False

    def has_delete_permission(self, request: object, obj: object = None) -> bool:
        return False


@admin.register(Household)
class HouseholdAdmin(admin.ModelAdmin[Household]):
    list_display = ["compound", "code", "building", "unit", "room", "head_count"]
    search_fields = ["code", "compound__code"]
    raw_id_fields = ["compound"]


class ItemRuleInline(admin.TabularInline):  # type: ignore[type-arg]
    model = ItemRule
    extra = 0
    raw_id_fields = ["item"]


@admin.register(OrderingRule)
class OrderingRuleAdmin(admin.ModelAdmin[OrderingRule]):
    """Editable: the ordering rules per response level (interval, quotas, price caps)."""

    list_display = ["level", "interval_days", "is_active"]
    inlines = [ItemRuleInline]


@admin.register(Offer)
class OfferAdmin(admin.ModelAdmin[Offer]):
    list_display = ["pk", "item", "kit", "price", "is_active"]
    raw_id_fields = ["item", "kit"]


@admin.register(GroupBuy)
class GroupBuyAdmin(ReadOnlyAdmin):
    list_display = ["pk", "compound", "title", "is_open", "created_at"]


@admin.register(Order)
class OrderAdmin(ReadOnlyAdmin):
    list_display = ["pk", "compound", "origin", "state", "total", "created_at", "delivered_at"]
    list_filter = ["state", "origin"]


@admin.register(OrderLine)
class OrderLineAdmin(ReadOnlyAdmin):
    list_display = ["order", "offer", "quantity", "price"]


@admin.register(DoorRun)
class DoorRunAdmin(ReadOnlyAdmin):
    list_display = ["pk", "point", "volunteer", "created_at"]


@admin.register(Handover)
class HandoverAdmin(ReadOnlyAdmin):
    list_display = ["order", "client_id", "volunteer", "confirmed_at", "document"]


@admin.register(Escalation)
class EscalationAdmin(ReadOnlyAdmin):
    list_display = ["order", "street", "age_hours", "created_at"]


@admin.register(HouseholdRead)
class HouseholdReadAdmin(ReadOnlyAdmin):
    list_display = ["household", "user", "via", "at"]


@admin.register(Supplier)
class SupplierAdmin(admin.ModelAdmin[Supplier]):
    """Editable: capacities and service areas of the fulfilling suppliers."""

    list_display = ["site", "kind", "daily_capacity", "radius_km", "is_active"]
    raw_id_fields = ["site"]


@admin.register(CareVisit)
class CareVisitAdmin(ReadOnlyAdmin):
    list_display = ["household", "visited_by", "visited_at", "health", "has_medicine", "order"]
