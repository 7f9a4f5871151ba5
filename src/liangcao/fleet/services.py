"""Writes of the fleet: vehicles, drivers, pass keys, passes, scans, assignments, relays.

Every public service runs in one durable transaction and raises `core.errors` domain errors.
Who may do what is in `fleet.selectors` (FLEET_ROLES, CHECKPOINT_ROLES, STATION_ROLES) and
docs/fleet.md.
"""

from __future__ import annotations

import secrets
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal, InvalidOperation

from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from liangcao.core.errors import Conflict, FieldError, Forbidden, Invalid, Message, NotFound
from liangcao.fleet import passes, selectors
from liangcao.fleet.models import (
    Assignment,
    Driver,
    KeyState,
    PassKey,
    Relay,
    RelayState,
    Scan,
    ScanResult,
    Vehicle,
    VehicleKind,
    VehiclePass,
)
from liangcao.orgs.models import Membership, Node, NodeClosure, Role, SiteKind, User
from liangcao.orgs.selectors import site_list, user_is_city_level
from liangcao.stock import services as stock
from liangcao.stock.models import Document, DocumentKind, DocumentState
from liangcao.stock.selectors import document_get

# Who assigns a shipment's vehicle at its source site (logistics' transport form uses it too).
ASSIGN_ROLES = selectors.ASSIGN_ROLES
MAX_PASS_DAYS = 31
MAX_CAPACITY_KG = 100_000
SCAN_CLOCK_SKEW = timedelta(minutes=10)
SCAN_MAX_AGE = timedelta(days=30)


# --- input checks --------------------------------------------------------------------------
def _text(errors: list[FieldError], name: str, value: str, limit: int, *, required: bool) -> str:
    value = value.strip() if isinstance(value, str) else ""
    if "\x00" in value:
        errors.append(FieldError(name, _("contains a NUL byte")))
    elif len(value) > limit:
        errors.append(FieldError(name, _("at most %(count)s characters") % {"count": limit}))
    elif required and not value:
        errors.append(FieldError(name, _("required")))
    return value


def _raise(errors: list[FieldError], message: Message) -> None:
    if errors:
        raise Invalid(message, errors)


def _fleet_owner(user: User, owner_id: int, errors: list[FieldError]) -> None:
    if user.is_superuser:
        if not Node.objects.filter(pk=owner_id).exists():
            errors.append(FieldError("owner_id", _("no such organisation")))
        return
    if not selectors.fleet_node_ids(user).filter(descendant_id=owner_id).exists():
        errors.append(FieldError("owner_id", _("not an organisation you dispatch for")))


def normalise_plate(plate: str) -> str:
    return "".join(plate.split()).upper()


# --- vehicles and drivers --------------------------------------------------------------------
def vehicle_create(
    *,
    user: User,
    plate: str,
    kind: str,
    capacity_kg: int,
    capacity_m3: Decimal | str | float,
    owner_id: int,
    cold_chain: bool = False,
    note: str = "",
) -> Vehicle:
    """Register a vehicle of an organisation the user dispatches for.

    Raises Invalid (field errors: plate taken, capacity out of range, owner out of scope).
    """
    errors: list[FieldError] = []
    plate = normalise_plate(_text(errors, "plate", plate, 20, required=True))
    note = _text(errors, "note", note, 200, required=False)
    if kind not in VehicleKind.values:
        errors.append(
            FieldError("kind", _("one of %(choices)s") % {"choices": ", ".join(VehicleKind.values)})
        )
    if isinstance(capacity_kg, bool) or not isinstance(capacity_kg, int):
        errors.append(FieldError("capacity_kg", _("a whole number of kg")))
    elif not 1 <= capacity_kg <= MAX_CAPACITY_KG:
        errors.append(
            FieldError("capacity_kg", _("between 1 and %(limit)s") % {"limit": MAX_CAPACITY_KG})
        )
    try:
        m3 = Decimal(str(capacity_m3)).quantize(Decimal("0.01"))
        if not Decimal(0) <= m3 <= Decimal(9999):
            raise InvalidOperation
    except (InvalidOperation, ValueError):
        errors.append(FieldError("capacity_m3", _("a number between 0 and 9999")))
        m3 = Decimal(0)
    _fleet_owner(user, owner_id, errors)
    _raise(errors, _("The vehicle has errors"))
    try:
        with transaction.atomic(durable=True):
            return Vehicle.objects.create(
                plate=plate,
                kind=kind,
                capacity_kg=capacity_kg,
                capacity_m3=m3,
                cold_chain=bool(cold_chain),
                owner_id=owner_id,
                note=note,
            )
    except IntegrityError:
        raise Invalid(
            _("The vehicle has errors"), [FieldError("plate", _("already registered"))]
        ) from None


