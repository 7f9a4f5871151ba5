from django.contrib import admin

from liangcao.market.models import PriceAlert, PriceBaseline, PriceReport, SampleStore


@admin.register(SampleStore)
class SampleStoreAdmin(admin.ModelAdmin[SampleStore]):
    list_display = ["code", "name_zh", "node", "is_active"]
    search_fields = ["code", "name_zh"]


@admin.register(PriceBaseline)
class PriceBaselineAdmin(admin.ModelAdmin[PriceBaseline]):
    list_display = ["item", "price"]


class AlertInline(admin.TabularInline):  # type: ignore[type-arg]
    model = PriceAlert
    extra = 0
    can_delete = False

    def has_add_permission(self, request: object, obj: object = None) -> bool:
        return False

    def has_change_permission(self, request: object, obj: object = None) -> bool:
        return False


@admin.register(PriceReport)
class PriceReportAdmin(admin.ModelAdmin[PriceReport]):
    """Read-only: prices and their alerts are written by market.services."""

    list_display = ["day", "store", "item", "price", "reported_by"]
    list_filter = ["day"]
    inlines = [AlertInline]

    def has_add_permission(self, request: object) -> bool:
        return False

    def has_change_permission(self, request: object, obj: object = None) -> bool:
        return False
