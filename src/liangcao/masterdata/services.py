"""Master-data imports (all or nothing) and edits, each checked against `rules.py`.

Every import reads one sheet of its template, checks every row and cell first, and raises
Invalid listing every bad cell (row as Excel shows it, column, reason) without writing
anything; only a clean sheet is written, in one transaction. Tree nodes and their closure rows
go through `orgs.services.nodes_bulk_create`; opening stock through the ledger's
`stock.services.opening_balance_post`.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from django.contrib.auth.hashers import make_password
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils.translation import gettext_lazy as _

from liangcao.catalog.models import Item

# The catalog's cell checker serves every import (one piece of code for both).
from liangcao.catalog.services import _RowChecker as RowChecker
from liangcao.core.errors import Conflict, FieldError, Forbidden, Invalid, NotFound
from liangcao.core.xlsx import SheetRow, read_sheet
from liangcao.masterdata.excel import EXAMPLE_PREFIX, TEMPLATES
from liangcao.masterdata.rules import Authority, require_manager
from liangcao.orgs.models import (
    NODE_KIND_DEPTH,
    Membership,
    Node,
    NodeKind,
    Role,
    Site,
    SiteKind,
    User,
)
from liangcao.orgs.services import nodes_bulk_create
from liangcao.stock.services import OpeningSpec, opening_balance_post

OUTSIDE = _("unknown, or outside your part of the tree")
# Supplier staff work one supplier's portal: the role is held at that supplier's site only.
SUPPLIER_AT_SITE = _("supplier staff are granted at a supplier's site (site_code), not at a node")
# The sheets as people name them (import page titles, error messages).
SHEET_NAMES = {
    "nodes": _("Administrative tree"),
    "sites": _("Sites"),
    "users": _("Users and roles"),
    "opening_stock": _("Opening stock"),
}
MAX_COUNT = 1_000_000_000  # populations and quantities: far above any real one, inside the column


@dataclass(frozen=True)
class ImportSummary:
    kind: str
    created: int
    detail: str = ""


def _outside(code: str) -> str:
    return _("%(code)s: unknown, or outside your part of the tree") % {"code": code}


def _rows(content: bytes, kind: str) -> Iterator[SheetRow]:
    required, optional, _columns = TEMPLATES[kind]
    for row in read_sheet(content, sheet=kind, required=required, optional=optional):
        first = str(row.cells.get(required[0]) or "")
        if not first.startswith(EXAMPLE_PREFIX):
            yield row


def _raise_if(check: RowChecker, kind: str) -> None:
    if check.errors:
        raise Invalid(
            _("The %(sheet)s sheet has bad rows; nothing was imported")
            % {"sheet": SHEET_NAMES[kind]},
            check.errors,
        )


def _number(check: RowChecker, row: SheetRow, column: str, low: float, high: float) -> float:
    value = row.cells.get(column)
    try:
        number = float(value) if not isinstance(value, bool) and value not in (None, "") else None
    except (TypeError, ValueError):
        number = None
    if number is None or not (low <= number <= high):
        check.fail(
            row,
            column,
            _("a number from %(low)s to %(high)s") % {"low": f"{low:g}", "high": f"{high:g}"},
        )
        return 0.0
    return number


def _date(check: RowChecker, row: SheetRow, column: str) -> date | None:
    value = row.cells.get(column)
    if value in (None, ""):
        return None
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value).strip())
    except ValueError:
        check.fail(row, column, _("a date like 2022-01-20"))
        return None


def _integrity(kind: str) -> Conflict:
    return Conflict(
        _("Another change to the %(sheet)s happened at the same time; import again")
        % {"sheet": SHEET_NAMES[kind]}
    )


# --- the tree -------------------------------------------------------------------------------
def nodes_import(*, user: User, content: bytes) -> ImportSummary:
    """Add tree nodes under nodes the user manages (or under earlier rows). All or nothing.
    Raises Forbidden (not a manager), Invalid (bad rows), Conflict (a concurrent change)."""
    authority = require_manager(user)
    rows = list(_rows(content, "nodes"))
    wanted = {str(r.cells.get(c) or "").strip() for r in rows for c in ("code", "parent_code")}
    existing = {
        code: (pk, depth)
        for code, pk, depth in Node.objects.filter(code__in=wanted).values_list(
            "code", "id", "depth"
        )
    }
    check = RowChecker()
    new: dict[str, Node] = {}
    for row in rows:
        code = check.code(row, "code")
        kind = check.choice(row, "kind", list(NodeKind.values))
        name_zh = check.text(row, "name_zh", required=True)
        name_en = check.text(row, "name_en", required=False)
        parent_code = check.text(row, "parent_code", required=False, max_len=40)
        population = check.integer(row, "population", required=False, minimum=0) or 0
        if population > MAX_COUNT:
            check.fail(row, "population", _("at most %(limit)s") % {"limit": MAX_COUNT})
        if code in existing:
            check.fail(row, "code", _("node %(code)s already exists") % {"code": code})
        elif code in new:
            check.fail(row, "code", _("%(code)s appears twice") % {"code": code})
        parent: Node | None = None
        if not parent_code:
            if not authority.manages(None):
                check.fail(row, "parent_code", _("required: only an administrator adds a city"))
        elif parent_code in new:
            parent = new[parent_code]
        elif parent_code in existing and authority.manages(existing[parent_code][0]):
            pk, depth = existing[parent_code]
            parent = Node(pk=pk, depth=depth)
        else:
            check.fail(
                row,
                "parent_code",
                _("%(code)s: unknown, or outside your part of the tree (or not on an earlier row)")
                % {"code": parent_code},
            )
            continue
        depth = 0 if parent is None else parent.depth + 1
        expected = NODE_KIND_DEPTH.get(kind)  # type: ignore[call-overload]
        if expected is not None and expected != depth:
            check.fail(
                row,
                "kind",
                _("a %(kind)s sits at level %(expected)s, not %(depth)s")
                % {"kind": NodeKind(kind).label, "expected": expected, "depth": depth},
            )
        new[code] = Node(
            code=code,
            kind=kind,
            name_zh=name_zh,
            name_en=name_en,
            parent=parent,
            depth=depth,
            population=population,
        )
    _raise_if(check, "nodes")
    try:
        with transaction.atomic(durable=True):
            created = nodes_bulk_create(list(new.values()))
    except IntegrityError:
        raise _integrity("tree") from None
    return ImportSummary("nodes", len(created))


def _managed_nodes(authority: Authority, codes: set[str]) -> dict[str, int]:
    found = dict(Node.objects.filter(code__in=codes).values_list("code", "id"))
    return {c: pk for c, pk in found.items() if authority.manages(pk)}


# --- sites ------------------------------------------------------------------------------------
def sites_import(*, user: User, content: bytes) -> ImportSummary:
    """Add sites owned by nodes the user manages. All or nothing.
    Raises Forbidden (not a manager), Invalid (bad rows), Conflict (a concurrent change)."""
    authority = require_manager(user)
    rows = list(_rows(content, "sites"))
    nodes = _managed_nodes(authority, {str(r.cells.get("node_code") or "").strip() for r in rows})
    taken = set(
        Site.objects.filter(
            code__in=[str(r.cells.get("code") or "").strip() for r in rows]
        ).values_list("code", flat=True)
    )
    check = RowChecker()
    new: dict[str, Site] = {}
    for row in rows:
        code = check.code(row, "code")
        if code in taken:
            check.fail(row, "code", _("site %(code)s already exists") % {"code": code})
        elif code in new:
            check.fail(row, "code", _("%(code)s appears twice") % {"code": code})
        node_code = check.text(row, "node_code", required=True, max_len=40)
        if node_code and node_code not in nodes:
            check.fail(row, "node_code", _outside(node_code))
        new[code] = Site(
            code=code,
            kind=check.choice(row, "kind", list(SiteKind.values)),
            name_zh=check.text(row, "name_zh", required=True),
            name_en=check.text(row, "name_en", required=False),
            node_id=nodes.get(node_code, 0),
            latitude=_number(check, row, "latitude", -90, 90),
            longitude=_number(check, row, "longitude", -180, 180),
            address=check.text(row, "address", required=False, max_len=300),
            is_designated=check.boolean(row, "designated"),
        )
    _raise_if(check, "sites")
    try:
        with transaction.atomic(durable=True):
            created = Site.objects.bulk_create(list(new.values()), batch_size=1000)
    except IntegrityError:
        raise _integrity("sites") from None
    return ImportSummary("sites", len(created))


# --- users and roles --------------------------------------------------------------------------
def users_import(*, user: User, content: bytes) -> ImportSummary:
    """Create users (a password on their first row) and grant roles, one role per row, each
    within the importer's authority (rules.py). Existing users only gain roles: their names
    and passwords are never changed here. All or nothing.
    Raises Forbidden (not a manager), Invalid (bad rows), Conflict (a concurrent change)."""
    authority = require_manager(user)
    rows = list(_rows(content, "users"))
    usernames = {str(r.cells.get("username") or "").strip() for r in rows}
    existing = dict(User.objects.filter(username__in=usernames).values_list("username", "id"))
    nodes = _managed_nodes(authority, {str(r.cells.get("node_code") or "").strip() for r in rows})
    site_rows = Site.objects.filter(
        code__in={str(r.cells.get("site_code") or "").strip() for r in rows}
    ).values_list("code", "id", "node_id", "kind")
    sites = {c: (pk, n) for c, pk, n, _kind in site_rows if authority.manages(n)}
    supplier_sites = {c for c, _pk, _n, kind in site_rows if kind == SiteKind.SUPPLIER_SITE}
    check = RowChecker()
    new_users: dict[str, User] = {}
    grants: list[tuple[str, str, int | None, int | None]] = []
    for row in rows:
        username = check.text(row, "username", required=True, max_len=150)
        role = check.choice(row, "role", list(Role.values))
        node_code = check.text(row, "node_code", required=False, max_len=40)
        site_code = check.text(row, "site_code", required=False, max_len=40)
        password = str(row.cells.get("password") or "")
        if username in existing:
            if password:
                check.fail(row, "password", _("existing user: leave empty (passwords are theirs)"))
        elif username not in new_users:
            if not password:
                check.fail(row, "password", _("required for a new user"))
            candidate = User(
                username=username,
                first_name=check.text(row, "first_name", required=False, max_len=150),
                last_name=check.text(row, "last_name", required=False, max_len=150),
                email=check.text(row, "email", required=False, max_len=254),
            )
            try:
                candidate.clean_fields(exclude=["password"])
            except ValidationError as exc:
                for error in _field_errors(exc):
                    check.fail(row, error.field, error.message)
            try:
                if password:
                    validate_password(password, user=candidate)
            except ValidationError as exc:
                for message in exc.messages:
                    check.fail(row, "password", message)
            candidate.password = make_password(password)
            new_users[username] = candidate
        node_id = site_id = site_node = None
        if bool(node_code) == bool(site_code):
            check.fail(row, "node_code", _("give a node_code or a site_code (one of them)"))
            continue
        if node_code:
            node_id = nodes.get(node_code)
            if node_id is None:
                check.fail(row, "node_code", _outside(node_code))
                continue
        else:
            if site_code not in sites:
                check.fail(row, "site_code", _outside(site_code))
                continue
            site_id, site_node = sites[site_code]
        if role == Role.SUPPLIER and site_code not in supplier_sites:
            check.fail(row, "role", SUPPLIER_AT_SITE)
        if role and not authority.may_grant(role=role, node_id=node_id, site_node_id=site_node):
            check.fail(
                row,
                "role",
                _("you may not grant %(role)s there (only below your own level)")
                % {"role": Role(role).label},
            )
        grants.append((username, role, node_id, site_id))
    _raise_if(check, "users")
    try:
        with transaction.atomic(durable=True):
            User.objects.bulk_create(list(new_users.values()), batch_size=1000)
            ids = dict(User.objects.filter(username__in=usernames).values_list("username", "id"))
            Membership.objects.bulk_create(
                [Membership(user_id=ids[u], role=r, node_id=n, site_id=s) for u, r, n, s in grants],
                batch_size=2000,
                ignore_conflicts=True,
            )
    except IntegrityError:
        raise _integrity("users") from None
    return ImportSummary("users", len(new_users), detail=_("%(n)s roles") % {"n": len(grants)})


# --- opening stock ------------------------------------------------------------------------
def opening_stock_import(*, user: User, content: bytes) -> ImportSummary:
    """Book each site's opening stock through the ledger (one adjustment document per site,
    all in one transaction). Raises Forbidden (not a manager), Invalid (bad rows, or a site
    that already has opening stock), NotFound/Forbidden from the ledger."""
    authority = require_manager(user)
    rows = list(_rows(content, "opening_stock"))
    site_rows = Site.objects.filter(
        code__in={str(r.cells.get("site_code") or "").strip() for r in rows}
    ).values_list("code", "id", "node_id")
    sites = {c: pk for c, pk, n in site_rows if authority.manages(n)}
    items = {
        i.code: i
        for i in Item.objects.filter(
            code__in={str(r.cells.get("item_code") or "").strip() for r in rows}, is_active=True
        )
    }
    check = RowChecker()
    seen: dict[tuple[str, str, str], int] = {}
    specs: list[OpeningSpec] = []
    for row in rows:
        site_code = check.text(row, "site_code", required=True, max_len=40)
        item_code = check.text(row, "item_code", required=True, max_len=40)
        quantity = check.integer(row, "quantity", required=True, minimum=1)
        if quantity is not None and quantity > MAX_COUNT:
            check.fail(row, "quantity", _("at most %(limit)s") % {"limit": MAX_COUNT})
            quantity = None
        lot_code = check.text(row, "lot_code", required=False, max_len=60)
        expiry = _date(check, row, "expiry")
        if site_code and site_code not in sites:
            check.fail(row, "site_code", _outside(site_code))
        item = items.get(item_code)
        if item_code and item is None:
            check.fail(row, "item_code", _("unknown item %(code)s") % {"code": item_code})
        elif item is not None:
            if item.lot_tracked and not lot_code:
                check.fail(
                    row, "lot_code", _("%(code)s is tracked by lot: required") % {"code": item_code}
                )
            if not item.lot_tracked and lot_code:
                check.fail(
                    row, "lot_code", _("%(code)s has no lots: leave empty") % {"code": item_code}
                )
            if item.expiry_tracked and expiry is None:
                check.fail(
                    row,
                    "expiry",
                    _("%(code)s has an expiry date: required") % {"code": item_code},
                )
        key = (site_code, item_code, lot_code)
        if key in seen:
            check.fail(
                row, "item_code", _("same site, item and lot as row %(row)s") % {"row": seen[key]}
            )
        seen.setdefault(key, row.number)
        if item is not None and site_code in sites and quantity:
            specs.append(OpeningSpec(sites[site_code], item.pk, quantity, lot_code or None, expiry))
    _raise_if(check, "opening_stock")
    if not specs:
        raise Invalid(_("No rows to import"), [FieldError("sheet", _("no rows"))])
    documents = opening_balance_post(actor=user, lines=specs)
    return ImportSummary(
        "opening_stock", len(specs), detail=_("%(n)s sites") % {"n": len(documents)}
    )


IMPORTERS = {
    "nodes": nodes_import,
    "sites": sites_import,
    "users": users_import,
    "opening_stock": opening_stock_import,
}


# --- edits ----------------------------------------------------------------------------------
def _managed_node(authority: Authority, node_id: int) -> Node:
    node = Node.objects.filter(pk=node_id).first()
    if node is None or not authority.manages(node.pk):
        raise NotFound(_("No such node"))
    return node


def node_update(*, user: User, node_id: int, name_zh: str, name_en: str, population: int) -> Node:
    """Rename a node or change its population (code, kind and parent stay: the tree's shape
    changes only by import). Raises NotFound (outside the user's authority), Invalid."""
    authority = require_manager(user)
    with transaction.atomic(durable=True):
        node = _managed_node(authority, node_id)
        node.name_zh, node.name_en, node.population = name_zh.strip(), name_en.strip(), population
        try:
            node.full_clean()
        except ValidationError as exc:
            raise Invalid(_("Invalid node"), _field_errors(exc)) from None
        node.save(update_fields=["name_zh", "name_en", "population"])
    return node


def site_update(*, user: User, site_id: int, fields: dict[str, Any]) -> Site:
    """Edit a site's names, kind, coordinates, address, designation or active flag; its owning
    node may move only to another node the user manages. Raises NotFound, Invalid."""
    authority = require_manager(user)
    editable = {"name_zh", "name_en", "kind", "latitude", "longitude", "address"}
    editable |= {"is_designated", "is_active", "node_id"}
    with transaction.atomic(durable=True):
        site = Site.objects.select_for_update().filter(pk=site_id).first()
        if site is None or not authority.manages(site.node_id):
            raise NotFound(_("No such site"))
        for name, value in fields.items():
            if name in editable:
                setattr(site, name, value)
        if not authority.manages(site.node_id):
            raise Invalid(_("Outside your part of the tree"), [FieldError("node", OUTSIDE)])
        try:
            site.full_clean()
        except ValidationError as exc:
            raise Invalid(_("Invalid site"), _field_errors(exc)) from None
        site.save()
    return site


def _field_errors(exc: ValidationError) -> list[FieldError]:
    return [FieldError(f, str(m)) for f, ms in exc.message_dict.items() for m in ms]


def role_grant(
    *, granter: User, username: str, role: str, node_code: str = "", site_code: str = ""
) -> Membership:
    """Grant an existing user a role at a node or a site, within the granter's authority
    (rules.py). Raises Forbidden (not allowed there), Invalid (unknown user, role, place)."""
    authority = require_manager(granter)
    target = User.objects.filter(username=username.strip()).first()
    errors = [] if target else [FieldError("username", _("unknown user"))]
    if role not in Role.values:
        errors.append(FieldError("role", _("unknown role")))
    node_id = site_id = site_node = site_kind = None
    if bool(node_code.strip()) == bool(site_code.strip()):
        errors.append(FieldError("node_code", _("give a node_code or a site_code (one of them)")))
    elif node_code.strip():
        node_id = _managed_nodes(authority, {node_code.strip()}).get(node_code.strip())
        if node_id is None:
            errors.append(FieldError("node_code", OUTSIDE))
    else:
        found = (
            Site.objects.filter(code=site_code.strip()).values_list("id", "node_id", "kind").first()
        )
        if found is None or not authority.manages(found[1]):
            errors.append(FieldError("site_code", OUTSIDE))
        else:
            site_id, site_node, site_kind = found
    if role == Role.SUPPLIER and site_kind != SiteKind.SUPPLIER_SITE:
        errors.append(FieldError("role", SUPPLIER_AT_SITE))
    if errors or target is None:
        raise Invalid(_("Cannot grant this role"), errors)
    if not authority.may_grant(role=role, node_id=node_id, site_node_id=site_node):
        raise Forbidden(_("You may grant roles only below your own level."))
    with transaction.atomic(durable=True):
        membership, _created = Membership.objects.get_or_create(
            user=target, role=role, node_id=node_id, site_id=site_id
        )
    return membership


def role_revoke(*, granter: User, membership_id: int) -> None:
    """Take back a role the granter could have granted. Raises NotFound (outside the granter's
    authority), Forbidden (a role at or above the granter's own level)."""
    authority = require_manager(granter)
    with transaction.atomic(durable=True):
        m = Membership.objects.select_related("site").filter(pk=membership_id).first()
        site_node = m.site.node_id if m is not None and m.site is not None else None
        if m is None or not authority.manages(m.node_id if m.node_id else site_node):
            raise NotFound(_("No such role"))
        if not authority.may_grant(role=m.role, node_id=m.node_id, site_node_id=site_node):
            raise Forbidden(_("You may take back roles only below your own level."))
        m.delete()
