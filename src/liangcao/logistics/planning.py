"""Route plans: create a plan from a depot, its stops (open shipments to sites or community
points, or stops given directly) and a fleet; solve it in the background with the pure solver in
`logistics/routing/`; store the routes. Every write is here; reads are in selectors.py."""

from __future__ import annotations

import math
import time as clock
from collections import defaultdict
from dataclasses import dataclass
from datetime import time, timedelta
from decimal import Decimal
from typing import Any

import numpy as np
from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from liangcao.catalog.models import Unit
from liangcao.core.errors import Conflict, FieldError, Forbidden, Invalid, NotFound
from liangcao.core.texts import error_texts
from liangcao.logistics.models import PlanStatus, RoutePlan, RoutePlanStop, RoutePlanVehicle
from liangcao.logistics.routing import Problem, ProblemError, VehicleType
from liangcao.logistics.routing.geo import road_matrices
from liangcao.logistics.routing.solver import solve
from liangcao.logistics.selectors import route_plan_get
from liangcao.logistics.texts import plan_error, problem_texts
from liangcao.orgs.models import Role, Site, User
from liangcao.orgs.selectors import site_list
from liangcao.stock.models import Document, DocumentKind, DocumentState
from liangcao.stock.selectors import document_list

PLAN_ROLES = frozenset({Role.DISPATCHER, Role.WAREHOUSE_KEEPER, Role.COMMANDER})
MAX_STOPS = 2000
MAX_VEHICLES = 1000
MAX_TIME_LIMIT = 600
STALE_AFTER = timedelta(minutes=2)
UNLIMITED_LITRES = 10**9


@dataclass(frozen=True)
class StopSpec:
    site_id: int
    demand_kg: int | None = None
    volume_m3: Decimal | None = None
    window_start: time | None = None
    window_end: time | None = None
    service_minutes: int | None = None


@dataclass(frozen=True)
class FleetSpec:
    count: int
    capacity_kg: int
    capacity_m3: Decimal | None = None


def shipment_kg(document: Document) -> int:
    """A shipment's weight: 1 kg per kg or litre, ROUTING_GRAMS_PER_UNIT per other unit (the
    catalog has no item weights yet), rounded up."""
    grams = 0
    for line in document.lines.all():
        per = 1000 if line.item.unit in (Unit.KG, Unit.LITRE) else settings.ROUTING_GRAMS_PER_UNIT
        grams += line.quantity * per
    return math.ceil(grams / 1000)


def _seconds(t: time, start: time) -> int:
    return (t.hour - start.hour) * 3600 + (t.minute - start.minute) * 60 + t.second - start.second


def _check_fleet(fleet: list[FleetSpec]) -> list[FieldError]:
    errors = []
    if not fleet:
        errors.append(FieldError("fleet", _("at least one row of vehicles")))
    for i, row in enumerate(fleet):
        if not 1 <= row.count <= MAX_VEHICLES:
            errors.append(
                FieldError(
                    f"fleet[{i}].count", _("between 1 and %(limit)s") % {"limit": MAX_VEHICLES}
                )
            )
        if row.capacity_kg < 1:
            errors.append(FieldError(f"fleet[{i}].capacity_kg", _("at least 1 kg")))
        if row.capacity_m3 is not None and row.capacity_m3 <= 0:
            errors.append(FieldError(f"fleet[{i}].capacity_m3", _("more than 0 m³, or leave out")))
    return errors


def _check_matrix(matrix: dict[str, Any] | None, size: int) -> list[FieldError]:
    if matrix is None:
        return []
    errors = []
    for key in ("distance_m", "duration_s"):
        rows = matrix.get(key)
        if rows is None and key == "duration_s":
            continue
        ok = (
            isinstance(rows, list)
            and len(rows) == size
            and all(
                isinstance(r, list)
                and len(r) == size
                and all(
                    isinstance(v, int | float) and not isinstance(v, bool) and v >= 0 for v in r
                )
                for r in rows
            )
        )
        if not ok:
            errors.append(
                FieldError(
                    f"matrix.{key}",
                    _(
                        "%(size)s rows of %(size)s non-negative numbers (depot first, then the "
                        "stops)"
                    )
                    % {"size": size},
                )
            )
    if set(matrix) - {"distance_m", "duration_s"}:
        errors.append(FieldError("matrix", _("only distance_m and duration_s")))
    return errors


