"""/admin/calendar: the admin's page of regional days off and working days (calendar_overrides).

Must not hold SQL nor the rules of an override (portal/calendar_overrides.py): it parses the form, calls it, and
shows the list. Admins only; every change is audited there.
"""

from __future__ import annotations

import datetime as dt

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_login import current_user

from portal import calendar_overrides as overrides
from portal.db import get_db
from portal.store import directory
from portal.throttle import client_ip
from portal.views.guards import role_required

bp = Blueprint("calendar", __name__, url_prefix="/admin/calendar")


def _res_id(text: str) -> int | None:
    """The form sends a РЭС id or "" for every РЭС; an unknown id is an error, not «every РЭС»."""
    if not text:
        return None
    res = directory.res_by_id(get_db(), int(text)) if text.isdigit() else None
    if res is None:
        raise overrides.OverrideError("Выберите РЭС из списка")
    return int(res["id"])


@bp.get("/")
@role_required("admin")
def index() -> ResponseReturnValue:
    conn = get_db()
    show_all = request.args.get("all") == "1"
    since = None if show_all else dt.date.today() - dt.timedelta(days=365)
    return render_template(
        "admin/calendar.html",
        rows=directory.calendar_override_rows(conn, since),
        res_list=directory.all_res(conn),
        show_all=show_all,
        form=request.args,
    )


@bp.post("/")
@role_required("admin")
def add() -> ResponseReturnValue:
    form = request.form
    try:
        override = overrides.make_override(
            overrides.parse_day(form.get("day", "")),
            _res_id(form.get("res_id", "")),
            form.get("kind") == "working",
            form.get("note", ""),
        )
    except overrides.OverrideError as exc:
        flash(str(exc), "error")
        return redirect(url_for("calendar.index"))
    overrides.add(get_db(), int(current_user.id), override, client_ip())
    kind = "рабочий день" if override.is_working else "выходной день"
    flash(f"{override.day:%d.%m.%Y} — {kind}. Сроки новых заявок считаются с учётом этого дня.", "success")
    return redirect(url_for("calendar.index"))


@bp.post("/remove")
@role_required("admin")
def remove() -> ResponseReturnValue:
    try:
        day = overrides.parse_day(request.form.get("day", ""))
        res_id = _res_id(request.form.get("res_id", ""))
    except overrides.OverrideError as exc:
        flash(str(exc), "error")
        return redirect(url_for("calendar.index"))
    if overrides.remove(get_db(), int(current_user.id), day, res_id, client_ip()):
        flash(f"Исключение на {day:%d.%m.%Y} удалено.", "success")
    else:
        flash("Такого исключения нет.", "error")
    return redirect(url_for("calendar.index"))
