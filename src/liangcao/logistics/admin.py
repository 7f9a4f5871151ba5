from django.contrib import admin

from liangcao.logistics.models import ShipmentTransport


@admin.register(ShipmentTransport)
class ShipmentTransportAdmin(admin.ModelAdmin[ShipmentTransport]):
    list_display = ["document", "vehicle_plate", "driver_name", "updated_by", "updated_at"]
    search_fields = ["vehicle_plate", "driver_name"]
    raw_id_fields = ["document"]