def route_plan_create(
    *,
    user: User,
    depot_id: int,
    fleet: list[FleetSpec],
    stops: list[StopSpec] | None = None,
    name: str = "",
    start_time: time = time(8, 0),
    end_time: time = time(20, 0),
    time_limit: int = 10,
    service_minutes: int = 10,
    road_factor: float | None = None,
    speed_kmh: float | None = None,
    matrix: dict[str, Any] | None = None,
) -> RoutePlan:
    """A draft plan from a depot the user dispatches from.

    Without `stops`, every reserved (not yet dispatched) shipment leaving the depot becomes a
    stop, one per destination site (sorted by site code). A stop given without `demand_kg`
    carries the reserved shipments from the depot to its site. Raises NotFound (depot out of
    scope), Forbidden (no dispatching role there), Invalid (each bad field named).
    """
    errors = _check_fleet(fleet)
    # Times of day on the depot's clock: one given with a UTC offset cannot be compared.
    zoned: list[tuple[str, time | None]] = [("start_time", start_time), ("end_time", end_time)]
    for i, spec in enumerate(stops or []):
        zoned += [(f"stops[{i}].window_start", spec.window_start)]
        zoned += [(f"stops[{i}].window_end", spec.window_end)]
    for field, value in zoned:
        if value is not None and value.tzinfo is not None:
            errors.append(FieldError(field, _("a time of day without a time zone")))
    if errors:
        raise Invalid(_("The route plan has errors"), errors)
    if not start_time < end_time:
        errors.append(FieldError("end_time", _("after the departure time")))
    if not 1 <= time_limit <= MAX_TIME_LIMIT:
        errors.append(
            FieldError(
                "time_limit",
                _("between 1 and %(limit)s seconds") % {"limit": MAX_TIME_LIMIT},
            )
        )
    if road_factor is not None and not 1.0 <= road_factor <= 5.0:
        errors.append(FieldError("road_factor", _("between 1 and 5")))
    if speed_kmh is not None and not 1.0 <= speed_kmh <= 150.0:
        errors.append(FieldError("speed_kmh", _("between 1 and 150 km/h")))
    if len(name) > 100:
        errors.append(FieldError("name", _("at most %(count)s characters") % {"count": 100}))
    if stops is not None and len(stops) > MAX_STOPS:
        errors.append(FieldError("stops", _("at most %(limit)s stops") % {"limit": MAX_STOPS}))
    if matrix is not None and stops is None:
        errors.append(FieldError("matrix", _("a matrix needs the stops listed in its order")))
    if errors:
        raise Invalid(_("The route plan has errors"), errors)

    with transaction.atomic(durable=True):
        depot = site_list(user=user).filter(pk=depot_id).first()
        if depot is None:
            raise NotFound(_("No such site"))
        if not site_list(user=user, roles=PLAN_ROLES).filter(pk=depot_id).exists():
            raise Forbidden(
                _("Only the depot's dispatchers, keepers or commanders plan its routes")
            )
        open_shipments = (
            document_list(user=user)
            .filter(
                kind=DocumentKind.SHIPMENT, state=DocumentState.RESERVED, source_site_id=depot.pk
            )
            .prefetch_related("lines__item")
            .order_by("id")
        )
        by_site: dict[int, list[Document]] = defaultdict(list)
        for doc in open_shipments:
            if doc.dest_site_id is not None:
                by_site[doc.dest_site_id].append(doc)
        if stops is None:
            codes = dict(Site.objects.filter(pk__in=list(by_site)).values_list("pk", "code"))
            stops = [StopSpec(site_id=s) for s in sorted(by_site, key=lambda s: codes[s])]
            if not stops:
                raise Invalid(
                    _("Nothing to plan"),
                    [FieldError("stops", _("no open shipments leave this depot"))],
                )
        visible = set(
            site_list(user=user)
            .filter(pk__in=[s.site_id for s in stops])
            .values_list("pk", flat=True)
        )
        rows: list[tuple[RoutePlanStop, list[Document]]] = []
        seen: set[int] = set()
        for i, spec in enumerate(stops):
            field = f"stops[{i}]"
            if spec.site_id not in visible:
                errors.append(FieldError(f"{field}.site_id", _("no such site")))
                continue
            if spec.site_id == depot.pk:
                errors.append(FieldError(f"{field}.site_id", _("the depot itself")))
            if spec.site_id in seen:
                errors.append(FieldError(f"{field}.site_id", _("listed twice")))
            seen.add(spec.site_id)
            docs = by_site.get(spec.site_id, []) if spec.demand_kg is None else []
            demand = (
                spec.demand_kg if spec.demand_kg is not None else sum(shipment_kg(d) for d in docs)
            )
            if demand < 0 or (spec.demand_kg is None and not docs):
                errors.append(
                    FieldError(
                        f"{field}.demand_kg", _("give the demand: no open shipments go there")
                    )
                )
            opens, closes = spec.window_start or start_time, spec.window_end or end_time
            if not start_time <= opens <= closes <= end_time:
                errors.append(
                    FieldError(
                        f"{field}.window_end" if spec.window_end else f"{field}.window_start",
                        _("the window must lie inside the plan's day and open before it closes"),
                    )
                )
            minutes = service_minutes if spec.service_minutes is None else spec.service_minutes
            if not 0 <= minutes <= 600:
                errors.append(FieldError(f"{field}.service_minutes", _("between 0 and 600")))
            if spec.volume_m3 is not None and spec.volume_m3 < 0:
                errors.append(FieldError(f"{field}.volume_m3", _("not negative")))
            row = RoutePlanStop(
                number=i + 1,
                site_id=spec.site_id,
                demand_kg=max(demand, 0),
                volume_m3=spec.volume_m3 or Decimal(0),
                window_start=spec.window_start,
                window_end=spec.window_end,
                service_minutes=minutes,
            )
            rows.append((row, docs))
        errors += _check_matrix(matrix, len(stops) + 1)
        max_kg = max((f.capacity_kg for f in fleet), default=0)
        for row, _docs in rows:
            if row.demand_kg > max_kg:
                errors.append(
                    FieldError(
                        f"stops[{row.number - 1}].demand_kg",
                        _("%(demand)s kg is more than the largest vehicle (%(largest)s kg)")
                        % {"demand": row.demand_kg, "largest": max_kg},
                    )
                )
        if sum(r.demand_kg for r, _docs in rows) > sum(f.count * f.capacity_kg for f in fleet):
            errors.append(FieldError("fleet", _("the fleet cannot carry the total demand")))
        if errors:
            raise Invalid(_("The route plan has errors"), errors)
        plan = RoutePlan.objects.create(
            depot=depot,
            name=name.strip(),
            start_time=start_time,
            end_time=end_time,
            time_limit=time_limit,
            road_factor=road_factor or settings.ROUTING_ROAD_FACTOR,
            speed_kmh=speed_kmh or settings.ROUTING_SPEED_KMH,
            matrix=matrix,
            created_by=user,
        )
        RoutePlanVehicle.objects.bulk_create(
            RoutePlanVehicle(
                plan=plan,
                number=i + 1,
                count=f.count,
                capacity_kg=f.capacity_kg,
                capacity_m3=f.capacity_m3,
            )
            for i, f in enumerate(fleet)
        )
        for row, _docs in rows:
            row.plan = plan
        RoutePlanStop.objects.bulk_create([r for r, _docs in rows])
        links = [
            RoutePlanStop.shipments.through(routeplanstop_id=row.pk, document_id=d.pk)
            for row, docs in rows
            for d in docs
        ]
        RoutePlanStop.shipments.through.objects.bulk_create(links)
    return plan


