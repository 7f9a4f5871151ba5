from django.contrib import admin

from liangcao.allocation.models import AllocationOverride, AllocationRun


class OverrideInline(admin.TabularInline):  # type: ignore[type-arg]
    model = AllocationOverride
    extra = 0
    can_delete = False

    def has_add_permission(self, request: object, obj: object = None) -> bool:
        return False

    def has_change_permission(self, request: object, obj: object = None) -> bool:
        return False


@admin.register(AllocationRun)
class AllocationRunAdmin(admin.ModelAdmin[AllocationRun]):
    """Read-only: runs are started, overridden and committed through allocation.services."""

    list_display = [
        "id",
        "node",
        "policy",
        "status",
        "progress",
        "seconds",
        "created_by",
        "created_at",
    ]
    list_filter = ["status", "policy"]
    exclude = ["instance", "result"]
    inlines = [OverrideInline]

    def has_add_permission(self, request: object) -> bool:
        return False

    def has_change_permission(self, request: object, obj: object = None) -> bool:
        return False
