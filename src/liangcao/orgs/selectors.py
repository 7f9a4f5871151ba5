"""Reads of the tree, sites and memberships, scoped to what the acting user may see.

Scope rule (architecture.md): a membership at a node reaches that node's whole subtree; a
membership at a site reaches that site only. Superusers see everything. Objects outside the
scope are reported as missing (NotFound), never as forbidden, so their existence is not revealed.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Q, QuerySet
from django.utils.translation import gettext_lazy as _

from liangcao.core.db import hot_sql
from liangcao.core.errors import NotFound
from liangcao.orgs.models import Membership, Node, NodeClosure, Role, Site, User


@dataclass(frozen=True)
class Scope:
    """What one user may see: whole subtrees under `node_ids`, plus single `site_ids`."""

    everything: bool
    node_ids: frozenset[int]
    site_ids: frozenset[int]
    roles: frozenset[str]
    role_nodes: frozenset[tuple[str, int]] = frozenset()  # (role, node id) per node membership

    @property
    def is_empty(self) -> bool:
        return not (self.everything or self.node_ids or self.site_ids)

    def nodes_with(self, roles: frozenset[str]) -> frozenset[int]:
        """The membership nodes at which the user holds one of `roles`."""
        return frozenset(node for role, node in self.role_nodes if role in roles)

    def descendant_ids(self) -> QuerySet[NodeClosure, int]:
        """Subquery of every node id under the user's membership nodes."""
        return NodeClosure.objects.filter(ancestor_id__in=self.node_ids).values_list(
            "descendant_id", flat=True
        )


def scope_for_user(user: User) -> Scope:
    """The user's scope, from their memberships (cached on the user object per request; the
    sign-in backend, `orgs.backends.UserBackend`, reads them with the user)."""
    cached: Scope | None = getattr(user, "_liangcao_scope", None)
    if cached is not None:
        return cached
    rows: list[tuple[str, int | None, int | None]] = []
    if user.is_authenticated and user.is_active:
        # Hand-written: this runs on every request that checks scope (the order path's too).
        rows = [
            (r, n, s)
            for r, n, s in hot_sql(
                "SELECT role, node_id, site_id FROM orgs_membership WHERE user_id = %s", [user.pk]
            )
        ]
    return scope_keep(user, rows)


def scope_keep(user: User, rows: list[tuple[str, int | None, int | None]]) -> Scope:
    """The scope of `user` from its membership rows (role, node id, site id), cached on it."""
    if not user.is_authenticated or not user.is_active:
        scope = Scope(False, frozenset(), frozenset(), frozenset())
    else:
        scope = Scope(
            everything=bool(user.is_superuser),
            node_ids=frozenset(n for _, n, _ in rows if n is not None),
            site_ids=frozenset(s for _, _, s in rows if s is not None),
            roles=frozenset(r for r, _, _ in rows),
            role_nodes=frozenset((r, n) for r, n, _ in rows if n is not None),
        )
    user._liangcao_scope = scope  # type: ignore[attr-defined]
    return scope


def node_subtree_ids(*, node_id: int) -> QuerySet[NodeClosure, int]:
    """Subquery of the ids of a node and everything under it (one indexed lookup)."""
    return NodeClosure.objects.filter(ancestor_id=node_id).values_list("descendant_id", flat=True)


def node_list(
    *,
    user: User,
    parent_id: int | None = None,
    kind: str | None = None,
    under_id: int | None = None,
    search: str | None = None,
) -> QuerySet[Node]:
    """Nodes the user may see, optionally the children of `parent_id`, of a kind, under a node,
    or matching a search in code and names."""
    scope = scope_for_user(user)
    qs = Node.objects.all()
    if not scope.everything:
        qs = qs.filter(id__in=scope.descendant_ids())
    if parent_id is not None:
        qs = qs.filter(parent_id=parent_id)
    if kind:
        qs = qs.filter(kind=kind)
    if under_id is not None:
        qs = qs.filter(id__in=node_subtree_ids(node_id=under_id))
    if search:
        qs = qs.filter(
            Q(code__icontains=search) | Q(name_zh__icontains=search) | Q(name_en__icontains=search)
        )
    return qs.order_by("depth", "code")


def node_get(*, user: User, node_id: int) -> Node:
    """One visible node. Raises NotFound when unknown or out of scope."""
    node = node_list(user=user).select_related("parent").filter(pk=node_id).first()
    if node is None:
        raise NotFound(_("No such node"))
    return node


def node_ancestors(*, node: Node) -> list[Node]:
    """The node's ancestors, root first (for breadcrumbs; the caller already may see `node`)."""
    ids = NodeClosure.objects.filter(descendant_id=node.pk, distance__gt=0).values("ancestor_id")
    return list(Node.objects.filter(id__in=ids).order_by("depth"))


def site_list(
    *,
    user: User,
    node_id: int | None = None,
    kind: str | None = None,
    search: str | None = None,
    roles: frozenset[str] | None = None,
) -> QuerySet[Site]:
    """Sites the user may see, optionally under a node (its subtree), of a kind, or by search.

    `roles` restricts the scope to memberships of those roles (e.g. a warehouse keeper's stores).
    """
    scope = scope_for_user(user)
    qs = Site.objects.select_related("node")
    if not scope.everything:
        if roles is not None:
            memberships = Membership.objects.filter(user=user, role__in=roles)
            node_ids = memberships.filter(node__isnull=False).values("node_id")
            site_ids = memberships.filter(site__isnull=False).values("site_id")
            under = NodeClosure.objects.filter(ancestor_id__in=node_ids).values("descendant_id")
            qs = qs.filter(Q(node_id__in=under) | Q(id__in=site_ids))
        else:
            qs = qs.filter(Q(node_id__in=scope.descendant_ids()) | Q(id__in=scope.site_ids))
    if node_id is not None:
        qs = qs.filter(node_id__in=node_subtree_ids(node_id=node_id))
    if kind:
        qs = qs.filter(kind=kind)
    if search:
        qs = qs.filter(
            Q(code__icontains=search) | Q(name_zh__icontains=search) | Q(name_en__icontains=search)
        )
    return qs.order_by("code")


def site_get(*, user: User, site_id: int) -> Site:
    """One visible site. Raises NotFound when unknown or out of scope."""
    site = site_list(user=user).filter(pk=site_id).first()
    if site is None:
        raise NotFound(_("No such site"))
    return site


def membership_list(*, user: User) -> QuerySet[Membership]:
    """The user's own memberships, with their node or site."""
    return (
        Membership.objects.filter(user=user)
        .select_related("node", "site")
        .order_by("role", "node__depth", "site__code")
    )


def user_has_role(*, user: User, roles: set[str] | frozenset[str]) -> bool:
    """Whether the user holds any of `roles` anywhere (superusers hold all)."""
    scope = scope_for_user(user)
    return scope.everything or bool(scope.roles & set(roles))


def user_is_city_level(*, user: User, roles: set[str] | frozenset[str] | None = None) -> bool:
    """Whether the user holds one of `roles` (any role when None) at a root node of the tree."""
    if user.is_superuser:
        return True
    qs = Membership.objects.filter(user=user, node__parent__isnull=True)
    if roles is not None:
        qs = qs.filter(role__in=roles)
    return qs.exists()


ALL_ROLES = frozenset(Role.values)
