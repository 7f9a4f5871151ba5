"""Shared API pieces: authentication, error responses, and the token endpoints."""

from datetime import datetime
from typing import Any

from django.db import DataError
from django.http import Http404, HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from ninja import NinjaAPI, Router, Schema, Status
from ninja.errors import AuthenticationError, HttpError, ValidationError
from ninja.security import HttpBearer, SessionAuth

from liangcao.core import selectors, services
from liangcao.core.errors import DomainError
from liangcao.core.validation import validation_message


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


# Answers any operation may give, documented on every operation so the schema tells the truth:
# 401 without credentials, 422 for input the schema or the input guard refuses (core/middleware),
# 413 for a body over the limit; POSTs also 400 (no Idempotency-Key), 409 (key in flight).
COMMON_ERRORS = {
    "401": "Not signed in, or the Bearer token is not valid",
    "413": "The request body is too large",
    "422": "Invalid input: `errors` names each field",
}
POST_ERRORS = {
    "400": "Malformed request, or the Idempotency-Key is missing",
    "409": "Conflict with the current state (or the same Idempotency-Key is in flight)",
}


class LiangcaoAPI(NinjaAPI):
    """NinjaAPI whose OpenAPI document lists the error answers every operation can give, each
    with the `{code, message, errors}` body."""

    def get_openapi_schema(self, **kwargs: Any) -> Any:
        schema = super().get_openapi_schema(**kwargs)
        schemas = schema.setdefault("components", {}).setdefault("schemas", {})
        if "ErrorOut" not in schemas:
            schemas["ErrorOut"] = ErrorOut.model_json_schema()
        error = {"application/json": {"schema": {"$ref": "#/components/schemas/ErrorOut"}}}
        for operations in schema.get("paths", {}).values():
            for method, operation in operations.items():
                responses = operation.setdefault("responses", {})
                wanted = dict(COMMON_ERRORS)
                if method.lower() in ("post", "put", "patch", "delete"):
                    wanted |= POST_ERRORS
                if any(p.get("in") == "path" for p in operation.get("parameters", [])):
                    wanted["404"] = "Not found, or not in the caller's scope"
                for status, text in wanted.items():
                    responses.setdefault(status, {"description": text, "content": error})
        return schema


def install_error_handlers(api: NinjaAPI) -> None:
    """Map domain errors and schema validation to our JSON error body and status codes."""

    @api.exception_handler(DomainError)
    def _domain(request: HttpRequest, exc: DomainError) -> HttpResponse:
        return api.create_response(request, exc.as_dict(), status=exc.status)

    @api.exception_handler(ValidationError)
    def _validation(request: HttpRequest, exc: ValidationError) -> HttpResponse:
        # Worded in the request's language (LocaleMiddleware: the language cookie, else
        # Accept-Language, else zh-Hans), like every other error body.
        errors = [
            {"field": _loc_to_field(e.get("loc", ())), "message": validation_message(e)}
            for e in exc.errors
        ]
        body = {"code": "invalid", "message": _("Invalid input"), "errors": errors}
        return api.create_response(request, body, status=422)

    @api.exception_handler(HttpError)
    def _http(request: HttpRequest, exc: HttpError) -> HttpResponse:
        # Ninja's own refusals (e.g. a body that is not JSON) in our error shape.
        code = {400: "bad_request", 401: "unauthenticated", 403: "forbidden", 404: "not_found"}
        known = {
            "Cannot parse request body": _("The request body is not valid JSON"),
            "CSRF check Failed": _("The CSRF check failed: sign in again or send a Bearer token"),
        }
        message = next((t for m, t in known.items() if str(exc).startswith(m)), str(exc))
        body = {"code": code.get(exc.status_code, "error"), "message": message}
        return api.create_response(request, body, status=exc.status_code)

    @api.exception_handler(Http404)
    def _not_found(request: HttpRequest, exc: Http404) -> HttpResponse:
        return api.create_response(
            request, {"code": "not_found", "message": _("Not found")}, status=404
        )

    @api.exception_handler(DataError)
    def _out_of_range(request: HttpRequest, exc: DataError) -> HttpResponse:
        # A value the schema let through but the column cannot hold (e.g. 2^40 as a quantity).
        body = {"code": "invalid", "message": _("A value is out of range for its field")}
        return api.create_response(request, body, status=422)

    @api.exception_handler(OverflowError)
    def _overflow(request: HttpRequest, exc: OverflowError) -> HttpResponse:
        body = {"code": "invalid", "message": _("A number is too large")}
        return api.create_response(request, body, status=422)

    @api.exception_handler(AuthenticationError)
    def _auth(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
        body = {"code": "unauthenticated", "message": _("Sign in or send a Bearer token")}
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
