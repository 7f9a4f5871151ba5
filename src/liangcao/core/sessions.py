"""Django's database sessions, read by one prepared statement.

Every signed-in request reads its session first; `SessionStore` reads it through
`core.db.hot_sql` instead of building and compiling an ORM query each time (the order path's
request stack, docs/community.md). Sessions are stored, written and expired as by Django's
`django.contrib.sessions.backends.db`, in the same table, so switching engines signs nobody out.
"""

from __future__ import annotations

from django.contrib.sessions.backends.db import SessionStore as DatabaseSessionStore
from django.contrib.sessions.base_session import AbstractBaseSession
from django.db import connection
from django.utils import timezone

from liangcao.core.db import hot_sql


class SessionStore(DatabaseSessionStore):
    """Database sessions read by hand-written SQL (`SESSION_ENGINE = "liangcao.core.sessions"`)."""

    def _get_session_from_db(self) -> AbstractBaseSession | None:
        key = self.session_key
        if key is None:
            return None
        now = connection.ops.adapt_datetimefield_value(timezone.now())
        rows = hot_sql(
            "SELECT session_data, expire_date FROM django_session "
            "WHERE session_key = %s AND expire_date > %s",
            [key, now],
        )
        if not rows:
            self._session_key = None
            return None
        data, expires = rows[0]
        return self.model(session_key=key, session_data=data, expire_date=expires)