def route_plan_start(*, user: User, plan_id: int) -> RoutePlan:
    """Queue the plan for solving (again, after it was solved or failed).

    Raises NotFound, Forbidden (no dispatching role at the depot), Conflict (already queued, or
    running with a fresh heartbeat: a worker that stopped beating is taken over).
    """
    from liangcao.logistics.tasks import solve_route_plan

    with transaction.atomic(durable=True):
        plan = route_plan_get(user=user, plan_id=plan_id, lock=True)
        if not site_list(user=user, roles=PLAN_ROLES).filter(pk=plan.depot_id).exists():
            raise Forbidden(
                _("Only the depot's dispatchers, keepers or commanders plan its routes")
            )
        stale = plan.status == PlanStatus.RUNNING and (
            plan.heartbeat_at is None or plan.heartbeat_at < timezone.now() - STALE_AFTER
        )
        if plan.status in (PlanStatus.QUEUED, PlanStatus.RUNNING) and not stale:
            raise Conflict(_("The plan is already being solved"))
        plan.status = PlanStatus.QUEUED
        plan.progress = 0
        plan.error, plan.error_code, plan.error_params = "", "", {}
        plan.save(update_fields=["status", "progress", "error", "error_code", "error_params"])
    solve_route_plan.enqueue(plan.pk)
    plan.refresh_from_db()
    return plan


