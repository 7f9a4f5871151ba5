from django.contrib import admin

from liangcao.reports.models import DailyReport


@admin.register(DailyReport)
class DailyReportAdmin(admin.ModelAdmin[DailyReport]):
    """Read-only: reports are built by reports.services."""

    list_display = ["node", "day", "status", "requested_by", "created_at", "finished_at"]
    list_filter = ["status"]

    def has_add_permission(self, request: object) -> bool:
        return False

    def has_change_permission(self, request: object, obj: object = None) -> bool:
        return False
