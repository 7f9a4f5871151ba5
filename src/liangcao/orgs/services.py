"""Writes to the tree, sites and memberships.

The closure table is written only here, in the same transaction as the node, so that it always
matches the parent links.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext_lazy as _

from liangcao.core.errors import FieldError, Invalid, Message, NotFound
from liangcao.orgs.models import NODE_KIND_DEPTH, Membership, Node, NodeClosure, Role, Site, User


def _validation_to_invalid(exc: ValidationError, message: Message) -> Invalid:
    errors = [
        FieldError(field, str(msg))
        for field, messages in exc.message_dict.items()
        for msg in messages
    ]
    return Invalid(message, errors)


def _node_insert(
    *, code: str, kind: str, name_zh: str, name_en: str, parent: Node | None, population: int
) -> Node:
    expected_depth = NODE_KIND_DEPTH.get(kind)  # type: ignore[call-overload]
    depth = 0 if parent is None else parent.depth + 1
    if expected_depth is None:
        raise Invalid(
            _("Unknown node kind"),
            [FieldError("kind", _("unknown kind %(kind)r") % {"kind": kind})],
        )
    if depth != expected_depth:
        raise Invalid(
            _("Node kind does not fit under its parent"),
            [
                FieldError(
                    "kind",
                    _("a %(kind)s sits at depth %(expected)s, not %(depth)s")
                    % {"kind": kind, "expected": expected_depth, "depth": depth},
                )
            ],
        )
    node = Node(
        code=code,
        kind=kind,
        name_zh=name_zh,
        name_en=name_en,
        parent=parent,
        depth=depth,
        population=population,
    )
    try:
        node.full_clean()
    except ValidationError as exc:
        raise _validation_to_invalid(exc, _("Invalid node")) from None
    node.save()
    rows = [NodeClosure(ancestor_id=node.pk, descendant_id=node.pk, distance=0)]
    if parent is not None:
        rows += [
            NodeClosure(ancestor_id=a, descendant_id=node.pk, distance=d + 1)
            for a, d in NodeClosure.objects.filter(descendant_id=parent.pk).values_list(
                "ancestor_id", "distance"
            )
        ]
    NodeClosure.objects.bulk_create(rows)
    return node


def node_create(
    *,
    code: str,
    kind: str,
    name_zh: str,
    name_en: str = "",
    parent_id: int | None = None,
    population: int = 0,
) -> Node:
    """Create a tree node and its closure rows.

    Invariants: a kind sits at its own depth (city 0 … compound 4); codes are unique.
    Raises Invalid (bad kind, depth or code), NotFound (unknown parent).
    """
    with transaction.atomic(durable=True):
        parent = None
        if parent_id is not None:
            parent = Node.objects.filter(pk=parent_id).first()
            if parent is None:
                raise NotFound(_("No such parent node"))
        return _node_insert(
            code=code,
            kind=kind,
            name_zh=name_zh,
            name_en=name_en,
            parent=parent,
            population=population,
        )


def nodes_bulk_create(nodes: list[Node]) -> list[Node]:
    """Insert a batch of nodes whose parents already exist (or are earlier in the batch at a
    smaller depth), with their closure rows; used by loaders. Caller holds the transaction."""
    nodes = sorted(nodes, key=lambda n: n.depth)
    by_depth: dict[int, list[Node]] = {}
    for node in nodes:
        by_depth.setdefault(node.depth, []).append(node)
    created: list[Node] = []
    for depth in sorted(by_depth):
        batch = by_depth[depth]
        for node in batch:
            if node.parent is not None:
                node.parent_id = node.parent.pk
        Node.objects.bulk_create(batch, batch_size=2000)
        if any(n.pk is None for n in batch):  # backends without RETURNING ids
            ids = dict(
                Node.objects.filter(code__in=[n.code for n in batch]).values_list("code", "id")
            )
            for n in batch:
                n.pk = ids[n.code]
        parent_ids = {n.parent_id for n in batch if n.parent_id is not None}
        ancestors: dict[int, list[tuple[int, int]]] = {}
        for anc, desc, dist in NodeClosure.objects.filter(descendant_id__in=parent_ids).values_list(
            "ancestor_id", "descendant_id", "distance"
        ):
            ancestors.setdefault(desc, []).append((anc, dist))
        rows: list[NodeClosure] = []
        for n in batch:
            rows.append(NodeClosure(ancestor_id=n.pk, descendant_id=n.pk, distance=0))
            if n.parent_id is not None:
                rows += [
                    NodeClosure(ancestor_id=a, descendant_id=n.pk, distance=d + 1)
                    for a, d in ancestors[n.parent_id]
                ]
        NodeClosure.objects.bulk_create(rows, batch_size=5000)
        created += batch
    return created


def site_create(
    *,
    code: str,
    kind: str,
    node_id: int,
    name_zh: str,
    name_en: str = "",
    latitude: float,
    longitude: float,
    address: str = "",
    is_designated: bool = False,
) -> Site:
    """Create a site owned by a node. Raises Invalid (field errors) or NotFound (node)."""
    with transaction.atomic(durable=True):
        if not Node.objects.filter(pk=node_id).exists():
            raise NotFound(_("No such node"))
        site = Site(
            code=code,
            kind=kind,
            node_id=node_id,
            name_zh=name_zh,
            name_en=name_en,
            latitude=latitude,
            longitude=longitude,
            address=address,
            is_designated=is_designated,
        )
        try:
            site.full_clean()
        except ValidationError as exc:
            raise _validation_to_invalid(exc, _("Invalid site")) from None
        site.save()
        return site


def membership_grant(
    *, user: User, role: str, node_id: int | None = None, site_id: int | None = None
) -> Membership:
    """Give a user a role at exactly one node or one site (idempotent).

    Raises Invalid when both or neither of node and site are given, or the role is unknown.
    """
    if (node_id is None) == (site_id is None):
        raise Invalid(
            _("Give a node or a site"), [FieldError("node", _("exactly one of node, site"))]
        )
    if role not in Role.values:
        raise Invalid(
            _("Unknown role"), [FieldError("role", _("unknown role %(role)r") % {"role": role})]
        )
    with transaction.atomic(durable=True):
        membership, _created = Membership.objects.get_or_create(
            user=user, role=role, node_id=node_id, site_id=site_id
        )
    return membership