def build_problem(plan: RoutePlan) -> tuple[Problem, list[RoutePlanStop]]:
    """The solver's problem for a plan: location 0 is the depot, then the stops in order.
    Distances in metres, times in seconds from the plan's departure."""
    stops = list(plan.stops.select_related("site").order_by("number"))
    fleet = list(plan.fleet.order_by("number"))
    points = [(plan.depot.latitude, plan.depot.longitude)]
    points += [(s.site.latitude, s.site.longitude) for s in stops]
    if plan.matrix:
        distance = np.rint(np.asarray(plan.matrix["distance_m"], dtype=float)).astype(np.int64)
        if plan.matrix.get("duration_s") is not None:
            duration = np.rint(np.asarray(plan.matrix["duration_s"], dtype=float))
            duration = duration.astype(np.int64)
        else:
            duration = np.rint(distance / (plan.speed_kmh / 3.6)).astype(np.int64)
    else:
        distance, duration = road_matrices(
            points, road_factor=plan.road_factor, speed_kmh=plan.speed_kmh
        )
    with_volume = any(f.capacity_m3 is not None for f in fleet)

    def litres(m3: Decimal | None) -> int:
        return UNLIMITED_LITRES if m3 is None else int(m3 * 1000)

    demand: list[tuple[int, ...]] = [(0, 0) if with_volume else (0,)]
    for s in stops:
        demand.append((s.demand_kg, int(s.volume_m3 * 1000)) if with_volume else (s.demand_kg,))
    types = [
        VehicleType(
            count=f.count,
            capacity=(f.capacity_kg, litres(f.capacity_m3)) if with_volume else (f.capacity_kg,),
            name=str(f.number),
        )
        for f in fleet
    ]
    day = _seconds(plan.end_time, plan.start_time)
    windows = [(0, day)]
    for s in stops:
        windows.append(
            (
                _seconds(s.window_start, plan.start_time) if s.window_start else 0,
                _seconds(s.window_end, plan.start_time) if s.window_end else day,
            )
        )
    problem = Problem(
        distance=distance,
        duration=duration,
        demand=demand,
        vehicle_types=types,
        time_windows=windows,
        service=[0] + [s.service_minutes * 60 for s in stops],
        coords=[(lon, lat) for lat, lon in points],
        names=[plan.depot.code] + [s.site.code for s in stops],
        name=f"plan-{plan.pk}",
    )
    return problem, stops


