from django.contrib import admin

from liangcao.core.models import ApiToken, IdempotencyKey, ScheduledJob


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin[ApiToken]):
    list_display = ["name", "user", "prefix", "created_at", "last_used_at", "revoked_at"]
    list_filter = ["revoked_at"]
    search_fields = ["name", "user__username", "prefix"]
    readonly_fields = ["prefix", "digest", "created_at", "last_used_at"]


@admin.register(IdempotencyKey)
class IdempotencyKeyAdmin(admin.ModelAdmin[IdempotencyKey]):
    """Read-only: keys are written by core.idempotency and purged after 24 hours."""

    list_display = ["user", "key", "state", "status_code", "created_at"]
    list_filter = ["state"]

    def has_add_permission(self, request: object) -> bool:
        return False

    def has_change_permission(self, request: object, obj: object = None) -> bool:
        return False


@admin.register(ScheduledJob)
class ScheduledJobAdmin(admin.ModelAdmin[ScheduledJob]):
    """When the worker's scheduler last queued each periodic task (read-only)."""

    list_display = ["name", "last_enqueued_at"]
    readonly_fields = ["name", "last_enqueued_at"]

    def has_add_permission(self, request: object) -> bool:
        return False
