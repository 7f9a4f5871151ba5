"""Reads of the fleet, scoped to the acting user (docs/fleet.md, "Who sees what").

- Vehicles and drivers belong to a tree node (their organisation). Dispatchers and commanders
  whose membership node covers that node see them, drivers' names and phones included
  (`FLEET_ROLES`). Everyone else sees no driver phone anywhere in this app.
- A keeper or dispatcher choosing transport for a shipment also gets the vehicles and drivers
  of the source site's own organisation and its ancestors (`transport_choices`), by name only.
- Passes are seen by FLEET_ROLES over their issuer; checkpoints by checkpoint officers,
  dispatchers and commanders in scope; relays by anyone who may see the station.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from django.db.models import Count, Q, QuerySet, Sum
from django.db.models.functions import TruncDate
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from liangcao.core.errors import Forbidden, NotFound
from liangcao.fleet.models import (
    Assignment,
    Driver,
    PassKey,
    Relay,
    RelayState,
    Scan,
    Vehicle,
    VehiclePass,
)
from liangcao.orgs.models import Membership, NodeClosure, Role, Site, SiteKind, User
from liangcao.orgs.selectors import site_list
from liangcao.stock.models import Document, DocumentKind, DocumentState
from liangcao.stock.selectors import document_get

# Dispatchers in scope: see and edit vehicles and drivers (phones included), issue passes.
FLEET_ROLES = frozenset({Role.DISPATCHER, Role.COMMANDER})
PASS_ISSUER_ROLES = FLEET_ROLES
CHECKPOINT_ROLES = frozenset({Role.CHECKPOINT_OFFICER, Role.DISPATCHER, Role.COMMANDER})
# Who records arrivals at a transfer station (the relay itself also needs the ledger's
# posting roles at the station: warehouse keeper or commander).
STATION_ROLES = frozenset({Role.WAREHOUSE_KEEPER, Role.DISPATCHER, Role.COMMANDER})
# Who gives a shipment its vehicle and driver, at the shipment's source.
ASSIGN_ROLES = frozenset({Role.DISPATCHER, Role.WAREHOUSE_KEEPER, Role.COMMANDER})
TRUST_LIST_DAYS = 2  # revoked passes stay on the checkpoints' list until this long past expiry


def fleet_node_ids(user: User, roles: frozenset[str] = FLEET_ROLES) -> QuerySet[Any, Any]:
    """Subquery: every node under the user's node memberships holding one of `roles`."""
    nodes = Membership.objects.filter(user=user, role__in=roles, node__isnull=False)
    return NodeClosure.objects.filter(ancestor_id__in=nodes.values("node_id")).values(
        "descendant_id"
    )


def can_see_phones(user: User, owner_id: int) -> bool:
    """Whether the user is a dispatcher (or commander) over the organisation `owner_id`."""
    if user.is_superuser:
        return True
    nodes = Membership.objects.filter(user=user, role__in=FLEET_ROLES, node__isnull=False)
    return NodeClosure.objects.filter(
        descendant_id=owner_id, ancestor_id__in=nodes.values("node_id")
    ).exists()


def vehicle_list(
    *, user: User, search: str | None = None, available: bool | None = None
) -> QuerySet[Vehicle]:
    """Vehicles of the organisations the user dispatches for."""
    qs = Vehicle.objects.select_related("owner")
    if not user.is_superuser:
        qs = qs.filter(owner_id__in=fleet_node_ids(user))
    if search:
        qs = qs.filter(Q(plate__icontains=search) | Q(note__icontains=search))
    if available is not None:
        qs = qs.filter(is_available=available)
    return qs.order_by("plate")


def vehicle_get(*, user: User, vehicle_id: int) -> Vehicle:
    """One vehicle in scope. Raises NotFound."""
    vehicle = vehicle_list(user=user).filter(pk=vehicle_id).first()
    if vehicle is None:
        raise NotFound(_("No such vehicle"))
    return vehicle


