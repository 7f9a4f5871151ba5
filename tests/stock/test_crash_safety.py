"""A client killed with SIGKILL while posting: every acknowledged document is complete, and no
document is partial (PostgreSQL, a real separate process)."""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.db import connection
from django.db.models import Count, Sum

from liangcao.stock.audit import ledger_verify
from liangcao.stock.models import Document, DocumentKind
from tests.stock.conftest import Stock
from tests.stock.crash_poster import LINES, QUANTITY

ROOT = Path(__file__).resolve().parents[2]


def _database_url() -> str:
    s = connection.settings_dict
    host = f"{s['HOST'] or '127.0.0.1'}:{s['PORT'] or 5432}"
    return f"postgres://{s['USER']}:{s['PASSWORD']}@{host}/{s['NAME']}"


@pytest.mark.postgres
@pytest.mark.stress
@pytest.mark.django_db(transaction=True)
def test_a_killed_poster_leaves_only_whole_documents(
    stock: Stock, empty_ledger_after: None
) -> None:
    env = {**os.environ, "DATABASE_URL": _database_url(), "PYTHONPATH": f"{ROOT}/src:{ROOT}"}
    process = subprocess.Popen(
        [sys.executable, "-m", "tests.stock.crash_poster"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    acked: list[int] = []
    try:
        assert process.stdout is not None
        deadline = time.monotonic() + 60
        while len(acked) < 15 and time.monotonic() < deadline:
            line = process.stdout.readline()
            if not line:
                break
            acked.append(int(line.split()[1]))
        time.sleep(random.uniform(0, 0.02))
    finally:
        process.send_signal(signal.SIGKILL)
        _, stderr = process.communicate(timeout=30)
    assert len(acked) >= 15, stderr
    receipts = Document.objects.filter(kind=DocumentKind.RECEIPT, source_site__kind="supplier_site")
    shapes = receipts.annotate(
        lines_n=Count("lines", distinct=True),
        moves_n=Count("movements", distinct=True),
    )
    assert set(acked) <= set(receipts.values_list("pk", flat=True))
    partial = [
        (d.pk, d.lines_n, d.moves_n) for d in shapes if (d.lines_n, d.moves_n) != (LINES, LINES)
    ]
    assert partial == []
    for document in receipts.filter(pk__in=acked):
        assert document.movements.aggregate(s=Sum("quantity"))["s"] == LINES * QUANTITY
    assert ledger_verify().ok
