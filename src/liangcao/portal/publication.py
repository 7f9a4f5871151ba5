"""Verifiable publication: each day's lists as canonical CSV, with digests chained to the
ledger's seal and to the day before.

The rules (version 1; `scripts/verify_publication.py` implements the same, with no
dependencies, so anyone can recompute them from the downloads):

- a file is UTF-8 CSV, one physical line per row (`\\n`), the header is row 0;
- row i of file F hashes to SHA-256(`F|i|<line>`);
- the file's digest is SHA-256 of its row hashes joined by `\\n`;
- the day's digest is SHA-256 of these lines joined by `\\n`: `liangcao-publication-v1`, the
  day, the previous publication's digest (empty for the first), the ledger seal
  (`manage.py ledger_seal`: one SHA-256 over every balance row's head, i.e. the end of each
  hash chain of the ledger's movements), the number of balance rows, then `F|rows|digest` for
  each file in name order.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
from datetime import date
from typing import Any

from django.db import transaction
from django.utils import translation
from django.utils.translation import gettext_lazy as _

from liangcao.core.errors import Conflict
from liangcao.portal.models import Publication, PublishedFile
from liangcao.portal.selectors import LISTS, Filters, Table, table_for
from liangcao.stock.audit import ledger_seal

VERSION = "liangcao-publication-v1"
PUBLISH_LANGUAGE = "zh-hans"


def sha256(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _clean(value: Any) -> str:
    return " ".join(str(value).split()) if value is not None else ""


def canonical_csv(table: Table) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow([_clean(h) for h in table.headers])
    for row in table.rows:
        writer.writerow([_clean(v) for v in row])
    return out.getvalue()


def row_hashes(name: str, content: str) -> list[str]:
    lines = content.split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    return [sha256(f"{name}|{i}|{line}") for i, line in enumerate(lines)]


def file_digest(hashes: list[str]) -> str:
    return sha256("\n".join(hashes))


def day_digest(
    *, day: str, previous: str, seal: str, balances: int, files: list[tuple[str, int, str]]
) -> str:
    parts = [VERSION, day, previous, seal, str(balances)]
    parts += [f"{name}|{rows}|{digest}" for name, rows, digest in sorted(files)]
    return sha256("\n".join(parts))


def publication_create(*, day: date) -> Publication:
    """Publish `day`'s lists once (procurement dated that day, shipments and donations of that
    day, and the stock summary as it stands). Raises Conflict when the day is published, or a
    later day already is (the chain only grows forward)."""
    with transaction.atomic(durable=True):
        if Publication.objects.filter(day__gte=day).exists():
            raise Conflict(_("%(day)s or a later day is already published") % {"day": day})
        previous = Publication.objects.select_for_update().order_by("-day").first()
        seal, balances = ledger_seal()
        f = Filters(start=day, end=day)
        files: list[tuple[str, str, list[str]]] = []
        with translation.override(PUBLISH_LANGUAGE):
            for name in LISTS:
                content = canonical_csv(table_for(name, f, limit=None))
                files.append((f"{name}.csv", content, row_hashes(f"{name}.csv", content)))
        summary = [(n, len(h) - 1, file_digest(h)) for n, _rows, h in files]
        digest = day_digest(
            day=day.isoformat(),
            previous=previous.digest if previous else "",
            seal=seal,
            balances=balances,
            files=summary,
        )
        manifest: dict[str, Any] = {
            "version": VERSION,
            "day": day.isoformat(),
            "previous_digest": previous.digest if previous else "",
            "ledger_seal": seal,
            "ledger_balances": balances,
            "files": [
                {"name": n, "rows": len(h) - 1, "digest": file_digest(h), "row_hashes": h}
                for n, _rows, h in files
            ],
            "digest": digest,
        }
        publication = Publication.objects.create(
            day=day,
            previous_digest=manifest["previous_digest"],
            ledger_seal=seal,
            ledger_balances=balances,
            digest=digest,
            manifest=json.dumps(manifest, ensure_ascii=False, indent=1),
        )
        PublishedFile.objects.bulk_create(
            [
                PublishedFile(
                    publication=publication,
                    name=n,
                    content=content,
                    rows=len(h) - 1,
                    digest=file_digest(h),
                )
                for n, content, h in files
            ]
        )
        return publication