def vehicle_set_available(*, user: User, vehicle_id: int, available: bool) -> Vehicle:
    """Mark a vehicle available or not. Raises NotFound (out of scope)."""
    with transaction.atomic(durable=True):
        vehicle = selectors.vehicle_get(user=user, vehicle_id=vehicle_id)
        vehicle.is_available = bool(available)
        vehicle.save(update_fields=["is_available"])
        return vehicle


def driver_create(*, user: User, name: str, phone: str, owner_id: int) -> Driver:
    """Register a driver of an organisation the user dispatches for. Raises Invalid."""
    errors: list[FieldError] = []
    name = _text(errors, "name", name, 100, required=True)
    phone = _text(errors, "phone", phone, 30, required=True)
    if phone and not all(c.isdigit() or c in "+-() " for c in phone):
        errors.append(FieldError("phone", _("digits, spaces and + - ( ) only")))
    _fleet_owner(user, owner_id, errors)
    _raise(errors, _("The driver has errors"))
    with transaction.atomic(durable=True):
        return Driver.objects.create(name=name, phone=phone, owner_id=owner_id)


def driver_set_available(*, user: User, driver_id: int, available: bool) -> Driver:
    """Mark a driver available or not. Raises NotFound (out of scope)."""
    with transaction.atomic(durable=True):
        driver = selectors.driver_get(user=user, driver_id=driver_id)
        driver.is_available = bool(available)
        driver.save(update_fields=["is_available"])
        return driver


# --- signing keys ----------------------------------------------------------------------------
def _wrapping_key(key_id: str) -> AESGCM:
    """AES-256-GCM key derived from SECRET_KEY (HKDF-SHA256, per key id; docs/passes.md)."""
    derived = HKDF(
        algorithm=hashes.SHA256(), length=32, salt=b"liangcao-passkey-v1", info=key_id.encode()
    ).derive(settings.SECRET_KEY.encode())
    return AESGCM(derived)


def _seal(key_id: str, private: Ed25519PrivateKey) -> str:
    raw = private.private_bytes(
        serialization.Encoding.Raw,
        serialization.PrivateFormat.Raw,
        serialization.NoEncryption(),
    )
    nonce = secrets.token_bytes(12)
    return "v1." + passes.b64url(nonce + _wrapping_key(key_id).encrypt(nonce, raw, b"passkey"))


def private_key_of(key: PassKey) -> Ed25519PrivateKey:
    """Decrypt a stored private key. Raises Conflict when SECRET_KEY changed since."""
    from cryptography.exceptions import InvalidTag

    blob = passes.b64url_decode(key.private_key_encrypted.removeprefix("v1."))
    try:
        raw = _wrapping_key(key.key_id).decrypt(blob[:12], blob[12:], b"passkey")
    except InvalidTag:
        raise Conflict(
            _("Signing key %(key)s cannot be decrypted (SECRET_KEY changed?): rotate the key")
            % {"key": key.key_id}
        ) from None
    return Ed25519PrivateKey.from_private_bytes(raw)


def _key_admin(user: User) -> None:
    if not user_is_city_level(user=user, roles={Role.COMMANDER}):
        raise Forbidden(_("Only the city's commanders manage pass signing keys"))


def passkey_rotate_step(*, user: User) -> PassKey:
    """Internal step (inside the caller's transaction) of `passkey_rotate`."""
    _key_admin(user)
    private = Ed25519PrivateKey.generate()
    public = private.public_key().public_bytes(
        serialization.Encoding.Raw, serialization.PublicFormat.Raw
    )
    while True:
        key_id = "k" + secrets.token_hex(3)
        if not PassKey.objects.filter(key_id=key_id).exists():
            break
    return PassKey.objects.create(
        key_id=key_id,
        public_key=passes.b64url(public),
        private_key_encrypted=_seal(key_id, private),
        created_by=user,
    )


