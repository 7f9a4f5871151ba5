"""Chinese first: every UI string has a reviewed zh-Hans translation, and the compiled
catalogue Django loads says the same as the .po file people edit."""

from __future__ import annotations

import gettext
import json
import re
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "src" / "liangcao"
# The project catalogue plus one per app that keeps its own (`<app>/locale/`), so apps built in
# parallel never edit the same .po file; `make messages` fills each from its own directory.
CATALOGUES = sorted(PACKAGE.glob("**/locale/zh_Hans/LC_MESSAGES"))


def entries(locale: Path) -> list[tuple[str, str, bool]]:
    text = (locale / "django.po").read_text(encoding="utf-8")
    out = []
    for block in text.split("\n\n"):
        msgid = re.search(r'^msgid ((?:".*"\n?)+)', block, re.M)
        msgstr = re.search(r'^msgstr(?:\[0\])? ((?:".*"\n?)+)', block, re.M)
        if not msgid or not msgstr:
            continue
        join = lambda chunk: "".join(json.loads(p) for p in chunk.split("\n") if p)  # noqa: E731
        out.append((join(msgid.group(1)), join(msgstr.group(1)), "fuzzy" in block))
    return [e for e in out if e[0]]


def test_the_project_catalogue_is_found() -> None:
    assert PACKAGE / "locale" / "zh_Hans" / "LC_MESSAGES" in CATALOGUES
    assert len(entries(PACKAGE / "locale" / "zh_Hans" / "LC_MESSAGES")) > 300


@pytest.mark.parametrize("locale", CATALOGUES, ids=lambda p: str(p.relative_to(PACKAGE)))
def test_every_string_is_translated_and_none_is_a_guess(locale: Path) -> None:
    rows = entries(locale)
    assert [m for m, s, _ in rows if not s] == []
    assert [m for m, _, fuzzy in rows if fuzzy] == []


@pytest.mark.parametrize("locale", CATALOGUES, ids=lambda p: str(p.relative_to(PACKAGE)))
def test_the_compiled_catalogue_matches_the_source(locale: Path) -> None:
    with (locale / "django.mo").open("rb") as handle:
        compiled = gettext.GNUTranslations(handle)
    stale = [m for m, s, _ in entries(locale) if "%(" not in m and compiled.gettext(m) != s]
    assert stale == [], "run `make messages` (compilemessages) after editing the .po"
