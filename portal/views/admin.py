"""Dispatcher queue: requests with a settlement typed freely get a РЭС (and maybe a directory entry).

Must not decide requests: after assignment they go to that РЭС's queue like any other.
"""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_login import current_user

from portal.db import get_db
from portal.routing import due_for
from portal.store import directory
from portal.store import requests as request_store
from portal.store.audit import audit
from portal.throttle import client_ip
from portal.views.guards import role_required

bp = Blueprint("admin", __name__, url_prefix="/dispatch")


@bp.get("/")
@role_required("dispatcher", "admin")
def dispatch_queue() -> ResponseReturnValue:
    conn = get_db()
    return render_template(
        "admin/dispatch.html", requests=request_store.dispatch_queue(conn), res_list=directory.all_res(conn)
    )


@bp.post("/<int:request_id>")
@role_required("dispatcher", "admin")
def assign(request_id: int) -> ResponseReturnValue:
    conn = get_db()
    res_id = request.form.get("res_id", "")
    res = directory.res_by_id(conn, int(res_id)) if res_id.isdigit() else None
    if res is None:
        flash("Выберите РЭС.", "error")
        return redirect(url_for("admin.dispatch_queue"))
    with conn.transaction():
        req = request_store.dispatch_request(conn, request_id)
        if req is None:
            abort(404)
        settlement_id = None
        if request.form.get("add_to_directory") == "1":
            district = " ".join((request.form.get("district") or "").split())[:200]
            settlement_id = directory.upsert_settlement(
                conn, str(req["settlement_text"]), district, int(res["id"]), None
            )
        # The five working days run from the submission, not from the dispatcher's decision.
        due = due_for(conn, res, req["created_at"])
        request_store.assign_res(conn, request_id, int(res["id"]), settlement_id, due.ends_at, due.approximate)
        audit(
            conn,
            int(current_user.id),
            "request.assign",
            "connection_request",
            request_id,
            {"res_id": int(res["id"]), "settlement_id": settlement_id},
            client_ip(),
        )
    flash(f"Заявка № {request_id} направлена в {res['name']}.", "success")
    return redirect(url_for("admin.dispatch_queue"))
