"""Fleet pages (phone first): vehicles, drivers, passes and keys, the offline checkpoint page
with its service worker, and the transfer-station board. Posting forms carry a one-time
token; the checkpoint page logs scans through the API."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

import segno
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.templatetags.static import static
from django.urls import reverse
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from liangcao.core.errors import DomainError, FieldError, Forbidden, Invalid
from liangcao.core.texts import error_text
from liangcao.fleet import selectors, services
from liangcao.fleet.models import ScanResult, VehicleKind
from liangcao.orgs.models import Node, Role
from liangcao.orgs.selectors import node_list, user_is_city_level
from liangcao.web.pages import form_once, new_form_token, page_view, paginate, user_of


def _int(value: str | None) -> int | None:
    value = (value or "").strip()
    return int(value) if value.isdigit() and len(value) < 10 else None


def _when(value: str | None, field: str) -> datetime:
    parsed = parse_datetime((value or "").strip())
    if parsed is None:
        raise Invalid(_("Check the dates"), [FieldError(field, _("a date and time"))])
    return timezone.make_aware(parsed) if timezone.is_naive(parsed) else parsed


def _post(request: HttpRequest, work: Callable[[], Any], done: str) -> bool:
    """Run a form's write once per token; show its field errors. True when it succeeded."""

    def run(token: str) -> dict[str, Any]:
        result = work()
        return {"id": getattr(result, "pk", None)}

    try:
        answer = form_once(request, run)
    except DomainError as exc:
        if exc.status in (403, 404):
            raise
        messages.error(request, error_text(exc))
        return False
    request.fleet_created_id = answer.get("id")  # type: ignore[attr-defined]
    messages.success(request, done)
    return True


def _owners(request: HttpRequest) -> Any:
    user = user_of(request)
    if user.is_superuser:
        return Node.objects.filter(depth__lte=2).order_by("depth", "code")
    return (
        Node.objects.filter(id__in=selectors.fleet_node_ids(user))
        .filter(depth__lte=3)
        .order_by("depth", "code")[:300]
    )


# --- vehicles and drivers ------------------------------------------------------------------
@page_view
def vehicle_list(request: HttpRequest) -> HttpResponse:
    user = user_of(request)
    search = request.GET.get("q", "").strip() or None
    if request.method == "POST":
        ok = _post(
            request,
            lambda: services.vehicle_create(
                user=user,
                plate=request.POST.get("plate", ""),
                kind=request.POST.get("kind", ""),
                capacity_kg=_int(request.POST.get("capacity_kg")) or 0,
                capacity_m3=request.POST.get("capacity_m3", "") or "x",
                owner_id=_int(request.POST.get("owner_id")) or 0,
                cold_chain=request.POST.get("cold_chain") == "on",
                note=request.POST.get("note", ""),
            ),
            _("Vehicle registered."),
        )
        if ok:
            return redirect("vehicle-list")
    context = {
        "page": paginate(request, selectors.vehicle_list(user=user, search=search)),
        "q": search,
        "kinds": VehicleKind.choices,
        "owners": _owners(request),
        "form_token": new_form_token(),
    }
    return render(request, "fleet/vehicle_list.html", context)


@page_view
def vehicle_detail(request: HttpRequest, vehicle_id: int) -> HttpResponse:
    user = user_of(request)
    vehicle = selectors.vehicle_get(user=user, vehicle_id=vehicle_id)
    if request.method == "POST":
        available = request.POST.get("available") == "1"
        _post(
            request,
            lambda: services.vehicle_set_available(
                user=user, vehicle_id=vehicle.pk, available=available
            ),
            _("Saved."),
        )
        return redirect("vehicle-detail", vehicle.pk)
    context = {
        "vehicle": vehicle,
        "passes": selectors.pass_list(user=user).filter(vehicle=vehicle)[:20],
        "form_token": new_form_token(),
    }
    return render(request, "fleet/vehicle_detail.html", context)


@page_view
def driver_list(request: HttpRequest) -> HttpResponse:
    user = user_of(request)
    search = request.GET.get("q", "").strip() or None
    if request.method == "POST":
        ok = _post(
            request,
            lambda: services.driver_create(
                user=user,
                name=request.POST.get("name", ""),
                phone=request.POST.get("phone", ""),
                owner_id=_int(request.POST.get("owner_id")) or 0,
            ),
            _("Driver registered."),
        )
        if ok:
            return redirect("driver-list")
    context = {
        "page": paginate(request, selectors.driver_list(user=user, search=search)),
        "q": search,
        "owners": _owners(request),
        "form_token": new_form_token(),
    }
    return render(request, "fleet/driver_list.html", context)


