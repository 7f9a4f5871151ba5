"""Shared API pieces: authentication, error responses, and the token endpoints."""

from datetime import datetime
from typing import Any

from django.db import DataError
from django.http import HttpRequest, HttpResponse
from ninja import NinjaAPI, Router, Schema, Status
from ninja.errors import AuthenticationError, ValidationError
from ninja.security import HttpBearer, SessionAuth

from liangcao.core import selectors, services
from liangcao.core.errors import DomainError


class BearerToken(HttpBearer):
    """`Authorization: Bearer lc_…` with a token the user created."""

    def authenticate(self, request: HttpRequest, token: str) -> Any:
        found = services.api_token_authenticate(token)
        if found is None:
            return None
        request.user = found.user
        return found.user


class SessionUnlessBearer(SessionAuth):
    """The session cookie, but only when no Authorization header was sent: a request that
    presents a (bad) token is answered 401, not judged by the cookie's CSRF rule (403)."""

    def __call__(self, request: HttpRequest) -> Any:
        if request.headers.get("Authorization"):
            return None
        return super().__call__(request)


API_AUTH = [BearerToken(), SessionUnlessBearer()]


class ErrorOut(Schema):
    code: str
    message: str
    errors: list[dict[str, Any]] | None = None


def _loc_to_field(loc: list[Any] | tuple[Any, ...]) -> str:
    # ninja reports ("body", "payload", "name"): the part after the source and schema names.
    parts = [str(p) for p in loc if p not in ("body", "query", "path", "header", "payload")]
    return ".".join(parts) or "body"


def install_error_handlers(api: NinjaAPI) -> None:
    """Map domain errors and schema validation to our JSON error body and status codes."""

    @api.exception_handler(DomainError)
    def _domain(request: HttpRequest, exc: DomainError) -> HttpResponse:
        return api.create_response(request, exc.as_dict(), status=exc.status)

    @api.exception_handler(ValidationError)
    def _validation(request: HttpRequest, exc: ValidationError) -> HttpResponse:
        errors = [
            {"field": _loc_to_field(e.get("loc", ())), "message": e.get("msg", "invalid")}
            for e in exc.errors
        ]
        body = {"code": "invalid", "message": "Invalid input", "errors": errors}
        return api.create_response(request, body, status=422)

    @api.exception_handler(DataError)
    def _out_of_range(request: HttpRequest, exc: DataError) -> HttpResponse:
        # A value the schema let through but the column cannot hold (e.g. 2^40 as a quantity).
        body = {"code": "invalid", "message": "A value is out of range for its field"}
        return api.create_response(request, body, status=422)

    @api.exception_handler(OverflowError)
    def _overflow(request: HttpRequest, exc: OverflowError) -> HttpResponse:
        body = {"code": "invalid", "message": "A number is too large"}
        return api.create_response(request, body, status=422)

    @api.exception_handler(AuthenticationError)
    def _auth(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
        body = {"code": "unauthenticated", "message": "Sign in or send a Bearer token"}
        return api.create_response(request, body, status=401)


router = Router(tags=["tokens"])


def _user_id(request: HttpRequest) -> int:
    pk = request.user.pk
    assert isinstance(pk, int)  # noqa: S101 - authentication guarantees a saved user
    return pk


class TokenOut(Schema):
    id: int
    name: str
    prefix: str
    created_at: datetime
    last_used_at: datetime | None
    revoked_at: datetime | None


class TokenIn(Schema):
    name: str


class TokenCreatedOut(TokenOut):
    token: str


@router.get("/me/tokens", response=list[TokenOut])
def my_tokens(request: HttpRequest) -> Any:
    """The caller's own API tokens (never the secret)."""
    return selectors.api_token_list(user_id=_user_id(request))


@router.post("/me/tokens", response={201: TokenCreatedOut, 422: ErrorOut})
def create_token(request: HttpRequest, payload: TokenIn) -> Any:
    """Create a token; its secret is in this response only."""
    token, raw = services.api_token_create(user_id=_user_id(request), name=payload.name)
    return Status(201, {**TokenOut.from_orm(token).dict(), "token": raw})


@router.post("/me/tokens/{token_id}/revoke", response={200: TokenOut, 404: ErrorOut})
def revoke_token(request: HttpRequest, token_id: int) -> Any:
    """Revoke one of the caller's tokens."""
    return services.api_token_revoke(user_id=_user_id(request), token_id=token_id)
