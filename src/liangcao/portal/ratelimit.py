"""A per-address rate limiter for the public portal, counted in the database (`RateBucket`,
one row per address and minute, one upsert per request), so it holds across any number of web
processes without Redis. It writes to "default" even when the portal reads from a replica."""

from __future__ import annotations

import time

from django.conf import settings
from django.db import connections
from django.http import HttpRequest

KEEP_MINUTES = 5


def client_address(request: HttpRequest) -> str:
    """The peer address. Behind a proxy, have the proxy server set it (e.g. gunicorn's
    --forwarded-allow-ips): a client-supplied X-Forwarded-For is never trusted here."""
    return str(request.META.get("REMOTE_ADDR") or "unknown")[:64]


def hit(address: str) -> tuple[bool, int]:
    """Count one request; returns (allowed, seconds until the window resets)."""
    now = time.time()
    minute = int(now // 60)
    with connections["default"].cursor() as cursor:
        cursor.execute(
            "INSERT INTO portal_ratebucket (address, minute, count) VALUES (%s, %s, 1) "
            "ON CONFLICT (address, minute) DO UPDATE SET count = portal_ratebucket.count + 1 "
            "RETURNING count",
            [address, minute],
        )
        row = cursor.fetchone()
        count = int(row[0]) if row else 1
        if count == 1:  # a new minute for this address: drop old buckets now and then
            cursor.execute(
                "DELETE FROM portal_ratebucket WHERE minute < %s", [minute - KEEP_MINUTES]
            )
    limit = int(getattr(settings, "PORTAL_RATE_LIMIT", 120))
    return count <= limit, 60 - int(now % 60)
