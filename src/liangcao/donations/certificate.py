"""The acknowledgement certificate to the donor: one HTML template for print view and PDF
(WeasyPrint, as logistics' delivery note), with a QR code to the donation's public trace."""

from __future__ import annotations

from django.conf import settings
from django.template.loader import render_to_string
from django.urls import reverse

from liangcao.donations.models import Donation


def public_trace_url(donation: Donation) -> str:
    return settings.PUBLIC_BASE_URL + reverse("portal-donation", args=[donation.reference])


def certificate_html(donation: Donation, *, for_pdf: bool = False) -> str:
    import segno

    url = public_trace_url(donation)
    lines = donation.lines.select_related("item").order_by("number")
    return render_to_string(
        "donations/certificate.html",
        {
            "donation": donation,
            "lines": [ln for ln in lines if ln.accepted],
            "trace_url": url,
            "qr": str(segno.make(url, error="m").svg_data_uri(scale=4, border=2)),
            "for_pdf": for_pdf,
        },
    )


def certificate_pdf(donation: Donation) -> bytes:
    """The certificate as PDF (CJK text needs Debian's fonts-noto-cjk)."""
    from weasyprint import HTML  # imported here: it loads pango, which only this page needs

    html = certificate_html(donation, for_pdf=True)
    pdf: bytes = HTML(string=html, base_url=settings.PUBLIC_BASE_URL).write_pdf()
    return pdf
