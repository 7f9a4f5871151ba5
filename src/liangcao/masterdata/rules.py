"""Who may change master data, and who may grant which role where.

- Superusers may do everything, including creating a root node.
- A **commander** at node N manages N's subtree: adds nodes under N (never N's siblings or
  ancestors), adds and edits sites owned by nodes in the subtree, edits N and the nodes below,
  books opening stock at those sites, and grants roles there.
- Granting: a commander at N may grant any role at a node strictly below N or at a site in
  N's subtree, and any role except commander at N itself (no one makes a peer or a superior).
  So a district commander cannot grant at the city or at another district.
- Nobody else changes master data (approvers, keepers and the other roles only read it).
"""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _

from liangcao.core.errors import Forbidden
from liangcao.orgs.models import Membership, NodeClosure, Role, User


@dataclass(frozen=True)
class Authority:
    """The nodes a user manages (commander memberships) and their subtrees."""

    everything: bool
    command_nodes: frozenset[int]
    managed_nodes: frozenset[int]

    @property
    def is_manager(self) -> bool:
        return self.everything or bool(self.command_nodes)

    def manages(self, node_id: int | None) -> bool:
        """Whether the node is inside a managed subtree (None: a new root — superusers only)."""
        if node_id is None:
            return self.everything
        return self.everything or node_id in self.managed_nodes

    def may_grant(self, *, role: str, node_id: int | None, site_node_id: int | None) -> bool:
        """Whether a role may be granted at a node, or at a site owned by `site_node_id`."""
        if self.everything:
            return True
        if site_node_id is not None:
            return site_node_id in self.managed_nodes
        if node_id is None or node_id not in self.managed_nodes:
            return False
        return not (role == Role.COMMANDER and node_id in self.command_nodes)


def authority_for(user: User) -> Authority:
    """What the user manages: one query for the commander nodes, one for their subtrees."""
    if not user.is_authenticated or not user.is_active:
        return Authority(False, frozenset(), frozenset())
    if user.is_superuser:
        return Authority(True, frozenset(), frozenset())
    command = frozenset(
        Membership.objects.filter(user=user, role=Role.COMMANDER, node__isnull=False).values_list(
            "node_id", flat=True
        )
    )
    managed = frozenset(
        NodeClosure.objects.filter(ancestor_id__in=command).values_list("descendant_id", flat=True)
    )
    return Authority(False, command, managed)


def require_manager(user: User) -> Authority:
    """The user's authority; raises Forbidden unless they manage some part of the tree."""
    authority = authority_for(user)
    if not authority.is_manager:
        raise Forbidden(_("Only commanders change master data."))
    return authority