def passkey_rotate(*, user: User) -> PassKey:
    """Create a new signing key: it signs every pass from now on; older active keys keep
    verifying the passes they signed until retired. Raises Forbidden (city commanders only)."""
    with transaction.atomic(durable=True):
        return passkey_rotate_step(user=user)


def passkey_end(*, user: User, key_id: str, revoke: bool) -> PassKey:
    """Retire a key (its passes stop verifying; planned) or revoke it (compromised). Either way
    checkpoints report its passes as revoked once their list is refreshed. Raises Forbidden,
    NotFound, Conflict (already ended)."""
    _key_admin(user)
    with transaction.atomic(durable=True):
        key = PassKey.objects.select_for_update().filter(key_id=key_id).first()
        if key is None:
            raise NotFound(_("No such key"))
        if key.state != KeyState.ACTIVE:
            raise Conflict(
                _("Key %(key)s is already %(state)s")
                % {"key": key_id, "state": KeyState(key.state).label}
            )
        key.state = KeyState.REVOKED if revoke else KeyState.RETIRED
        key.ended_at = timezone.now()
        key.save(update_fields=["state", "ended_at"])
        return key


def signing_key() -> PassKey:
    """The newest active key. Raises Conflict when there is none."""
    key = PassKey.objects.filter(state=KeyState.ACTIVE).order_by("-created_at", "-id").first()
    if key is None:
        raise Conflict(_("No active pass signing key: a city commander must create one"))
    return key


# --- passes ------------------------------------------------------------------------------------
def _issuer_for(user: User, zone_ids: Sequence[int]) -> Node:
    """The deepest office (node membership with an issuing role) covering every zone."""
    memberships = Membership.objects.filter(
        user=user, role__in=selectors.PASS_ISSUER_ROLES, node__isnull=False
    ).select_related("node")
    best: Node | None = None
    for m in memberships:
        assert m.node is not None  # noqa: S101 - filtered above
        covered = NodeClosure.objects.filter(ancestor_id=m.node_id, descendant_id__in=zone_ids)
        if covered.count() == len(set(zone_ids)) and (best is None or m.node.depth > best.depth):
            best = m.node
    if best is None and user.is_superuser:
        best = Node.objects.filter(parent__isnull=True).order_by("id").first()
    if best is None:
        raise Forbidden(
            _(
                "Passes are issued by dispatch offices (dispatchers or commanders at a node) "
                "whose area covers every zone"
            )
        )
    return best


@dataclass(frozen=True)
class PassSpec:
    vehicle_id: int
    zone_ids: Sequence[int]
    purpose: str
    valid_from: datetime
    valid_until: datetime
    driver_id: int | None = None


def _check_pass(user: User, spec: PassSpec) -> tuple[Vehicle, Driver | None, list[Node], str]:
    errors: list[FieldError] = []
    purpose = _text(errors, "purpose", spec.purpose, 200, required=True)
    vehicle = selectors.vehicle_list(user=user).filter(pk=spec.vehicle_id).first()
    if vehicle is None:
        errors.append(FieldError("vehicle_id", _("not a vehicle you dispatch")))
    driver = None
    if spec.driver_id is not None:
        driver = selectors.driver_list(user=user).filter(pk=spec.driver_id).first()
        if driver is None:
            errors.append(FieldError("driver_id", _("not a driver you dispatch")))
    zone_ids = sorted(set(spec.zone_ids))
    zones = list(Node.objects.filter(pk__in=zone_ids))
    if not zone_ids or len(zone_ids) > passes.MAX_ZONES or len(zones) != len(zone_ids):
        errors.append(
            FieldError("zone_ids", _("1 to %(limit)s known areas") % {"limit": passes.MAX_ZONES})
        )
    if timezone.is_naive(spec.valid_from) or timezone.is_naive(spec.valid_until):
        errors.append(FieldError("valid_until", _("give a time zone")))
    elif spec.valid_until <= spec.valid_from:
        errors.append(FieldError("valid_until", _("after the start of validity")))
    elif spec.valid_until - spec.valid_from > timedelta(days=MAX_PASS_DAYS):
        errors.append(
            FieldError(
                "valid_until",
                _("at most %(days)s days after the start of validity") % {"days": MAX_PASS_DAYS},
            )
        )
    elif not (spec.valid_from.timestamp() > 0 and spec.valid_until.timestamp() < 2**32):
        errors.append(FieldError("valid_from", _("out of range")))
    _raise(errors, _("The pass has errors"))
    assert vehicle is not None  # noqa: S101 - checked above
    return vehicle, driver, zones, purpose


