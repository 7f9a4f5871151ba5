"""The sign-in backend: Django's `ModelBackend` whose per-request read of the signed-in user
also reads the user's memberships (their scope), in one prepared statement.

Every signed-in request loads its user; most then check scope (`orgs.selectors.scope_for_user`,
one more query). Reading both at once through `core.db.hot_sql` saves that round trip and the
ORM's query building on every request (the order path's request stack, docs/community.md).
Passwords, permissions and `authenticate` are `ModelBackend`'s. On SQLite (raw rows there
carry dates as text) the user is read by the ORM, as by `ModelBackend`.
"""

from __future__ import annotations

from functools import cache
from typing import Any

from django.contrib.auth.backends import ModelBackend
from django.db import connection

from liangcao.core.db import hot_sql
from liangcao.orgs.models import User
from liangcao.orgs.selectors import scope_keep


@cache
def _user_columns() -> tuple[str, ...]:
    return tuple(field.attname for field in User._meta.concrete_fields)


@cache
def _user_sql(vendor: str) -> str:
    """The user's row and one membership per row (none: one row of NULLs), by user id."""
    quote = connection.ops.quote_name
    fields = User._meta.concrete_fields
    columns = ", ".join(f"u.{quote(field.column)}" for field in fields)
    return (
        f"SELECT {columns}, m.role, m.node_id, m.site_id FROM {quote(User._meta.db_table)} u "  # noqa: S608 - names from the model
        "LEFT JOIN orgs_membership m ON m.user_id = u.id WHERE u.id = %s"
    )


class UserBackend(ModelBackend):
    """`ModelBackend` with the user and their memberships read together (module docstring)."""

    def get_user(self, user_id: Any) -> User | None:
        if connection.vendor != "postgresql":  # raw SQLite rows carry text dates: the ORM reads
            found = super().get_user(user_id)
            return found if isinstance(found, User) else None
        try:
            pk = int(user_id)
        except (TypeError, ValueError):
            return None
        rows = hot_sql(_user_sql(connection.vendor), [pk])
        if not rows:
            return None
        names = _user_columns()
        width = len(names)
        user = User.from_db(connection.alias, list(names), rows[0][:width])
        if not self.user_can_authenticate(user):
            return None
        scope_keep(user, [(r[width], r[width + 1], r[width + 2]) for r in rows if r[width]])
        return user