def driver_list(
    *, user: User, search: str | None = None, available: bool | None = None
) -> QuerySet[Driver]:
    """Drivers of the organisations the user dispatches for (personal data: FLEET_ROLES)."""
    qs = Driver.objects.select_related("owner")
    if not user.is_superuser:
        qs = qs.filter(owner_id__in=fleet_node_ids(user))
    if search:
        qs = qs.filter(Q(name__icontains=search) | Q(phone__icontains=search))
    if available is not None:
        qs = qs.filter(is_available=available)
    return qs.order_by("name", "id")


def driver_get(*, user: User, driver_id: int) -> Driver:
    """One driver in scope. Raises NotFound."""
    driver = driver_list(user=user).filter(pk=driver_id).first()
    if driver is None:
        raise NotFound(_("No such driver"))
    return driver


def _owning_chain(site: Site) -> QuerySet[Any, Any]:
    return NodeClosure.objects.filter(descendant_id=site.node_id).values("ancestor_id")


def transport_choices(*, user: User, site: Site) -> tuple[QuerySet[Vehicle], QuerySet[Driver]]:
    """Available vehicles and drivers a shipment from `site` may be given: those the user
    dispatches for, and those of the site's own organisation and its ancestors (the caller
    has already checked the user may assign transport at `site`)."""
    chain = _owning_chain(site)
    vehicles = Vehicle.objects.filter(is_available=True)
    drivers = Driver.objects.filter(is_available=True)
    if not user.is_superuser:
        mine = fleet_node_ids(user)
        vehicles = vehicles.filter(Q(owner_id__in=mine) | Q(owner_id__in=chain))
        drivers = drivers.filter(Q(owner_id__in=mine) | Q(owner_id__in=chain))
    return vehicles.order_by("plate"), drivers.order_by("name", "id")


def shipment_transport_source(*, user: User, document_id: int) -> tuple[Document, Site]:
    """A visible shipment and its source site, where the user may assign transport. Raises
    NotFound (not a visible shipment), Forbidden (no ASSIGN_ROLES at the source)."""
    document = document_get(user=user, document_id=document_id)
    if document.kind != DocumentKind.SHIPMENT:
        raise NotFound(_("No such shipment"))
    site = site_list(user=user, roles=ASSIGN_ROLES).filter(pk=document.source_site_id or 0).first()
    if site is None:
        raise Forbidden(_("Only the source's dispatchers, keepers or commanders assign transport"))
    return document, site


def shipment_transport_choices(
    *, user: User, document_id: int
) -> tuple[QuerySet[Vehicle], QuerySet[Driver]]:
    """What a shipment may be dispatched with, as its dispatch form offers it (drivers by
    name: phones stay with FLEET_ROLES). Raises NotFound, Forbidden."""
    _document, site = shipment_transport_source(user=user, document_id=document_id)
    return transport_choices(user=user, site=site)


def assignment_for(*, document_id: int) -> Assignment | None:
    """The vehicle and driver (or collection) of a shipment the caller may already see."""
    return (
        Assignment.objects.select_related("vehicle", "driver")
        .filter(document_id=document_id)
        .first()
    )


# --- passes ------------------------------------------------------------------------------
def pass_list(*, user: User, search: str | None = None) -> QuerySet[VehiclePass]:
    """Passes issued by an office in the user's dispatch scope, newest first."""
    qs = VehiclePass.objects.select_related("vehicle", "issuer", "key").prefetch_related("zones")
    if not user.is_superuser:
        qs = qs.filter(issuer_id__in=fleet_node_ids(user))
    if search:
        qs = qs.filter(vehicle__plate__icontains=search)
    return qs.order_by("-issued_at", "-id")


def pass_get(*, user: User, pass_id: int) -> VehiclePass:
    """One pass in scope. Raises NotFound."""
    found = pass_list(user=user).filter(pk=pass_id).first()
    if found is None:
        raise NotFound(_("No such pass"))
    return found


def passkey_list() -> QuerySet[PassKey]:
    """Every signing key, newest first (public keys are public; private keys never leave)."""
    return PassKey.objects.order_by("-created_at", "-id")