def _issue(user: User, spec: PassSpec, replaces: VehiclePass | None = None) -> VehiclePass:
    vehicle, driver, zones, purpose = _check_pass(user, spec)
    issuer = _issuer_for(user, [z.pk for z in zones])
    key = signing_key()
    issued = VehiclePass.objects.create(
        vehicle=vehicle,
        driver=driver,
        issuer=issuer,
        purpose=purpose,
        valid_from=spec.valid_from,
        valid_until=spec.valid_until,
        key=key,
        code="",
        replaces=replaces,
        issued_by=user,
    )
    issued.zones.set(zones)
    payload = passes.PassPayload(
        serial=issued.pk,
        issuer_id=issuer.pk,
        valid_from=int(spec.valid_from.timestamp()),
        valid_until=int(spec.valid_until.timestamp()),
        key_id=key.key_id,
        plate=vehicle.plate,
        zone_ids=tuple(z.pk for z in zones),
    )
    issued.code = passes.sign(payload, private_key_of(key))
    issued.save(update_fields=["code"])
    return issued


def pass_issue_step(*, user: User, spec: PassSpec) -> VehiclePass:
    """Internal step (inside the caller's transaction) of `pass_issue`."""
    return _issue(user, spec)


def pass_issue(*, user: User, spec: PassSpec) -> VehiclePass:
    """Issue a signed pass with the current key. The issuer is the user's office covering
    every zone. Raises Invalid (fields), Forbidden (no office covers the zones), Conflict (no
    active key)."""
    with transaction.atomic(durable=True):
        return _issue(user, spec)


def pass_revoke(*, user: User, pass_id: int, reason: str) -> VehiclePass:
    """Revoke a pass: it joins the checkpoints' revocation list. Raises NotFound, Invalid,
    Conflict (already revoked)."""
    errors: list[FieldError] = []
    reason = _text(errors, "reason", reason, 200, required=True)
    _raise(errors, _("Give a reason"))
    with transaction.atomic(durable=True):
        found = selectors.pass_list(user=user).filter(pk=pass_id).values_list("pk", flat=True)
        the_pass = VehiclePass.objects.select_for_update().filter(pk__in=list(found)).first()
        if the_pass is None:
            raise NotFound(_("No such pass"))
        if the_pass.revoked_at is not None:
            raise Conflict(_("Pass %(id)s is already revoked") % {"id": pass_id})
        the_pass.revoked_at = timezone.now()
        the_pass.revoke_reason = reason
        the_pass.save(update_fields=["revoked_at", "revoke_reason"])
        return the_pass


def pass_reissue(*, user: User, pass_id: int, valid_until: datetime | None = None) -> VehiclePass:
    """Replace a pass by a new one (same vehicle, driver, zones and purpose) signed with the
    current key, valid from now; the old pass is revoked in the same transaction. Raises
    NotFound, Invalid, Conflict (already replaced)."""
    with transaction.atomic(durable=True):
        old = selectors.pass_get(user=user, pass_id=pass_id)
        old = VehiclePass.objects.select_for_update().get(pk=old.pk)
        if VehiclePass.objects.filter(replaces=old).exists():
            raise Conflict(_("Pass %(id)s was already re-issued") % {"id": pass_id})
        now = timezone.now()
        length = old.valid_until - old.valid_from
        spec = PassSpec(
            vehicle_id=old.vehicle_id,
            driver_id=old.driver_id,
            zone_ids=list(old.zones.values_list("pk", flat=True)),
            purpose=old.purpose,
            valid_from=now,
            valid_until=valid_until or now + length,
        )
        new = _issue(user, spec, replaces=old)
        if old.revoked_at is None:
            old.revoked_at = now
            old.save(update_fields=["revoked_at"])  # the page shows what replaced it
        return new


def pass_verify(*, code: str, checkpoint_node_id: int, now: datetime | None = None) -> str:
    """The server's verdict on a pass at a checkpoint node (same rules as the browser)."""
    trust = selectors.trust_list(now=now)
    keys = {
        k: (passes.b64url_decode(v["public_key"]), v["state"]) for k, v in trust["keys"].items()
    }
    verdict = passes.verify(
        code,
        trust=passes.TrustList(keys, frozenset(trust["revoked_passes"])),
        now=now or timezone.now(),
        zone_ancestors=selectors.zone_ancestors(node_id=checkpoint_node_id),
    )
    return verdict.result


