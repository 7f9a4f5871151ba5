from django.contrib import admin

from liangcao.catalog.models import Item, Kit, KitLine


@admin.register(Item)
class ItemAdmin(admin.ModelAdmin[Item]):
    list_display = ["code", "name_zh", "name_en", "category", "unit", "lot_tracked", "is_active"]
    list_filter = ["category", "unit", "lot_tracked", "expiry_tracked", "is_active"]
    search_fields = ["code", "name_zh", "name_en"]


class KitLineInline(admin.TabularInline[KitLine, Kit]):
    model = KitLine
    autocomplete_fields = ["item"]
    extra = 0


@admin.register(Kit)
class KitAdmin(admin.ModelAdmin[Kit]):
    list_display = ["code", "name_zh", "name_en", "kind", "is_active"]
    list_filter = ["kind", "is_active"]
    search_fields = ["code", "name_zh", "name_en"]
    inlines = [KitLineInline]