def trust_list(*, now: datetime | None = None) -> dict[str, Any]:
    """What a checkpoint caches to verify offline: every key's public half and state, and the
    serials of revoked passes still inside (or just past) their window."""
    now = now or timezone.now()
    keys = {k.key_id: {"public_key": k.public_key, "state": k.state} for k in passkey_list()}
    revoked = VehiclePass.objects.filter(
        revoked_at__isnull=False, valid_until__gte=now - timedelta(days=TRUST_LIST_DAYS)
    ).values_list("pk", flat=True)
    return {
        "version": 1,
        "generated_at": now.isoformat(),
        "keys": keys,
        "revoked_passes": sorted(revoked),
    }


def checkpoint_list(*, user: User) -> QuerySet[Site]:
    """Checkpoint sites where the user checks passes."""
    return site_list(user=user, roles=CHECKPOINT_ROLES).filter(
        kind=SiteKind.CHECKPOINT, is_active=True
    )


def checkpoint_get(*, user: User, site_id: int) -> Site:
    """One checkpoint the user works at. Raises NotFound."""
    site = checkpoint_list(user=user).filter(pk=site_id).first()
    if site is None:
        raise NotFound(_("No such checkpoint"))
    return site


def zone_ancestors(*, node_id: int) -> list[int]:
    """The node and every ancestor: a pass for any of them is valid at this node."""
    return sorted(
        NodeClosure.objects.filter(descendant_id=node_id).values_list("ancestor_id", flat=True)
    )


def scan_list(*, user: User, checkpoint_id: int | None = None) -> QuerySet[Scan]:
    """Scans at checkpoints the user works at, newest first."""
    qs = Scan.objects.select_related("checkpoint").filter(
        checkpoint_id__in=checkpoint_list(user=user).order_by().values("pk")
    )
    if checkpoint_id is not None:
        qs = qs.filter(checkpoint_id=checkpoint_id)
    return qs.order_by("-scanned_at", "-id")


# --- transfer stations ---------------------------------------------------------------------
def station_list(*, user: User) -> QuerySet[Site]:
    """Transfer stations the user may see."""
    return site_list(user=user, kind=SiteKind.TRANSFER_STATION)


def station_get(*, user: User, site_id: int) -> Site:
    """One visible transfer station. Raises NotFound."""
    station = station_list(user=user).filter(pk=site_id).first()
    if station is None:
        raise NotFound(_("No such transfer station"))
    return station


def relay_list(*, station: Site, state: str | None = None) -> QuerySet[Relay]:
    """Relays at a station the caller may see, newest arrivals first."""
    qs = Relay.objects.filter(station=station).select_related(
        "inbound_vehicle", "outbound_vehicle", "inbound", "outbound__dest_site"
    )
    if state:
        qs = qs.filter(state=state)
    return qs.order_by("-arrived_at", "-id")


def station_board(*, station: Site, days: int = 7) -> dict[str, Any]:
    """The station board: vehicles waiting, relays done today, tonnes relayed per day."""
    now = timezone.now()
    since = now - timedelta(days=days)
    done = Relay.objects.filter(station=station, state=RelayState.DONE, relayed_at__gte=since)
    per_day = list(
        done.annotate(day=TruncDate("relayed_at"))
        .values("day")
        .annotate(relays=Count("id"), kg=Sum("weight_kg"))
        .order_by("-day")
    )
    for row in per_day:
        row["tonnes"] = round((row["kg"] or 0) / 1000, 2)
    return {
        "waiting": list(relay_list(station=station, state=RelayState.WAITING)),
        "done": list(relay_list(station=station, state=RelayState.DONE)[:50]),
        "per_day": per_day,
    }


def relay_destinations() -> QuerySet[Site]:
    """Where a relay's next leg may go: any active receiving site (names are not personal)."""
    return (
        Site.objects.filter(is_active=True)
        .exclude(kind__in=[SiteKind.TRANSFER_STATION, SiteKind.SUPPLIER_SITE])
        .order_by("code")
    )


def inbound_at_station(*, station: Site) -> QuerySet[Document]:
    """Shipments to the station still in transit with no arrival recorded yet."""
    return Document.objects.filter(
        kind=DocumentKind.SHIPMENT,
        dest_site=station,
        state__in=[DocumentState.DISPATCHED, DocumentState.PARTIALLY_RECEIVED],
        relay_in__isnull=True,
    ).order_by("-created_at")
