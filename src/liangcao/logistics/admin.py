from django.contrib import admin

from liangcao.logistics.models import (
    RoutePlan,
    RoutePlanStop,
    RoutePlanVehicle,
    ShipmentTransport,
)


@admin.register(ShipmentTransport)
class ShipmentTransportAdmin(admin.ModelAdmin[ShipmentTransport]):
    list_display = ["document", "vehicle_plate", "driver_name", "updated_by", "updated_at"]
    search_fields = ["vehicle_plate", "driver_name"]
    raw_id_fields = ["document"]


class _ReadOnly:
    """Plans are written by logistics.planning (create, solve): the admin only shows them."""

    def has_add_permission(self, request: object, obj: object = None) -> bool:
        return False

    def has_change_permission(self, request: object, obj: object = None) -> bool:
        return False

    def has_delete_permission(self, request: object, obj: object = None) -> bool:
        return False


class RoutePlanVehicleInline(_ReadOnly, admin.TabularInline[RoutePlanVehicle, RoutePlan]):
    model = RoutePlanVehicle
    extra = 0


class RoutePlanStopInline(_ReadOnly, admin.TabularInline[RoutePlanStop, RoutePlan]):
    model = RoutePlanStop
    extra = 0
    raw_id_fields = ["site", "shipments"]


@admin.register(RoutePlan)
class RoutePlanAdmin(_ReadOnly, admin.ModelAdmin[RoutePlan]):
    list_display = ["id", "depot", "status", "progress", "distance_m", "created_by", "created_at"]
    list_filter = ["status"]
    inlines = [RoutePlanVehicleInline, RoutePlanStopInline]
