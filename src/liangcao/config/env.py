"""Read settings from the environment and fail loudly on bad values.

Every reader names the variable in its error, so a misconfigured deployment stops at start-up
with a message an operator can act on instead of failing later in a request.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, unquote, urlsplit

from django.core.exceptions import ImproperlyConfigured

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}


def env_str(name: str, default: str | None = None) -> str:
    """The variable's text; without a default a missing variable is an error."""
    value = os.environ.get(name)
    if value is None:
        if default is None:
            raise ImproperlyConfigured(f"{name} must be set")
        return default
    return value


def env_bool(name: str, default: bool = False) -> bool:
    """A yes/no variable: 1/true/yes/on or 0/false/no/off (any case)."""
    value = os.environ.get(name)
    if value is None:
        return default
    lowered = value.strip().lower()
    if lowered in _TRUE:
        return True
    if lowered in _FALSE:
        return False
    raise ImproperlyConfigured(f"{name} must be a boolean (true/false), got {value!r}")


def env_int(name: str, default: int, *, minimum: int | None = None) -> int:
    """An integer variable, optionally bounded below."""
    value = os.environ.get(name)
    if value is None:
        return default
    try:
        number = int(value.strip())
    except ValueError:
        raise ImproperlyConfigured(f"{name} must be an integer, got {value!r}") from None
    if minimum is not None and number < minimum:
        raise ImproperlyConfigured(f"{name} must be at least {minimum}, got {number}")
    return number


def env_list(name: str, default: list[str]) -> list[str]:
    """A comma-separated list; blanks are dropped."""
    value = os.environ.get(name)
    if value is None:
        return default
    return [part.strip() for part in value.split(",") if part.strip()]


# psycopg's count of runs before a statement is prepared: so high that only the statements a
# hot path marks (`core.db.hot_sql`, prepare=True) are.
PREPARE_ONLY_HOT = 2**31 - 1


def parse_database_url(url: str, *, name: str = "DATABASE_URL", base_dir: Path) -> dict[str, Any]:
    """Turn `postgres://user:pw@host:port/db` or `sqlite:///path` into a Django DATABASES entry.

    SQLite runs in WAL mode with IMMEDIATE transactions so that concurrent writers queue on the
    database lock instead of failing a read-to-write upgrade. Any other scheme is an error.
    """
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    if scheme in {"postgres", "postgresql", "pgsql"}:
        if not parts.path.strip("/"):
            raise ImproperlyConfigured(f"{name} must name a database, e.g. postgres://u:p@h/db")
        try:
            port = parts.port
        except ValueError:
            raise ImproperlyConfigured(f"{name} has a bad port in {url!r}") from None
        options: dict[str, Any] = dict(parse_qsl(parts.query))
        # Hot paths prepare their statements explicitly (core/db.py); Django's own cursors bind
        # on the client and never prepare. `?prepare_threshold=none` turns preparing off (a
        # pooler in transaction mode); a number also prepares any statement run that often.
        threshold = str(options.pop("prepare_threshold", PREPARE_ONLY_HOT)).lower()
        if threshold not in {"none", ""} and not threshold.isdigit():
            raise ImproperlyConfigured(f"{name}: prepare_threshold must be a number or none")
        options["prepare_threshold"] = int(threshold) if threshold.isdigit() else None
        return {
            "ENGINE": "django.db.backends.postgresql",
            "NAME": unquote(parts.path.lstrip("/")),
            "USER": unquote(parts.username or ""),
            "PASSWORD": unquote(parts.password or ""),
            "HOST": parts.hostname or "",
            "PORT": str(port or ""),
            "OPTIONS": options,
            "CONN_MAX_AGE": env_int("CONN_MAX_AGE", 60, minimum=0),
            "CONN_HEALTH_CHECKS": True,
        }
    if scheme == "sqlite":
        raw = unquote(parts.path)
        if parts.netloc:
            raise ImproperlyConfigured(
                f"{name}: write sqlite:///relative/path or sqlite:////absolute/path"
            )
        # sqlite:///var/db.sqlite3 is relative to the project; sqlite:////abs is absolute.
        path = Path(raw[1:]) if raw.startswith("/") else Path(raw)
        if not str(path) or str(path) == ".":
            raise ImproperlyConfigured(f"{name} must name an SQLite file")
        if not path.is_absolute():
            path = base_dir / path
        return {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": str(path),
            "OPTIONS": {
                "transaction_mode": "IMMEDIATE",
                "timeout": 20,
                "init_command": (
                    "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON;"
                ),
            },
        }
    raise ImproperlyConfigured(
        f"{name} has an unsupported scheme {parts.scheme!r}: use postgres:// or sqlite:///"
    )
