"""Which levels of the tree must countersign a demand list, and why.

Every list is signed by the first street-or-higher level at or above its site (a community's
list by its street, a district hospital's by its district). Active `CountersignRule`s add
levels. The default rules (data migration) follow the model plans: tier-1 items, and anything
from a hospital or fangcang hospital, also by the district; a line above 10,000 units also by
the city.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from liangcao.demand.models import REASON_OWN_LEVEL, REASON_RULE, CountersignRule
from liangcao.orgs.models import NODE_KIND_DEPTH, Node, NodeKind

SIGNING_KINDS = (NodeKind.STREET, NodeKind.DISTRICT, NodeKind.CITY)
STREET_DEPTH = NODE_KIND_DEPTH[NodeKind.STREET]


@dataclass(frozen=True)
class LineFacts:
    category: str
    quantity: int


@dataclass(frozen=True)
class SigningLevel:
    node: Node
    reasons: tuple[str, ...]  # stored tokens (models.signature_reasons words them)


def chain_of(node: Node) -> list[Node]:
    """The node and its ancestors, nearest first."""
    chain = [node]
    while chain[-1].parent_id is not None:
        parent = chain[-1].parent
        assert parent is not None  # noqa: S101 - parent_id set implies a parent row
        chain.append(parent)
    return chain


def signing_levels(
    *,
    site_node: Node,
    site_kind: str,
    lines: Iterable[LineFacts],
    rules: Iterable[CountersignRule] | None = None,
) -> list[SigningLevel]:
    """The levels that must sign, lowest first, each with the reasons it was chosen."""
    lines = list(lines)
    chain = chain_of(site_node)
    by_kind = {n.kind: n for n in chain}
    reasons: dict[int, list[str]] = {}
    nodes: dict[int, Node] = {}
    own = next(n for n in chain if n.depth <= STREET_DEPTH)
    nodes[own.pk] = own
    reasons[own.pk] = [REASON_OWN_LEVEL]
    active = (
        list(rules) if rules is not None else list(CountersignRule.objects.filter(is_active=True))
    )
    for rule in active:
        level = by_kind.get(rule.level)
        if level is None or level.depth > own.depth:
            continue  # the rule's level is not above this site (e.g. a city depot's own list)
        if rule.site_kinds and site_kind not in rule.site_kinds:
            continue
        relevant = [
            ln
            for ln in lines
            if (not rule.category or ln.category == rule.category)
            and (rule.min_line_quantity is None or ln.quantity > rule.min_line_quantity)
        ]
        if not relevant:
            continue
        nodes[level.pk] = level
        reasons.setdefault(level.pk, []).append(f"{REASON_RULE}{rule.pk}")
    return [
        SigningLevel(nodes[pk], tuple(reasons[pk]))
        for pk in sorted(nodes, key=lambda pk: -nodes[pk].depth)
    ]