def _clock(start: time, seconds: int) -> time:
    total = start.hour * 3600 + start.minute * 60 + start.second + seconds
    return time((total // 3600) % 24, (total // 60) % 60, total % 60)


def _beat(plan_id: int, **fields: Any) -> None:
    RoutePlan.objects.filter(pk=plan_id).update(heartbeat_at=timezone.now(), **fields)


def route_plan_execute(*, plan_id: int) -> None:
    """The task body: solve the plan within its time limit, reporting progress, and store the
    routes on the plan and its stops. A failure is stored on the plan, never lost."""
    claimed = RoutePlan.objects.filter(pk=plan_id, status=PlanStatus.QUEUED).update(
        status=PlanStatus.RUNNING, heartbeat_at=timezone.now(), progress=1
    )
    if not claimed:
        return
    plan = RoutePlan.objects.select_related("depot").get(pk=plan_id)
    started = clock.monotonic()
    try:
        problem, stops = build_problem(plan)
        _beat(plan_id, progress=5)
        solution = solve(
            problem,
            seconds=plan.time_limit,
            seed=plan.pk,
            progress=lambda f: _beat(plan_id, progress=5 + int(90 * f)),
        )
        fleet = {f.number: f for f in plan.fleet.all()}
        routes = []
        counters: dict[int, int] = defaultdict(int)
        placed: dict[int, tuple[int, int, int]] = {}
        for k, route in enumerate(solution.routes, start=1):
            row = int(problem.vehicle_types[route.vehicle_type].name)
            counters[row] += 1
            for pos, (loc, arrival) in enumerate(
                zip(route.stops, route.arrivals, strict=True), start=1
            ):
                placed[loc] = (k, pos, arrival)
            routes.append(
                {
                    "number": k,
                    "fleet_row": row,
                    "vehicle": counters[row],
                    "capacity_kg": fleet[row].capacity_kg,
                    "stops": [stops[loc - 1].number for loc in route.stops],
                    "distance_m": route.distance,
                    "load_kg": route.load[0] if route.load else 0,
                    "back_at": _clock(plan.start_time, route.end).isoformat("minutes"),
                }
            )
        with transaction.atomic():
            for loc, stop in enumerate(stops, start=1):
                k, pos, arrival = placed.get(loc, (None, None, None))  # type: ignore[assignment]
                stop.route, stop.position = k, pos
                stop.arrival = None if arrival is None else _clock(plan.start_time, arrival)
            RoutePlanStop.objects.bulk_update(stops, ["route", "position", "arrival"])
            RoutePlan.objects.filter(pk=plan_id).update(
                status=PlanStatus.SOLVED if solution.feasible else PlanStatus.INFEASIBLE,
                progress=100,
                result={
                    "routes": routes,
                    "feasible": solution.feasible,
                    "iterations": solution.iterations,
                },
                distance_m=solution.cost,
                seconds=round(clock.monotonic() - started, 3),
                finished_at=timezone.now(),
                heartbeat_at=timezone.now(),
            )
    except ProblemError as exc:
        _fail(plan_id, plan_error("problem", reason=problem_texts(exc.problems)))
    except Exception as exc:
        _fail(plan_id, plan_error("solve_failed", reason=error_texts(exc)))


def _fail(plan_id: int, error: dict[str, Any]) -> None:
    RoutePlan.objects.filter(pk=plan_id).update(
        status=PlanStatus.FAILED, finished_at=timezone.now(), **error
    )


def route_plan_sweep(*, stale_after: timedelta = STALE_AFTER) -> int:
    """Mark plans whose worker stopped beating as failed (they can be started again)."""
    cutoff = timezone.now() - stale_after
    return RoutePlan.objects.filter(status=PlanStatus.RUNNING, heartbeat_at__lt=cutoff).update(
        status=PlanStatus.FAILED, finished_at=timezone.now(), **plan_error("worker_stopped")
    )
