"""Writes owned by core: API token creation and revocation."""

from __future__ import annotations

import secrets

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from liangcao.core.errors import FieldError, Invalid, NotFound
from liangcao.core.models import ApiToken, token_digest

TOKEN_PREFIX = "lc_"  # noqa: S105 - a public marker, not a secret


def api_token_create(*, user_id: int, name: str) -> tuple[ApiToken, str]:
    """Create a token for a user; returns the row and the raw token, shown once only.

    Raises Invalid when the name is blank or too long.
    """
    name = name.strip()
    if not name or len(name) > 100:
        raise Invalid(_("Token name is invalid"), [FieldError("name", _("1 to 100 characters"))])
    raw = TOKEN_PREFIX + secrets.token_urlsafe(32)
    with transaction.atomic(durable=True):
        token = ApiToken.objects.create(
            user_id=user_id, name=name, prefix=raw[:10], digest=token_digest(raw)
        )
    return token, raw


def api_token_revoke(*, user_id: int, token_id: int) -> ApiToken:
    """Revoke one of the user's own tokens (idempotent). Raises NotFound for anyone else's."""
    with transaction.atomic(durable=True):
        token = ApiToken.objects.select_for_update().filter(user_id=user_id, pk=token_id).first()
        if token is None:
            raise NotFound(_("No such token"))
        if token.revoked_at is None:
            token.revoked_at = timezone.now()
            token.save(update_fields=["revoked_at"])
    return token


def api_token_authenticate(raw: str) -> ApiToken | None:
    """The active token matching a raw Bearer value, with its user, or None."""
    if not raw.startswith(TOKEN_PREFIX):
        return None
    token = (
        ApiToken.objects.select_related("user")
        .filter(digest=token_digest(raw), revoked_at__isnull=True, user__is_active=True)
        .first()
    )
    if token is None:
        return None
    now = timezone.now()
    # Touch last_used at most once a minute: a busy script must not write on every request.
    if token.last_used_at is None or (now - token.last_used_at).total_seconds() > 60:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
    return token
