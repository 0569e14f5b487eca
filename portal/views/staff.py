"""РЭС staff pages: the review queue of the employee's zone, a request's page, approve and reject.

Requests outside the employee's zone are a 404. Every view of a person's data and every decision is audited.
Must not decide by itself: approval and rejection rules live in portal/review.py.
"""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_login import current_user

from portal.db import get_db
from portal.review import REJECT_REASONS, approve, match_request, reject
from portal.store import requests as request_store
from portal.store.audit import audit
from portal.throttle import client_ip
from portal.views.guards import role_required

bp = Blueprint("staff", __name__, url_prefix="/staff")


@bp.get("/")
@role_required("staff", "admin")
def queue() -> ResponseReturnValue:
    show_done = request.args.get("done") == "1"
    statuses = ("approved", "rejected") if show_done else ("pending",)
    rows = request_store.staff_queue(get_db(), current_user.staff_scope, statuses)
    return render_template("staff/queue.html", requests=rows, show_done=show_done)


def _scoped(request_id: int) -> dict[str, object]:
    row = request_store.request_for_staff(get_db(), request_id, current_user.staff_scope)
    if row is None:
        abort(404)
    return row


@bp.get("/requests/<int:request_id>")
@role_required("staff", "admin")
def show(request_id: int) -> ResponseReturnValue:
    conn = get_db()
    req = _scoped(request_id)
    match = match_request(conn, req)
    with conn.transaction():
        request_store.save_match(conn, request_id, match)
        # 152-ФЗ: a staff view of the applicant's data is itself a processing event worth recording.
        audit(conn, int(current_user.id), "request.view", "connection_request", request_id, ip=client_ip())
    return render_template("staff/show.html", req=req, match=match, reasons=REJECT_REASONS)


@bp.post("/requests/<int:request_id>/approve")
@role_required("staff", "admin")
def approve_view(request_id: int) -> ResponseReturnValue:
    req = _scoped(request_id)
    meter_id = request.form.get("meter_id", "")
    if not meter_id.isdigit() or not approve(get_db(), req, int(current_user.id), int(meter_id), client_ip()):
        flash("Одобрить можно только рассматриваемую заявку с прибором учета из реестра.", "error")
        return redirect(url_for("staff.show", request_id=request_id))
    flash(f"Заявка № {request_id} одобрена, прибор учета подключен к кабинету потребителя.", "success")
    return redirect(url_for("staff.queue"))


@bp.post("/requests/<int:request_id>/reject")
@role_required("staff", "admin")
def reject_view(request_id: int) -> ResponseReturnValue:
    req = _scoped(request_id)
    code = request.form.get("reason", "")
    text = " ".join((request.form.get("comment") or "").split())[:1000] or None
    if code == "other" and not text:
        flash("Для причины «Другая причина» напишите пояснение.", "error")
        return redirect(url_for("staff.show", request_id=request_id))
    if not reject(get_db(), req, int(current_user.id), code, text, client_ip()):
        flash("Отклонить можно только рассматриваемую заявку, выбрав причину из списка.", "error")
        return redirect(url_for("staff.show", request_id=request_id))
    flash(f"Заявка № {request_id} отклонена.", "success")
    return redirect(url_for("staff.queue"))
