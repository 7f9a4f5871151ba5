"""Template context: the navigation each role sees."""

from __future__ import annotations

from dataclasses import dataclass

from django.http import HttpRequest
from django.urls import reverse
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from liangcao.orgs.models import Role, User
from liangcao.orgs.selectors import scope_for_user
from liangcao.web.permissions import can_manage_catalog


@dataclass(frozen=True)
class NavLink:
    label: str | Promise
    url: str
    key: str


def navigation(request: HttpRequest) -> dict[str, object]:
    """Menu links for the signed-in user: everyone gets the shared views; roles add theirs."""
    user = getattr(request, "user", None)
    if not isinstance(user, User) or not user.is_authenticated:
        return {"nav_links": []}
    scope = scope_for_user(user)
    links = [NavLink(_("Dashboard"), reverse("home"), "home")]
    if scope.everything or scope.node_ids:
        links.append(NavLink(_("Administrative tree"), reverse("node-list"), "nodes"))
    links.append(NavLink(_("Sites"), reverse("site-list"), "sites"))
    links.append(NavLink(_("Demand lists"), reverse("demand-list"), "demand"))
    if scope.everything or scope.roles & {Role.APPROVER, Role.COMMANDER}:
        links.append(NavLink(_("Approval inbox"), reverse("demand-inbox"), "demand-inbox"))
    if scope.everything or Role.COMMANDER in scope.roles:
        links.append(NavLink(_("Allocation"), reverse("allocation-workbench"), "allocation"))
    links.append(NavLink(_("Stock"), reverse("stock-overview"), "stock"))
    links.append(NavLink(_("Shipments"), reverse("shipment-list"), "shipments"))
    if scope.everything or scope.roles & {Role.DISPATCHER, Role.WAREHOUSE_KEEPER, Role.COMMANDER}:
        links.append(NavLink(_("Route plans"), reverse("route-plan-list"), "route-plans"))
    if scope.everything or scope.roles & {Role.WAREHOUSE_KEEPER, Role.COMMANDER}:
        links.append(NavLink(_("Receive goods"), reverse("stock-receive"), "stock-receive"))
    links.append(NavLink(_("Donations"), reverse("donation-list"), "donations"))
    if scope.everything or scope.roles & {Role.DISPATCHER, Role.COMMANDER}:
        links.append(NavLink(_("Vehicles"), reverse("vehicle-list"), "fleet"))
        links.append(NavLink(_("Passes"), reverse("pass-list"), "passes"))
    if scope.everything or Role.CHECKPOINT_OFFICER in scope.roles:
        links.append(NavLink(_("Checkpoints"), reverse("checkpoint-list"), "checkpoint"))
    if scope.everything or scope.roles & {Role.DISPATCHER, Role.WAREHOUSE_KEEPER, Role.COMMANDER}:
        links.append(NavLink(_("Transfer stations"), reverse("station-list"), "stations"))
    if scope.everything or scope.roles & {Role.GRID_WORKER, Role.COMMANDER}:
        links.append(NavLink(_("Households"), reverse("community-households"), "households"))
        links.append(NavLink(_("Special populations"), reverse("community-care"), "care"))
        links.append(NavLink(_("Group buys"), reverse("community-group-buys"), "group-buys"))
    if scope.everything or scope.roles & {Role.SUPPLIER, Role.COMMANDER}:
        links.append(NavLink(_("Supplier portal"), reverse("community-supplier"), "supplier"))
    if scope.everything or scope.node_ids:
        links.append(NavLink(_("Household orders"), reverse("community-orders"), "orders"))
    if scope.everything or scope.node_ids:
        links.append(NavLink(_("Readiness"), reverse("readiness-cover"), "readiness"))
        links.append(NavLink(_("Daily reports"), reverse("report-list"), "reports"))
        links.append(NavLink(_("Market prices"), reverse("market-home"), "market"))
    links.append(NavLink(_("Catalog"), reverse("item-list"), "items"))
    links.append(NavLink(_("Kits"), reverse("kit-list"), "kits"))
    if can_manage_catalog(user):
        links.append(NavLink(_("Catalog import"), reverse("catalog-import"), "catalog-import"))
    if scope.everything or Role.COMMANDER in scope.roles:
        links.append(NavLink(_("Master data"), reverse("masterdata-home"), "masterdata"))
    links.append(NavLink(_("Public portal"), reverse("portal-home"), "portal"))
    links.append(NavLink(_("My account"), reverse("profile"), "profile"))
    if user.is_superuser:
        links.append(NavLink(_("Admin"), reverse("admin:index"), "admin"))
    role_labels = [str(Role(r).label) for r in sorted(scope.roles)]
    return {"nav_links": links, "nav_roles": role_labels}