@page_view
def driver_detail(request: HttpRequest, driver_id: int) -> HttpResponse:
    user = user_of(request)
    driver = selectors.driver_get(user=user, driver_id=driver_id)
    if request.method == "POST":
        available = request.POST.get("available") == "1"
        _post(
            request,
            lambda: services.driver_set_available(
                user=user, driver_id=driver.pk, available=available
            ),
            _("Saved."),
        )
        return redirect("driver-detail", driver.pk)
    context = {"driver": driver, "form_token": new_form_token()}
    return render(request, "fleet/driver_detail.html", context)


# --- passes and keys -----------------------------------------------------------------------
@page_view
def pass_list(request: HttpRequest) -> HttpResponse:
    user = user_of(request)
    search = request.GET.get("q", "").strip() or None
    if request.method == "POST":
        zone_ids = [z for z in (_int(v) for v in request.POST.getlist("zone_ids")) if z]
        ok = _post(
            request,
            lambda: services.pass_issue(
                user=user,
                spec=services.PassSpec(
                    vehicle_id=_int(request.POST.get("vehicle_id")) or 0,
                    driver_id=_int(request.POST.get("driver_id")),
                    zone_ids=zone_ids,
                    purpose=request.POST.get("purpose", ""),
                    valid_from=_when(request.POST.get("valid_from"), "valid_from"),
                    valid_until=_when(request.POST.get("valid_until"), "valid_until"),
                ),
            ),
            _("Pass issued."),
        )
        if ok:
            return redirect("pass-detail", request.fleet_created_id)  # type: ignore[attr-defined]
    now = timezone.localtime()
    context = {
        "page": paginate(request, selectors.pass_list(user=user, search=search)),
        "q": search,
        "vehicles": selectors.vehicle_list(user=user, available=True)[:300],
        "drivers": selectors.driver_list(user=user, available=True)[:300],
        "zones": node_list(user=user).filter(depth__lte=2)[:300],
        "valid_from": now.strftime("%Y-%m-%dT%H:%M"),
        "valid_until": (now + timedelta(days=7)).strftime("%Y-%m-%dT%H:%M"),
        "can_issue": selectors.vehicle_list(user=user).exists(),
        "form_token": new_form_token(),
    }
    return render(request, "fleet/pass_list.html", context)


@page_view
def pass_detail(request: HttpRequest, pass_id: int) -> HttpResponse:
    user = user_of(request)
    the_pass = selectors.pass_get(user=user, pass_id=pass_id)
    if request.method == "POST":
        action = request.POST.get("action")
        if action == "revoke":
            _post(
                request,
                lambda: services.pass_revoke(
                    user=user, pass_id=the_pass.pk, reason=request.POST.get("reason", "")
                ),
                _("Pass revoked."),
            )
        elif action == "reissue" and _post(
            request, lambda: services.pass_reissue(user=user, pass_id=the_pass.pk), _("Re-issued.")
        ):
            return redirect("pass-detail", request.fleet_created_id)  # type: ignore[attr-defined]
        return redirect("pass-detail", the_pass.pk)
    qr = segno.make(the_pass.code, error="m").svg_data_uri(scale=3, border=2)
    context = {
        "pass": the_pass,
        "qr": qr,
        "code_groups": [the_pass.code[i : i + 8] for i in range(0, len(the_pass.code), 8)],
        "zones": the_pass.zones.order_by("depth", "code"),
        "replaced_by": getattr(the_pass, "replaced_by", None),
        "show_driver": the_pass.driver is not None
        and selectors.can_see_phones(user, the_pass.driver.owner_id),
        "form_token": new_form_token(),
    }
    return render(request, "fleet/pass_detail.html", context)


@page_view
def passkey_list(request: HttpRequest) -> HttpResponse:
    user = user_of(request)
    can_manage = user_is_city_level(user=user, roles={Role.COMMANDER})
    if request.method == "POST":
        action = request.POST.get("action")
        key_id = request.POST.get("key_id", "")
        if action == "rotate":
            _post(request, lambda: services.passkey_rotate(user=user), _("New signing key."))
        elif action in ("retire", "revoke"):
            _post(
                request,
                lambda: services.passkey_end(user=user, key_id=key_id, revoke=action == "revoke"),
                _("Saved."),
            )
        return redirect("passkey-list")
    if not selectors.vehicle_list(user=user).exists() and not can_manage:
        raise Forbidden(_("Dispatchers and commanders only"))
    context = {
        "keys": selectors.passkey_list(),
        "can_manage": can_manage,
        "form_token": new_form_token(),
    }
    return render(request, "fleet/passkey_list.html", context)


# --- checkpoints -------------------------------------------------------------------------------
@page_view
def checkpoint_list(request: HttpRequest) -> HttpResponse:
    user = user_of(request)
    context = {"page": paginate(request, selectors.checkpoint_list(user=user))}
    return render(request, "fleet/checkpoint_list.html", context)