# --- scans -------------------------------------------------------------------------------------
@dataclass(frozen=True)
class ScanIn:
    client_id: str
    code: str
    result: str
    scanned_at: datetime


def scan_record(*, user: User, checkpoint_id: int, scan: ScanIn) -> tuple[Scan, bool]:
    """Log one scan (what the checkpoint page decided, offline or not). The client id makes a
    re-sent scan a no-op: returns (scan, created). Raises NotFound (checkpoint), Invalid."""
    errors: list[FieldError] = []
    try:
        client_id = uuid.UUID(str(scan.client_id))
    except ValueError:
        errors.append(FieldError("client_id", _("a UUID")))
        client_id = uuid.UUID(int=0)
    if scan.result not in ScanResult.values:
        errors.append(
            FieldError(
                "result", _("one of %(choices)s") % {"choices": ", ".join(ScanResult.values)}
            )
        )
    code = _text(errors, "code", scan.code, 1000, required=False)
    now = timezone.now()
    if timezone.is_naive(scan.scanned_at):
        errors.append(FieldError("scanned_at", _("give a time zone")))
    elif not now - SCAN_MAX_AGE <= scan.scanned_at <= now + SCAN_CLOCK_SKEW:
        errors.append(FieldError("scanned_at", _("within the last 30 days")))
    _raise(errors, _("The scan has errors"))
    checkpoint = selectors.checkpoint_get(user=user, site_id=checkpoint_id)
    try:
        payload, _sig, _key = passes.decode(code)
    except passes.PassFormatError:
        payload = None
    the_pass = None
    if payload is not None:
        the_pass = VehiclePass.objects.filter(pk=payload.serial, code=code).first()

    def existing() -> tuple[Scan, bool]:
        found = Scan.objects.get(client_id=client_id)
        if found.scanned_by_id != user.pk or found.checkpoint_id != checkpoint.pk:
            raise Invalid(_("The scan has errors"), [FieldError("client_id", _("already used"))])
        return found, False

    if Scan.objects.filter(client_id=client_id).exists():
        return existing()
    try:
        with transaction.atomic(durable=True):
            created = Scan.objects.create(
                client_id=client_id,
                checkpoint=checkpoint,
                vehicle_pass=the_pass,
                pass_serial=payload.serial if payload and payload.serial < 2**31 else None,
                plate=payload.plate[:20] if payload else "",
                result=scan.result,
                scanned_at=scan.scanned_at,
                scanned_by=user,
            )
            return created, True
    except IntegrityError:  # the same scan arriving twice at once: the first one stays
        return existing()


# --- shipments: who carries them -----------------------------------------------------------------
def assignment_set_step(
    *,
    user: User,
    document_id: int,
    vehicle_id: int | None,
    driver_id: int | None,
    collected_by_recipient: bool,
) -> Assignment:
    """Internal step (inside the caller's transaction): give a shipment a vehicle and driver
    from the fleet, or mark it collected by the recipient. Raises NotFound (shipment not
    visible), Forbidden (no assigning role at the source), Invalid (choices), Conflict (state)."""
    document, site = selectors.shipment_transport_source(user=user, document_id=document_id)
    if document.state not in {DocumentState.RESERVED, DocumentState.DISPATCHED}:
        raise Conflict(
            _("Shipment %(id)s is %(state)s")
            % {"id": document.pk, "state": DocumentState(document.state).label}
        )
    errors: list[FieldError] = []
    vehicles, drivers = selectors.transport_choices(user=user, site=site)
    vehicle = driver = None
    if collected_by_recipient:
        if vehicle_id or driver_id:
            errors.append(
                FieldError(
                    "collected_by_recipient", _("no vehicle when collected by the recipient")
                )
            )
    else:
        vehicle = vehicles.filter(pk=vehicle_id or 0).first()
        driver = drivers.filter(pk=driver_id or 0).first()
        if vehicle is None:
            errors.append(FieldError("vehicle_id", _("choose an available vehicle")))
        if driver is None:
            errors.append(FieldError("driver_id", _("choose an available driver")))
    _raise(errors, _("Choose a vehicle and driver, or collected by recipient"))
    assignment, _created = Assignment.objects.update_or_create(
        document=document,
        defaults={
            "vehicle": vehicle,
            "driver": driver,
            "collected_by_recipient": bool(collected_by_recipient),
            "assigned_by": user,
        },
    )
    return assignment


