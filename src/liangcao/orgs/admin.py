from django.contrib import admin
from django.contrib.auth.admin import UserAdmin

from liangcao.orgs.models import Membership, Node, NodeClosure, Site, User


class MembershipInline(admin.TabularInline[Membership, User]):
    model = Membership
    fk_name = "user"
    autocomplete_fields = ["node", "site"]
    extra = 0


@admin.register(User)
class LiangcaoUserAdmin(UserAdmin[User]):
    inlines = [MembershipInline]


@admin.register(Node)
class NodeAdmin(admin.ModelAdmin[Node]):
    list_display = ["code", "name_zh", "name_en", "kind", "parent", "population"]
    list_filter = ["kind"]
    search_fields = ["code", "name_zh", "name_en"]
    readonly_fields = ["depth", "parent", "kind", "code"]

    def has_add_permission(self, request: object) -> bool:
        # Nodes are created through orgs.services so the closure table stays true.
        return False


@admin.register(Site)
class SiteAdmin(admin.ModelAdmin[Site]):
    list_display = ["code", "name_zh", "name_en", "kind", "node", "is_active"]
    list_filter = ["kind", "is_active"]
    search_fields = ["code", "name_zh", "name_en", "address"]
    autocomplete_fields = ["node"]


@admin.register(Membership)
class MembershipAdmin(admin.ModelAdmin[Membership]):
    list_display = ["user", "role", "node", "site", "created_at"]
    list_filter = ["role"]
    search_fields = ["user__username", "node__code", "site__code"]
    autocomplete_fields = ["user", "node", "site"]


@admin.register(NodeClosure)
class NodeClosureAdmin(admin.ModelAdmin[NodeClosure]):
    """Read-only: closure rows are derived from parent links by orgs.services."""

    list_display = ["ancestor", "descendant", "distance"]
    list_select_related = ["ancestor", "descendant"]

    def has_add_permission(self, request: object) -> bool:
        return False

    def has_change_permission(self, request: object, obj: object = None) -> bool:
        return False

    def has_delete_permission(self, request: object, obj: object = None) -> bool:
        return False
