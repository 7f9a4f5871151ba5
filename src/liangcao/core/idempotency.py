"""Idempotency keys: a state-changing request sent twice is applied once.

Every API POST that changes stock carries an `Idempotency-Key` header (web forms carry a
one-time token used the same way). The rules (architecture.md, "Errors and input"):

- missing key → 400 (BadRequest);
- same key, same request (method, path and canonical JSON body) → the first response is
  replayed and nothing is applied again;
- same key, different request → 422 (Invalid);
- same key while the first request still runs → 409 (Conflict); a key in flight for longer
  than `STALE_AFTER` counts as failed and the next request takes it over;
- keys are scoped per user and kept at least `KEEP` (24 h).

A request that ends in a domain error (nothing was applied) releases its key, so the client may
retry the same key later, e.g. once stock has arrived. A key taken over after a crash may meet
work that did commit; services that create documents therefore also store the key on the
document and return the existing document instead of posting twice.

Work that fits in one transaction (no durable service of its own, nothing that must commit
apart) may share the key's transaction (`atomic=True`): the claim, the work and the stored
answer commit together or not at all, in one commit instead of three. A crash mid-work then
leaves no key behind and no work either, so a retry simply runs; a second request with a key
still in flight waits on the key's unique index until the first commits (and replays its
answer) or rolls back (and runs itself) instead of answering 409.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from functools import cache
from typing import Any

from django.core.serializers.json import DjangoJSONEncoder
from django.db import IntegrityError, connection, transaction
from django.db.models import Field
from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from liangcao.core.db import hot_sql
from liangcao.core.errors import BadRequest, Conflict, FieldError, Invalid
from liangcao.core.models import IdempotencyKey, IdempotencyState

HEADER = "Idempotency-Key"
MAX_KEY_LENGTH = 200
STALE_AFTER = timedelta(minutes=1)
KEEP = timedelta(hours=24)


@dataclass(frozen=True)
class StoredResponse:
    """The response of the first request with a key; `replayed` when served from storage."""

    status: int
    body: str
    replayed: bool = False


def request_fingerprint(*, method: str, path: str, data: Any) -> str:
    """SHA-256 over method, path and the canonical JSON of `data` (sorted keys, no spaces)."""
    canonical = json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(f"{method.upper()}\n{path}\n{canonical}".encode()).hexdigest()


def _checked_key(key: str | None) -> str:
    key = (key or "").strip()
    if not key:
        raise BadRequest(
            _("The %(header)s header is required for this request") % {"header": HEADER},
            [FieldError(HEADER, _("missing"))],
        )
    if len(key) > MAX_KEY_LENGTH:
        raise BadRequest(
            _("%(header)s is too long") % {"header": HEADER},
            [FieldError(HEADER, _("at most %(count)s characters") % {"count": MAX_KEY_LENGTH})],
        )
    return key


def _claim(*, user_id: int, key: str, fingerprint: str) -> tuple[int, Any] | StoredResponse:
    """Claim the key for this request, or answer from what the key already holds.

    Returns (row id, start stamp) when the caller now owns the key.
    """
    now = timezone.now()
    try:
        with transaction.atomic(durable=True):
            row = IdempotencyKey.objects.create(
                user_id=user_id,
                key=key,
                fingerprint=fingerprint,
                state=IdempotencyState.IN_FLIGHT,
                started_at=now,
            )
        return row.pk, now
    except IntegrityError:
        pass  # the key exists: decide below, under its row lock
    with transaction.atomic(durable=True):
        existing = (
            IdempotencyKey.objects.select_for_update().filter(user_id=user_id, key=key).first()
        )
        if existing is None:  # released by a failed request between our two statements
            existing = IdempotencyKey.objects.create(
                user_id=user_id,
                key=key,
                fingerprint=fingerprint,
                state=IdempotencyState.IN_FLIGHT,
                started_at=now,
            )
            return existing.pk, now
        stored = _answer_from(existing, fingerprint=fingerprint, now=now)
        if stored is not None:
            return stored
        # The first attempt died (its worker crashed or timed out): take the key over.
        existing.started_at = now
        existing.save(update_fields=["started_at"])
        return existing.pk, now


def _release(*, row_id: int, started_at: Any) -> None:
    with transaction.atomic(durable=True):
        IdempotencyKey.objects.filter(
            pk=row_id, state=IdempotencyState.IN_FLIGHT, started_at=started_at
        ).delete()


def _answer_from(existing: IdempotencyKey, *, fingerprint: str, now: Any) -> StoredResponse | None:
    """What an existing (committed, locked) key answers: its stored response, Invalid for
    another request, Conflict while fresh and in flight; None when it went stale (taken over)."""
    if existing.fingerprint != fingerprint:
        raise Invalid(
            _("%(header)s was already used for a different request") % {"header": HEADER},
            [FieldError(HEADER, _("reused with a different method, path or body"))],
        )
    if existing.state == IdempotencyState.DONE:
        return StoredResponse(existing.status_code or 200, existing.response_body, True)
    if existing.started_at > now - STALE_AFTER:
        raise Conflict(
            _("A request with this %(header)s is still in progress; retry shortly")
            % {"header": HEADER}
        )
    return None


_CLAIM_COLUMNS = (
    "user",
    "key",
    "fingerprint",
    "state",
    "response_body",
    "created_at",
    "started_at",
)


def _column(name: str) -> str:
    field = IdempotencyKey._meta.get_field(name)
    assert isinstance(field, Field)  # noqa: S101 - concrete columns of the model
    return connection.ops.quote_name(field.column)


@cache
def _claim_sql(vendor: str) -> str:
    """INSERT of a new in-flight key that does nothing on a (user, key) conflict, RETURNING its
    id (valid on PostgreSQL and SQLite; names quoted from the model)."""
    columns = ", ".join(_column(name) for name in _CLAIM_COLUMNS)
    values = ", ".join(["%s"] * len(_CLAIM_COLUMNS))
    return (
        f"INSERT INTO {connection.ops.quote_name(IdempotencyKey._meta.db_table)} ({columns}) "  # noqa: S608 - names from the model
        f"VALUES ({values}) ON CONFLICT ({_column('user')}, {_column('key')}) DO NOTHING "
        f"RETURNING {_column('id')}"
    )


@cache
def _done_sql(vendor: str) -> str:
    """UPDATE of a claimed key (by id) to done with its answer (names quoted from the model)."""
    sets = ", ".join(
        f"{_column(name)} = %s"
        for name in ("state", "status_code", "response_body", "completed_at")
    )
    table = connection.ops.quote_name(IdempotencyKey._meta.db_table)
    return f"UPDATE {table} SET {sets} WHERE {_column('id')} = %s"  # noqa: S608 - names from the model


def _claim_in_transaction(
    *, user_id: int, key: str, fingerprint: str, now: Any
) -> int | StoredResponse:
    """Inside the caller's transaction: insert the key (returns its row id), or answer from the
    committed key.

    `ON CONFLICT DO NOTHING` instead of catching IntegrityError: a failed INSERT would abort
    the transaction on PostgreSQL (a savepoint costs two more round trips). On a conflict with
    an uncommitted claim PostgreSQL waits for that transaction, so what follows sees its end.
    """
    stamp = connection.ops.adapt_datetimefield_value(now)
    row = (user_id, key, fingerprint, str(IdempotencyState.IN_FLIGHT), "", stamp, stamp)
    for _attempt in range(2):  # the second pass only if a released key vanished meanwhile
        inserted = hot_sql(_claim_sql(connection.vendor), row)
        if inserted:
            return int(inserted[0][0])
        existing = (
            IdempotencyKey.objects.select_for_update().filter(user_id=user_id, key=key).first()
        )
        if existing is None:
            continue
        stored = _answer_from(existing, fingerprint=fingerprint, now=now)
        if stored is not None:
            return stored
        # A key claimed the three-commit way whose request died: take it over.
        IdempotencyKey.objects.filter(pk=existing.pk).update(started_at=now)
        return existing.pk
    raise Conflict(
        _("A request with this %(header)s is still in progress; retry shortly") % {"header": HEADER}
    )


def _idempotent_atomic_call(
    *, user_id: int, key: str, fingerprint: str, run: Callable[[], tuple[int, str]]
) -> StoredResponse:
    """The claim, `run` and the stored answer in one durable transaction (module docstring)."""
    with transaction.atomic(durable=True):
        claimed = _claim_in_transaction(
            user_id=user_id, key=key, fingerprint=fingerprint, now=timezone.now()
        )
        if isinstance(claimed, StoredResponse):
            return claimed
        status, body = run()
        done = (str(IdempotencyState.DONE), status, body)
        stamp = connection.ops.adapt_datetimefield_value(timezone.now())
        hot_sql(_done_sql(connection.vendor), [*done, stamp, claimed], fetch=False)
    return StoredResponse(status, body)


def idempotent_call(
    *,
    user_id: int,
    key: str | None,
    fingerprint: str,
    run: Callable[[], tuple[int, str]],
    atomic: bool = False,
) -> StoredResponse:
    """Run `run` once per (user, key): returns its (status, body) or the stored first answer.

    With `atomic`, `run` executes inside the key's transaction and must not open a durable one.
    Raises BadRequest (missing key), Invalid (key reused for another request), Conflict (key in
    flight); a DomainError from `run` releases the key and propagates.
    """
    checked = _checked_key(key)
    if atomic:
        return _idempotent_atomic_call(
            user_id=user_id, key=checked, fingerprint=fingerprint, run=run
        )
    claimed = _claim(user_id=user_id, key=checked, fingerprint=fingerprint)
    if isinstance(claimed, StoredResponse):
        return claimed
    row_id, started_at = claimed
    try:
        status, body = run()
    except BaseException:
        _release(row_id=row_id, started_at=started_at)
        raise
    with transaction.atomic(durable=True):
        IdempotencyKey.objects.filter(pk=row_id, started_at=started_at).update(
            state=IdempotencyState.DONE,
            status_code=status,
            response_body=body,
            completed_at=timezone.now(),
        )
    return StoredResponse(status, body)


def idempotent_response(
    request: HttpRequest, run: Callable[[str], tuple[int, Any]], *, atomic: bool = False
) -> HttpResponse:
    """For API views: apply `run(key)` once per Idempotency-Key and answer with JSON.

    `run` receives the key (services store it on the documents they create) and returns a
    status and a JSON-serialisable body. A replayed answer carries `Idempotent-Replayed: true`.
    With `atomic`, `run` shares the key's transaction (it calls `*_step` services, never a
    durable one).
    """
    key = _checked_key(request.headers.get(HEADER))
    user_id = request.user.pk
    if not isinstance(user_id, int):
        raise BadRequest(_("Idempotent requests need a signed-in user"))
    try:
        data = json.loads(request.body or b"null")
    except ValueError:
        raise BadRequest(_("The request body is not valid JSON")) from None
    fingerprint = request_fingerprint(method=request.method or "POST", path=request.path, data=data)

    def call() -> tuple[int, str]:
        status, body = run(key)
        return status, json.dumps(body, cls=DjangoJSONEncoder, ensure_ascii=False)

    stored = idempotent_call(
        user_id=user_id, key=key, fingerprint=fingerprint, run=call, atomic=atomic
    )
    response = HttpResponse(stored.body, status=stored.status, content_type="application/json")
    if stored.replayed:
        response["Idempotent-Replayed"] = "true"
    return response


def idempotency_key_purge(*, older_than: timedelta = KEEP) -> int:
    """Delete finished keys older than `older_than` (never less than `KEEP`); returns the count."""
    cutoff = timezone.now() - max(older_than, KEEP)
    with transaction.atomic(durable=True):
        deleted, _by_model = IdempotencyKey.objects.filter(created_at__lt=cutoff).delete()
    return deleted