# --- transfer stations -------------------------------------------------------------------
def relay_arrive(
    *, user: User, document_id: int, vehicle_id: int, arrived_at: datetime | None = None
) -> Relay:
    """Record an inbound vehicle waiting at a transfer station with a shipment addressed to
    it. Raises NotFound, Forbidden (no station role), Invalid (vehicle, not a station),
    Conflict (not in transit, already arrived)."""
    with transaction.atomic(durable=True):
        document = document_get(user=user, document_id=document_id)
        station = document.dest_site
        if document.kind != DocumentKind.SHIPMENT or station is None:
            raise NotFound(_("No such shipment"))
        if station.kind != SiteKind.TRANSFER_STATION:
            raise Invalid(
                _("Not a transfer station"),
                [FieldError("document_id", _("not addressed to a transfer station"))],
            )
        if not site_list(user=user, roles=selectors.STATION_ROLES).filter(pk=station.pk).exists():
            raise Forbidden(
                _("Only the station's keepers, dispatchers or commanders record arrivals")
            )
        if document.state not in {DocumentState.DISPATCHED, DocumentState.PARTIALLY_RECEIVED}:
            raise Conflict(
                _("Shipment %(id)s is %(state)s, not in transit")
                % {"id": document.pk, "state": DocumentState(document.state).label}
            )
        vehicle = Vehicle.objects.filter(pk=vehicle_id).first()
        if vehicle is None:
            raise Invalid(_("Unknown vehicle"), [FieldError("vehicle_id", _("no such vehicle"))])
        if Relay.objects.filter(inbound=document).exists():
            raise Conflict(_("Shipment %(id)s has already arrived") % {"id": document.pk})
        return Relay.objects.create(
            station=station,
            inbound=document,
            inbound_vehicle=vehicle,
            arrived_at=arrived_at or timezone.now(),
            recorded_by=user,
        )


def _weight_kg(document: Document) -> int:
    """Kilograms of the lines whose issue unit is the kilogram (bulk goods)."""
    lines = document.lines.select_related("item")
    return sum(ln.quantity for ln in lines if ln.item.unit == "kg")


def relay_complete(
    *,
    user: User,
    relay_id: int,
    to_site_id: int,
    vehicle_id: int,
    driver_id: int,
    idempotency_key: str = "",
) -> Relay:
    """Hand a waiting vehicle's goods to a local vehicle: the ledger moves them from the inbound
    shipment's transit to a new outbound shipment's (stock.services.shipment_relay), and this
    relay row, with both vehicles and the outbound assignment, commits in the same transaction.
    Raises NotFound, Forbidden (posting roles at the station), Invalid, Conflict."""
    relay = Relay.objects.select_related("station").filter(pk=relay_id).first()
    if relay is None or not selectors.station_list(user=user).filter(pk=relay.station_id).exists():
        raise NotFound(_("No such relay"))
    vehicles, drivers = selectors.transport_choices(user=user, site=relay.station)
    errors: list[FieldError] = []
    if not vehicles.filter(pk=vehicle_id).exists() or vehicle_id == relay.inbound_vehicle_id:
        errors.append(FieldError("vehicle_id", _("choose an available local vehicle")))
    if not drivers.filter(pk=driver_id).exists():
        errors.append(FieldError("driver_id", _("choose an available driver")))
    _raise(errors, _("The relay has errors"))

    def record(inbound: Document, outbound: Document) -> None:
        row = Relay.objects.select_for_update().get(pk=relay_id)
        if row.state != RelayState.WAITING:
            raise Conflict(_("Relay %(id)s is already done") % {"id": relay_id})
        row.state = RelayState.DONE
        row.outbound = outbound
        row.outbound_vehicle_id = vehicle_id
        row.relayed_at = timezone.now()
        row.weight_kg = _weight_kg(outbound)
        row.save()
        Assignment.objects.create(
            document=outbound, vehicle_id=vehicle_id, driver_id=driver_id, assigned_by=user
        )

    stock.shipment_relay(
        actor=user,
        document_id=relay.inbound_id,
        to_site_id=to_site_id,
        idempotency_key=idempotency_key,
        on_posted=record,
    )
    return Relay.objects.select_related("outbound", "outbound_vehicle").get(pk=relay_id)
