from django.contrib import admin

from liangcao.readiness.models import (
    CoverTarget,
    LevelDeclaration,
    Notification,
    Playbook,
    PlaybookStep,
    PopulationNorm,
    ResponseLevel,
    SwitchRun,
    SwitchStep,
)


class ReadOnlyAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    """Rows written by readiness.services only (history): viewable, never edited here."""

    def has_add_permission(self, request: object, obj: object = None) -> bool:
        return False

    def has_change_permission(self, request: object, obj: object = None) -> bool:
        return False

    def has_delete_permission(self, request: object, obj: object = None) -> bool:
        return False


class CoverTargetInline(admin.TabularInline):  # type: ignore[type-arg]
    model = CoverTarget
    extra = 0


@admin.register(ResponseLevel)
class ResponseLevelAdmin(admin.ModelAdmin[ResponseLevel]):
    """Configurable: levels and their days-of-cover targets per category."""

    list_display = ["code", "name_zh", "rank", "is_emergency"]
    inlines = [CoverTargetInline]


@admin.register(PopulationNorm)
class PopulationNormAdmin(admin.ModelAdmin[PopulationNorm]):
    list_display = ["item", "kind", "per_thousand"]
    list_filter = ["kind"]


class PlaybookStepInline(admin.TabularInline):  # type: ignore[type-arg]
    model = PlaybookStep
    extra = 0


@admin.register(Playbook)
class PlaybookAdmin(admin.ModelAdmin[Playbook]):
    list_display = ["code", "name_zh", "node", "target_level", "duration_minutes"]
    inlines = [PlaybookStepInline]


@admin.register(LevelDeclaration)
class LevelDeclarationAdmin(ReadOnlyAdmin):
    list_display = ["node", "level", "declared_by", "declared_at", "reason"]


class SwitchStepInline(admin.TabularInline):  # type: ignore[type-arg]
    model = SwitchStep
    extra = 0
    can_delete = False

    def has_add_permission(self, request: object, obj: object = None) -> bool:
        return False

    def has_change_permission(self, request: object, obj: object = None) -> bool:
        return False


@admin.register(SwitchRun)
class SwitchRunAdmin(ReadOnlyAdmin):
    list_display = ["playbook", "is_drill", "started_by", "started_at", "finished_at"]
    list_filter = ["is_drill"]
    inlines = [SwitchStepInline]


@admin.register(Notification)
class NotificationAdmin(ReadOnlyAdmin):
    list_display = ["user", "text", "created_at", "read_at"]
