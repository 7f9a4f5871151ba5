"""What each role works on: the dashboard's "My work" links, derived from memberships.

A link is shown once per role the user holds; pages behind it are scoped as always, so a link
never widens what the user can see.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.urls import reverse
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from liangcao.orgs.models import Role, SiteKind, User
from liangcao.orgs.selectors import scope_for_user
from liangcao.web.permissions import can_manage_catalog

_FRONT_LINE = f"?kind={SiteKind.HOSPITAL}"


@dataclass(frozen=True)
class WorkLink:
    role: str
    label: str | Promise
    url: str


def _links_for(role: str) -> list[tuple[str | Promise, str]]:
    sites = reverse("site-list")
    table: dict[str, list[tuple[str | Promise, str]]] = {
        Role.COMMANDER: [
            (_("Area overview"), reverse("node-list")),
            (_("Open demand and overdue fast-tracks"), reverse("demand-inbox")),
            (_("Front-line hospitals"), sites + _FRONT_LINE),
            (_("Reserve depots"), f"{sites}?kind={SiteKind.RESERVE_DEPOT}"),
        ],
        Role.APPROVER: [
            (_("Approval inbox"), reverse("demand-inbox")),
            (_("Requesting sites in my area"), sites),
        ],
        Role.WAREHOUSE_KEEPER: [
            (_("My stores"), f"{sites}?kind={SiteKind.RESERVE_DEPOT}"),
            (_("Distribution points"), f"{sites}?kind={SiteKind.DISTRIBUTION_POINT}"),
        ],
        Role.REQUESTER: [
            (_("New demand list"), reverse("demand-new")),
            (_("My demand lists"), reverse("demand-list")),
            (_("My sites"), sites),
        ],
        Role.DISPATCHER: [
            (_("Transfer stations"), f"{sites}?kind={SiteKind.TRANSFER_STATION}"),
            (_("Checkpoints"), f"{sites}?kind={SiteKind.CHECKPOINT}"),
        ],
        Role.GRID_WORKER: [
            (_("Community service points"), f"{sites}?kind={SiteKind.COMMUNITY_POINT}"),
            (_("Group buys"), reverse("community-group-buys")),
            (_("Standard boxes"), reverse("kit-list")),
        ],
        Role.PROCUREMENT_OFFICER: [
            (_("Supplier sites"), f"{sites}?kind={SiteKind.SUPPLIER_SITE}"),
            (_("Catalog"), reverse("item-list")),
        ],
        Role.DONATION_OFFICER: [(_("Catalog"), reverse("item-list"))],
        Role.MARKET_MONITOR: [(_("Daily necessities"), reverse("item-list") + "?category=daily")],
        Role.CHECKPOINT_OFFICER: [(_("Checkpoints"), f"{sites}?kind={SiteKind.CHECKPOINT}")],
        Role.INSPECTOR: [(_("Area overview (read-only)"), reverse("node-list"))],
        Role.SUPPLIER: [(_("Orders to prepare and hand over"), reverse("community-supplier"))],
    }
    return table.get(role, [])


def work_links(user: User) -> list[WorkLink]:
    """The user's work links, one group per role held, in the order roles are declared."""
    held = scope_for_user(user).roles
    links = [
        WorkLink(str(Role(role).label), label, url)
        for role in Role.values
        if role in held
        for label, url in _links_for(role)
    ]
    if can_manage_catalog(user):
        links.append(
            WorkLink(
                str(Role.PROCUREMENT_OFFICER.label), _("Catalog import"), reverse("catalog-import")
            )
        )
    return links