@page_view
def checkpoint(request: HttpRequest, site_id: int) -> HttpResponse:
    """The page a checkpoint officer keeps open on a phone; works offline once loaded."""
    user = user_of(request)
    site = selectors.checkpoint_get(user=user, site_id=site_id)
    labels = dict(ScanResult.choices)
    context_json = {
        "site_id": site.pk,
        "ancestors": selectors.zone_ancestors(node_id=site.node_id),
        "trust_url": reverse("api-v1:trust"),
        "scan_url": reverse("api-v1:record_scan", args=[site.pk]),
        "sw_url": reverse("checkpoint-sw"),
        "sw_scope": reverse("checkpoint-list"),
        "assets": [
            static("fleet/checkpoint.js"),
            static("fleet/vendor/jsQR.js"),
            static("web/app.css"),
            static("web/vendor/htmx.min.js"),
        ],
        "text": {
            **{k: str(v) for k, v in labels.items()},
            "queued": _("%s scans waiting to sync"),
            "synced": _("All scans synced"),
            "age": _("Revocation list: %s min old"),
            "nolist": _("No revocation list yet: connect once"),
            "nocamera": _("No camera: type the code or take a photo"),
            "noqr": _("No QR code found in the photo"),
        },
    }
    recent = selectors.scan_list(user=user, checkpoint_id=site.pk)[:20]
    return render(
        request,
        "fleet/checkpoint.html",
        {"site": site, "context_json": json.dumps(context_json), "recent": recent},
    )


SERVICE_WORKER = """
const CACHE = "lc-checkpoint-v1";
self.addEventListener("install", (e) => self.skipWaiting());
self.addEventListener("activate", (e) => e.waitUntil(self.clients.claim()));
self.addEventListener("fetch", (e) => {
  const req = e.request;
  if (req.method !== "GET" || new URL(req.url).origin !== self.location.origin) return;
  e.respondWith(
    fetch(req)
      .then((resp) => {
        if (resp.ok) {
          const copy = resp.clone();
          caches.open(CACHE).then((c) => c.match(req, { ignoreSearch: true, ignoreVary: true })
            .then((hit) => hit && c.put(req, copy)));
        }
        return resp;
      })
      .catch(() => caches.open(CACHE)
        .then((c) => c.match(req, { ignoreSearch: true, ignoreVary: true }))
        .then((hit) => hit || Response.error()))
  );
});
"""


@login_required
def checkpoint_sw(request: HttpRequest) -> HttpResponse:
    """The checkpoint pages' service worker: network first, the page's cache when offline
    (it refreshes only what the page itself cached: the page, its assets, the trust list)."""
    response = HttpResponse(SERVICE_WORKER, content_type="text/javascript")
    response["Cache-Control"] = "no-cache"
    return response


# --- transfer stations -------------------------------------------------------------------------
@page_view
def station_list(request: HttpRequest) -> HttpResponse:
    user = user_of(request)
    context = {"page": paginate(request, selectors.station_list(user=user))}
    return render(request, "fleet/station_list.html", context)


@page_view
def station_board(request: HttpRequest, site_id: int) -> HttpResponse:
    user = user_of(request)
    station = selectors.station_get(user=user, site_id=site_id)
    vehicles, drivers = selectors.transport_choices(user=user, site=station)
    context = {
        "station": station,
        **selectors.station_board(station=station),
        "inbound": selectors.inbound_at_station(station=station)[:50],
        "all_vehicles": selectors.vehicle_list(user=user)[:300],
        "vehicles": vehicles[:300],
        "drivers": drivers[:300],
        "destinations": selectors.relay_destinations()[:500],
        "form_token": new_form_token(),
    }
    return render(request, "fleet/station_board.html", context)


@require_POST
@page_view
def station_action(request: HttpRequest, site_id: int, action: str) -> HttpResponse:
    """Record an arrival, or relay a waiting vehicle's goods onto a local vehicle."""
    user = user_of(request)
    station = selectors.station_get(user=user, site_id=site_id)
    if action == "arrive":
        _post(
            request,
            lambda: services.relay_arrive(
                user=user,
                document_id=_int(request.POST.get("document_id")) or 0,
                vehicle_id=_int(request.POST.get("vehicle_id")) or 0,
            ),
            _("Arrival recorded."),
        )
    elif action == "relay":
        _post(
            request,
            lambda: services.relay_complete(
                user=user,
                relay_id=_int(request.POST.get("relay_id")) or 0,
                to_site_id=_int(request.POST.get("to_site_id")) or 0,
                vehicle_id=_int(request.POST.get("vehicle_id")) or 0,
                driver_id=_int(request.POST.get("driver_id")) or 0,
                idempotency_key=request.POST.get("form_token", ""),
            ),
            _("Relayed."),
        )
    else:
        messages.error(request, _("Unknown action"))
    return redirect("station-board", station.pk)
