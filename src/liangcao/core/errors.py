"""Domain errors: what a service raises, and the HTTP status each one becomes.

Views and the API translate these into responses (`status`, a stable `code`, a message and,
for invalid input, field-level errors). Anything else escaping a service is a bug (a 500).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, ClassVar

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

# A message may be a lazy translation (gettext_lazy): str() renders it in the active language.
if TYPE_CHECKING:
    from django.utils.functional import _StrOrPromise

    Message = _StrOrPromise
else:
    Message = str | Promise


@dataclass(frozen=True)
class FieldError:
    """One problem with one input field (`row` set for spreadsheet rows)."""

    field: str
    message: Message
    row: int | None = None

    def as_dict(self) -> dict[str, object]:
        out: dict[str, object] = {"field": self.field, "message": str(self.message)}
        if self.row is not None:
            out["row"] = self.row
        return out


MAX_REPORTED = 200


@dataclass
class DomainError(Exception):
    """Base of every error a service may raise on purpose."""

    message: Message
    errors: list[FieldError] = field(default_factory=list)
    status: ClassVar[int] = 400
    code: ClassVar[str] = "bad_request"

    def __post_init__(self) -> None:
        # An answer stays short: a spreadsheet with 100,000 bad rows reports the first ones.
        if len(self.errors) > MAX_REPORTED:
            more = len(self.errors) - MAX_REPORTED
            self.errors = [
                *self.errors[:MAX_REPORTED],
                FieldError("…", _("and %(count)d more") % {"count": more}),
            ]

    def __str__(self) -> str:
        return str(self.message)

    def as_dict(self) -> dict[str, object]:
        body: dict[str, object] = {"code": self.code, "message": str(self.message)}
        if self.errors:
            body["errors"] = [e.as_dict() for e in self.errors]
        return body


class BadRequest(DomainError):
    """Malformed request (400)."""


class Invalid(DomainError):
    """Well-formed but invalid input; `errors` names each bad field (422)."""

    status = 422
    code = "invalid"


class Forbidden(DomainError):
    """The user can see the object but may not take this action on it (403)."""

    status = 403
    code = "forbidden"


class NotFound(DomainError):
    """Unknown, or outside the user's scope: existence is not revealed (404)."""

    status = 404
    code = "not_found"


class Conflict(DomainError):
    """Wrong state, insufficient stock, a key still in flight (409)."""

    status = 409
    code = "conflict"


class Unavailable(DomainError):
    """Transient contention outlasted the retries (503)."""

    status = 503
    code = "unavailable"
