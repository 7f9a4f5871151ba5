"""Excel in and out: one reader and one writer that every import and export uses.

Reading reports problems as FieldErrors with the spreadsheet's own row numbers and column
headers, so an office worker can find each bad cell; writing produces plain .xlsx tables.
"""

from __future__ import annotations

import io
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any
from zipfile import BadZipFile

from django.conf import settings
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _
from openpyxl import Workbook, load_workbook
from openpyxl.styles import Font
from openpyxl.utils.exceptions import InvalidFileException

from liangcao.core.errors import FieldError, Invalid

XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
MAX_ROWS = 100_000


@dataclass(frozen=True)
class SheetRow:
    """One data row: its number as Excel shows it, and its cells by header name."""

    number: int
    cells: dict[str, Any]


def check_upload_size(size: int) -> None:
    """Refuse a file over `UPLOAD_MAX_BYTES` before anything reads it (Invalid on `file`)."""
    limit = settings.UPLOAD_MAX_BYTES
    if size > limit:
        raise Invalid(
            _("The file is too large"),
            [
                FieldError(
                    "file",
                    _("at most %(mb)s MB (%(bytes)s bytes)")
                    % {"mb": limit // 1_000_000, "bytes": limit},
                )
            ],
        )


def read_upload(upload: Any) -> bytes:
    """The bytes of an uploaded file, its size checked first."""
    check_upload_size(int(getattr(upload, "size", 0) or 0))
    return bytes(upload.read())


def read_sheet(
    content: bytes,
    *,
    sheet: str,
    required: Sequence[str],
    optional: Sequence[str] = (),
    must_exist: bool = True,
    header_row: int = 1,
) -> list[SheetRow]:
    """Rows of one sheet, keyed by the header in `header_row`. Blank rows are skipped; rows
    above the header (a paper form's title block) are ignored.

    Raises Invalid naming the sheet or each missing column; unknown columns are reported too,
    since a typo in a header would otherwise silently drop a column.
    """
    check_upload_size(len(content))
    try:
        book = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    except (InvalidFileException, BadZipFile, KeyError, OSError, ValueError, TypeError) as exc:
        raise Invalid(
            _("Not a readable .xlsx file"),
            [FieldError("file", _("cannot open workbook: %(error)s") % {"error": exc})],
        ) from None
    try:
        if sheet not in book.sheetnames:
            if not must_exist:
                return []
            raise Invalid(
                _("Sheet %(sheet)r is missing") % {"sheet": sheet},
                [
                    FieldError(
                        "sheet",
                        _("missing sheet %(sheet)r; found %(found)s")
                        % {"sheet": sheet, "found": book.sheetnames},
                    )
                ],
            )
        rows = book[sheet].iter_rows(min_row=header_row, values_only=True)
        header_cells = next(rows, None)
        headers = [str(h).strip() if h is not None else "" for h in (header_cells or ())]
        at = header_row
        errors = [FieldError(c, _("missing column"), row=at) for c in required if c not in headers]
        known = set(required) | set(optional)
        errors += [
            FieldError(h, _("unknown column"), row=at) for h in headers if h and h not in known
        ]
        dupes = {h for h in headers if h and headers.count(h) > 1}
        errors += [FieldError(h, _("column appears twice"), row=at) for h in sorted(dupes)]
        if errors:
            raise Invalid(_("Sheet %(sheet)r has bad columns") % {"sheet": sheet}, errors)
        out: list[SheetRow] = []
        for number, values in enumerate(rows, start=header_row + 1):
            if number > MAX_ROWS:
                raise Invalid(
                    _("Sheet too long"),
                    [FieldError("sheet", _("more than %(count)s rows") % {"count": MAX_ROWS})],
                )
            cells = {
                h: (v.strip() if isinstance(v, str) else v)
                for h, v in zip(headers, values, strict=False)
                if h
            }
            if all(v is None or v == "" for v in cells.values()):
                continue
            out.append(SheetRow(number, cells))
        return out
    finally:
        book.close()


def write_workbook(tables: Iterable[tuple[str, Sequence[str], Iterable[Sequence[Any]]]]) -> bytes:
    """An .xlsx file with one sheet per (title, headers, rows) table; headers in bold."""
    book = Workbook(write_only=False)
    book.remove(book.active)
    for title, headers, rows in tables:
        ws = book.create_sheet(title=title[:31])
        ws.append([str(h) for h in headers])
        for cell in ws[1]:
            cell.font = Font(bold=True)
        for row in rows:
            # A lazy translation (a choice's label) is written in the active language.
            ws.append([str(v) if isinstance(v, Promise) else v for v in row])
        ws.freeze_panes = "A2"
        for idx, header in enumerate(headers, start=1):
            ws.column_dimensions[ws.cell(1, idx).column_letter].width = max(12, len(header) + 4)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()
