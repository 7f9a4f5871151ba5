"""The vehicle pass format: a compact signed payload, and its verifier (docs/passes.md).

Pure Python on `cryptography` (no Django): the same rules run in the checkpoint page's
JavaScript (`static/fleet/checkpoint.js`), and the tests hold both to the same answers.

Layout of version 1 (all integers big-endian), then base64url without padding:

    version u8 = 1 | serial u32 | issuer node u32 | valid_from u32 | valid_until u32 (Unix s)
    | key id: u8 length + ASCII | plate: u8 length + UTF-8 | zones: u8 count + count × u32
    | Ed25519 signature (64 bytes) over every byte before it
"""

from __future__ import annotations

import base64
import struct
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

VERSION = 1
SIGNATURE_BYTES = 64
MAX_ZONES = 32
_HEAD = struct.Struct(">BIIII")


class PassFormatError(ValueError):
    """The text is not a well-formed pass (checkpoints report it as forged)."""


@dataclass(frozen=True)
class PassPayload:
    serial: int
    issuer_id: int
    valid_from: int
    valid_until: int
    key_id: str
    plate: str
    zone_ids: tuple[int, ...]


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def b64url_decode(text: str) -> bytes:
    cleaned = "".join(text.split()).replace("-", "+").replace("_", "/")
    try:
        return base64.b64decode(cleaned + "=" * (-len(cleaned) % 4), validate=True)
    except ValueError as exc:
        raise PassFormatError("not base64url") from exc


def encode_body(p: PassPayload) -> bytes:
    """The signed part of a pass. Raises PassFormatError when a field does not fit."""
    key = p.key_id.encode("ascii")
    plate = p.plate.encode("utf-8")
    if not (1 <= len(key) <= 8 and 1 <= len(plate) <= 40 and 1 <= len(p.zone_ids) <= MAX_ZONES):
        raise PassFormatError("key id, plate or zones out of range")
    try:
        head = _HEAD.pack(VERSION, p.serial, p.issuer_id, p.valid_from, p.valid_until)
        zones = struct.pack(f">B{len(p.zone_ids)}I", len(p.zone_ids), *p.zone_ids)
    except struct.error as exc:
        raise PassFormatError(str(exc)) from exc
    return head + bytes([len(key)]) + key + bytes([len(plate)]) + plate + zones


def sign(p: PassPayload, private_key: Ed25519PrivateKey) -> str:
    """The pass text for a QR code: body and signature, base64url."""
    body = encode_body(p)
    return b64url(body + private_key.sign(body))


def decode(text: str) -> tuple[PassPayload, bytes, bytes]:
    """Split a pass into (payload, signed body, signature). Raises PassFormatError."""
    raw = b64url_decode(text)
    if len(raw) < _HEAD.size + 3 + SIGNATURE_BYTES:
        raise PassFormatError("too short")
    body, signature = raw[:-SIGNATURE_BYTES], raw[-SIGNATURE_BYTES:]
    version, serial, issuer, valid_from, valid_until = _HEAD.unpack_from(body)
    if version != VERSION:
        raise PassFormatError("unknown version")
    at = _HEAD.size
    try:
        n = body[at]
        key_id = body[at + 1 : at + 1 + n].decode("ascii")
        at += 1 + n
        n = body[at]
        plate = body[at + 1 : at + 1 + n].decode("utf-8")
        at += 1 + n
        count = body[at]
        zone_ids = struct.unpack_from(f">{count}I", body, at + 1)
        at += 1 + 4 * count
    except (IndexError, UnicodeDecodeError, struct.error) as exc:
        raise PassFormatError("truncated") from exc
    if at != len(body) or not key_id or not plate or not zone_ids:
        raise PassFormatError("malformed")
    payload = PassPayload(serial, issuer, valid_from, valid_until, key_id, plate, zone_ids)
    return payload, body, signature


@dataclass(frozen=True)
class TrustList:
    """What a checkpoint knows: public keys by key id (raw 32 bytes) with their state, and the
    serials of revoked passes."""

    keys: Mapping[str, tuple[bytes, str]]
    revoked_serials: frozenset[int]


@dataclass(frozen=True)
class Verdict:
    result: str  # valid | expired | wrong_zone | revoked | forged (fleet.models.ScanResult)
    payload: PassPayload | None = None


def verify(text: str, *, trust: TrustList, now: datetime, zone_ancestors: Iterable[int]) -> Verdict:
    """Check a pass at a checkpoint whose node has `zone_ancestors` (itself and every ancestor).

    Order: format and signature (forged) → key or pass revoked → window (expired) → zone.
    """
    try:
        payload, body, signature = decode(text)
    except PassFormatError:
        return Verdict("forged")
    key = trust.keys.get(payload.key_id)
    if key is None:
        return Verdict("forged", payload)
    public, state = key
    try:
        Ed25519PublicKey.from_public_bytes(public).verify(signature, body)
    except (InvalidSignature, ValueError):
        return Verdict("forged", payload)
    if state != "active" or payload.serial in trust.revoked_serials:
        return Verdict("revoked", payload)
    moment = int(now.astimezone(UTC).timestamp())
    if not payload.valid_from <= moment < payload.valid_until:
        return Verdict("expired", payload)
    if not set(payload.zone_ids) & set(zone_ancestors):
        return Verdict("wrong_zone", payload)
    return Verdict("valid", payload)
