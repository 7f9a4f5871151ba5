"""Passes verified by the server-side verifier: one format, five answers (docs/passes.md).

The same cases run in the browser verifier in test_checkpoint_browser.py."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from liangcao.core.errors import Conflict, Forbidden, Invalid
from liangcao.fleet import passes, services
from liangcao.fleet.models import KeyState, PassKey
from tests.fleet.conftest import Fleet

pytestmark = pytest.mark.django_db


def verdict(code: str, fleet: Fleet, where: str = "d01") -> str:
    checkpoint = fleet.checkpoint(fleet.district if where == "d01" else fleet.other_district)
    return services.pass_verify(code=code, checkpoint_node_id=checkpoint.node_id)


def edit_one_byte(code: str, at: int) -> str:
    raw = bytearray(passes.b64url_decode(code))
    raw[at] ^= 0x01
    return passes.b64url(bytes(raw))


def test_a_district_pass_is_valid_in_its_district_and_nowhere_else(fleet: Fleet) -> None:
    issued = fleet.issue(zones=[fleet.district])
    assert verdict(issued.code, fleet, "d01") == "valid"
    assert verdict(issued.code, fleet, "d02") == "wrong_zone"


def test_a_city_pass_covers_every_district(fleet: Fleet) -> None:
    issued = fleet.issue(zones=[fleet.city])
    assert verdict(issued.code, fleet, "d01") == verdict(issued.code, fleet, "d02") == "valid"


def test_forged_signature_and_one_edited_byte_are_forged(fleet: Fleet) -> None:
    issued = fleet.issue(zones=[fleet.district])
    _, body, _ = passes.decode(issued.code)
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    forged = passes.b64url(body + Ed25519PrivateKey.generate().sign(body))
    assert verdict(forged, fleet) == "forged"
    # every single byte matters: header, key id, plate, zones and the signature itself
    for at in range(len(passes.b64url_decode(issued.code))):
        assert verdict(edit_one_byte(issued.code, at), fleet) == "forged", at
    assert verdict("not a pass", fleet) == "forged"


def test_a_pass_from_a_revoked_or_retired_key_is_revoked(fleet: Fleet) -> None:
    old = fleet.issue(zones=[fleet.district])
    services.passkey_rotate(user=fleet.admin)
    new = fleet.issue(zones=[fleet.district])
    assert new.key_id != old.key_id
    assert verdict(old.code, fleet) == "valid"  # rotation alone: old passes still verify
    services.passkey_end(user=fleet.admin, key_id=old.key.key_id, revoke=True)
    assert verdict(old.code, fleet) == "revoked"
    assert verdict(new.code, fleet) == "valid"
    services.passkey_end(user=fleet.admin, key_id=new.key.key_id, revoke=False)
    assert verdict(new.code, fleet) == "revoked"
    with pytest.raises(Conflict):
        fleet.issue(zones=[fleet.district])  # no active key left


def test_expired_and_not_yet_valid_passes_are_expired(fleet: Fleet) -> None:
    past = fleet.issue(zones=[fleet.district], start=timezone.now() - timedelta(days=2), hours=24)
    future = fleet.issue(zones=[fleet.district], start=timezone.now() + timedelta(hours=1))
    assert verdict(past.code, fleet) == "expired"
    assert verdict(future.code, fleet) == "expired"


def test_revoked_pass_and_reissue(fleet: Fleet) -> None:
    issued = fleet.issue(zones=[fleet.district])
    services.pass_revoke(user=fleet.admin, pass_id=issued.pk, reason="vehicle sold")
    assert verdict(issued.code, fleet) == "revoked"
    with pytest.raises(Conflict):
        services.pass_revoke(user=fleet.admin, pass_id=issued.pk, reason="again")
    renewed = services.pass_reissue(user=fleet.admin, pass_id=issued.pk)
    assert renewed.replaces_id == issued.pk and verdict(renewed.code, fleet) == "valid"
    with pytest.raises(Conflict):
        services.pass_reissue(user=fleet.admin, pass_id=issued.pk)


def test_reissue_after_rotation_signs_with_the_new_key(fleet: Fleet) -> None:
    issued = fleet.issue(zones=[fleet.district])
    key = services.passkey_rotate(user=fleet.admin)
    renewed = services.pass_reissue(user=fleet.admin, pass_id=issued.pk)
    assert passes.decode(renewed.code)[0].key_id == key.key_id
    assert verdict(issued.code, fleet) == "revoked"  # the replaced pass is revoked


def test_private_keys_are_stored_encrypted(fleet: Fleet) -> None:
    key = PassKey.objects.filter(state=KeyState.ACTIVE).first()
    assert key is not None and key.private_key_encrypted.startswith("v1.")
    raw = services.private_key_of(key).private_bytes_raw()
    assert passes.b64url(raw) not in key.private_key_encrypted
    assert raw.hex() not in key.private_key_encrypted


def test_a_district_dispatcher_issues_for_the_district_only(
    fleet: Fleet, user_named: object
) -> None:
    district_dispatcher = user_named("district-dispatcher")  # type: ignore[operator]
    from liangcao.fleet.models import Vehicle

    vehicle = Vehicle.objects.filter(owner=fleet.district).first()
    assert vehicle is not None
    spec = services.PassSpec(
        vehicle_id=vehicle.pk,
        zone_ids=[fleet.district.pk],
        purpose="district run",
        valid_from=timezone.now(),
        valid_until=timezone.now() + timedelta(days=1),
    )
    issued = services.pass_issue(user=district_dispatcher, spec=spec)
    assert issued.issuer_id == fleet.district.pk
    with pytest.raises(Forbidden):
        services.pass_issue(
            user=district_dispatcher,
            spec=services.PassSpec(**{**spec.__dict__, "zone_ids": [fleet.other_district.pk]}),
        )
    with pytest.raises(Forbidden):
        services.passkey_rotate(user=district_dispatcher)  # keys: city commanders only


def test_bad_windows_are_invalid_naming_the_field(fleet: Fleet) -> None:
    now = timezone.now()
    for start, end in ((now, now), (now, now + timedelta(days=40))):
        with pytest.raises(Invalid) as err:
            services.pass_issue(
                user=fleet.admin,
                spec=services.PassSpec(
                    vehicle_id=fleet.vehicle(fleet.city).pk,
                    zone_ids=[fleet.district.pk],
                    purpose="x",
                    valid_from=start,
                    valid_until=end,
                ),
            )
        assert [e.field for e in err.value.errors] == ["valid_until"]
