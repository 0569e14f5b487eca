"""The pages of one meter: «Данные о приборе», «Показания» (with CSV), «События» (with CSV), and the staff list
of their zone's meters.

Scope: consumers through meter_access, staff through their РЭС zones, anybody else a 404. Staff views of a
person's meter data go to the audit log. Must not hold SQL (portal/store/*) nor page arithmetic.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from flask import Blueprint, Response, abort, render_template, request
from flask.typing import ResponseReturnValue
from flask_login import current_user, login_required

from portal.db import get_db
from portal.events_page import DEFAULT_DAYS as EVENT_DAYS
from portal.events_page import JOURNALS, duration_text, event_text, journal_name, journal_of, load_events
from portal.link_health import health_of
from portal.meter_csv import READINGS_TABLES, events_csv, readings_csv
from portal.meter_period import period_of, zone_label
from portal.readings_page import DAILY_MAX_DAYS, load_readings
from portal.store import meter_scope
from portal.store.audit import audit
from portal.throttle import client_ip
from portal.views.guards import role_required

bp = Blueprint("meter", __name__, url_prefix="/meters")
VIEWERS = ("consumer", "staff", "admin")


def _meter(meter_id: int, page: str) -> dict[str, Any]:
    conn = get_db()
    if current_user.role not in VIEWERS:
        abort(404)  # a dispatcher has no meter pages: the same answer as for somebody else's meter
    if current_user.role == "consumer":
        meter = meter_scope.consumer_meter(conn, int(current_user.id), meter_id)
    else:
        meter = meter_scope.staff_meter(conn, current_user.staff_scope, meter_id)
    if meter is None:
        abort(404)
    if current_user.role != "consumer":
        # 152-ФЗ: an employee looking at a person's meter data is a processing event worth recording.
        audit(conn, int(current_user.id), "meter.view", "meter", meter_id, {"page": page}, ip=client_ip())
    return meter


def _csv(body: bytes, name: str) -> Response:
    response = Response(body, mimetype="text/csv")
    response.headers["Content-Type"] = "text/csv; charset=utf-8"
    response.headers["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


def _common(meter: dict[str, Any], tab: str) -> dict[str, Any]:
    return {"meter": meter, "tab": tab, "zone": zone_label(meter["timezone"]), "timedelta": dt.timedelta}


@bp.get("/zone")
@role_required("staff", "admin")
def zone() -> ResponseReturnValue:
    conn = get_db()
    meters = meter_scope.zone_meters(conn, current_user.staff_scope)
    # 152-ФЗ: the list shows contracts and object addresses of the zone's consumers, a staff view like any other.
    audit(conn, int(current_user.id), "meter.zone_list", "meter", None, {"shown": len(meters)}, ip=client_ip())
    return render_template("meter/zone.html", meters=meters)


@bp.get("/<int:meter_id>/device")
@login_required  # type: ignore[untyped-decorator]
def device(meter_id: int) -> ResponseReturnValue:
    meter = _meter(meter_id, "device")
    health = health_of(meter, dt.datetime.now(dt.UTC))
    return render_template("meter/device.html", health=health, **_common(meter, "device"))


@bp.get("/<int:meter_id>/readings")
@login_required  # type: ignore[untyped-decorator]
def readings(meter_id: int) -> ResponseReturnValue:
    meter = _meter(meter_id, "readings")
    now = dt.datetime.now(dt.UTC)
    page = load_readings(get_db(), meter, period_of(request.args, meter["timezone"], now), now)
    return render_template(
        "meter/readings.html", page=page, daily_max_days=DAILY_MAX_DAYS, **_common(meter, "readings")
    )


@bp.get("/<int:meter_id>/readings.csv")
@login_required  # type: ignore[untyped-decorator]
def readings_export(meter_id: int) -> ResponseReturnValue:
    table = request.args.get("table", "profile")
    if table not in READINGS_TABLES:
        abort(404)
    meter = _meter(meter_id, f"readings.csv:{table}")
    now = dt.datetime.now(dt.UTC)
    page = load_readings(get_db(), meter, period_of(request.args, meter["timezone"], now), now)
    name = f"pokazaniya_{meter['serial']}_{table}_{page.period.first:%Y%m%d}-{page.period.last:%Y%m%d}.csv"
    return _csv(readings_csv(page, table), name)


def _events_page(meter: dict[str, Any]) -> Any:
    now = dt.datetime.now(dt.UTC)
    period = period_of(request.args, meter["timezone"], now, default_days=EVENT_DAYS)
    return load_events(get_db(), meter, period, journal_of(request.args.get("journal")))


@bp.get("/<int:meter_id>/events")
@login_required  # type: ignore[untyped-decorator]
def events(meter_id: int) -> ResponseReturnValue:
    meter = _meter(meter_id, "events")
    page = _events_page(meter)
    return render_template(
        "meter/events.html",
        page=page,
        journals=JOURNALS,
        event_text=event_text,
        journal_name=journal_name,
        duration_text=duration_text,
        **_common(meter, "events"),
    )


@bp.get("/<int:meter_id>/events.csv")
@login_required  # type: ignore[untyped-decorator]
def events_export(meter_id: int) -> ResponseReturnValue:
    meter = _meter(meter_id, "events.csv")
    page = _events_page(meter)
    name = f"sobytiya_{meter['serial']}_{page.period.first:%Y%m%d}-{page.period.last:%Y%m%d}.csv"
    return _csv(events_csv(page), name)
