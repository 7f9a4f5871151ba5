"""Verifiable publication: the script in scripts/ recomputes a day's digests from the
downloaded files; altering one published row breaks it and the script names the file and row;
each day chains to the day before and to the ledger seal."""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import pytest
from django.test import Client
from django.utils import timezone

from liangcao.core.errors import Conflict
from liangcao.portal.models import Publication
from liangcao.portal.publication import publication_create
from liangcao.stock.audit import ledger_seal
from tests.portal.conftest import Published

pytestmark = pytest.mark.django_db
SCRIPT = Path(__file__).resolve().parents[2] / "scripts" / "verify_publication.py"


def download(day: str, folder: Path) -> None:
    folder.mkdir()
    client = Client()
    manifest = client.get(f"/public/publications/{day}/manifest.json")
    assert manifest.status_code == 200
    (folder / "manifest.json").write_bytes(manifest.content)
    for entry in json.loads(manifest.content)["files"]:
        response = client.get(f"/public/publications/{day}/{entry['name']}")
        assert response.status_code == 200
        (folder / entry["name"]).write_bytes(response.content)


def verify(*folders: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, str(SCRIPT), *map(str, folders)],
        capture_output=True,
        text=True,
        check=False,
    )


def test_tampering_with_one_row_is_caught_and_named(city: Published, tmp_path: Path) -> None:
    today = timezone.localdate()
    yesterday = today - timedelta(days=1)
    first = publication_create(day=yesterday)
    second = publication_create(day=today)
    assert second.previous_digest == first.digest
    assert second.ledger_seal == ledger_seal()[0]
    download(yesterday.isoformat(), tmp_path / "d1")
    download(today.isoformat(), tmp_path / "d2")
    ok = verify(tmp_path / "d1", tmp_path / "d2")
    assert ok.returncode == 0, ok.stdout
    assert second.digest in ok.stdout

    allocations = tmp_path / "d2" / "allocations.csv"
    lines = allocations.read_text(encoding="utf-8").split("\n")
    assert "900" in lines[1]
    lines[1] = lines[1].replace("900", "90")  # one published row altered
    allocations.write_text("\n".join(lines), encoding="utf-8")
    broken = verify(tmp_path / "d1", tmp_path / "d2")
    assert broken.returncode == 1
    assert "allocations.csv row 1 (line 2) does not match" in broken.stdout
    assert "procurement.csv" not in broken.stdout  # only the altered file is named

    # Rewriting the manifest to match breaks the day's digest and the chain instead.
    manifest = json.loads((tmp_path / "d1" / "manifest.json").read_text())
    manifest["ledger_seal"] = "0" * 64
    (tmp_path / "d1" / "manifest.json").write_text(json.dumps(manifest))
    rechained = verify(tmp_path / "d1")
    assert rechained.returncode == 1 and "day's digest does not match" in rechained.stdout


def test_a_day_is_published_once_and_the_chain_only_grows(city: Published) -> None:
    today = timezone.localdate()
    publication_create(day=today)
    with pytest.raises(Conflict):
        publication_create(day=today)
    with pytest.raises(Conflict):
        publication_create(day=today - timedelta(days=3))
    assert Publication.objects.count() == 1
    files = {f.name: f.rows for f in Publication.objects.get().files.all()}
    assert files["donations.csv"] == 3 and files["procurement.csv"] == 2
