"""The delivery note: one HTML template serves the print view and the PDF (WeasyPrint), with a
QR code the destination scans to open the shipment's receive form."""

from __future__ import annotations

from typing import Any

import segno
from django.conf import settings
from django.http import HttpRequest
from django.template.loader import render_to_string
from django.urls import reverse

from liangcao.stock.models import Document


def receive_url(document: Document) -> str:
    """The absolute address the QR code opens (PUBLIC_BASE_URL, not the request's host)."""
    return settings.PUBLIC_BASE_URL + reverse("shipment-detail", args=[document.pk]) + "#receive"


def qr_svg_data_uri(text: str) -> str:
    return str(segno.make(text, error="m").svg_data_uri(scale=4, border=2))


def delivery_note_html(
    request: HttpRequest | None, document: Document, context: dict[str, Any]
) -> str:
    url = receive_url(document)
    return render_to_string(
        "logistics/delivery_note.html",
        {**context, "document": document, "receive_url": url, "qr": qr_svg_data_uri(url)},
        request=request,
    )


def delivery_note_pdf(html: str) -> bytes:
    """Render the print view to PDF (CJK text needs Debian's fonts-noto-cjk)."""
    from weasyprint import HTML  # imported here: it loads pango, which only this page needs

    pdf: bytes = HTML(string=html, base_url=settings.PUBLIC_BASE_URL).write_pdf()
    return pdf
