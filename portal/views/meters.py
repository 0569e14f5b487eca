"""«Приборы учёта»: connected meters, the «Подключить ПУ» form, settlement search.

Must not serve a meter's data: the per-meter pages live in portal/views/meter_pages.py, scoped there.
"""

from __future__ import annotations

import datetime as dt

from flask import Blueprint, flash, jsonify, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_login import current_user, login_required

from portal.db import get_db
from portal.forms.connect import SETTLEMENT_PLACEHOLDER, WARNING_CAUTION, ConnectForm
from portal.routing import resolve_settlement, route_fields, settlement_label
from portal.store import directory
from portal.store import meters as meter_store
from portal.store import requests as request_store
from portal.store.audit import audit
from portal.throttle import check, client_ip
from portal.views.guards import role_required

bp = Blueprint("meters", __name__, url_prefix="/meters")


@bp.get("/")
@role_required("consumer")
def index() -> ResponseReturnValue:
    meters = meter_store.connected_meters(get_db(), int(current_user.id))
    return render_template("meters/index.html", meters=meters)


@bp.route("/connect", methods=["GET", "POST"])
@role_required("consumer")
def connect() -> ResponseReturnValue:
    legal = current_user.consumer_kind == "legal"
    form = ConnectForm(legal=legal)
    if form.is_submitted():
        check("request:ip", client_ip())
        check("request:account", str(current_user.id))
    if form.validate_on_submit():
        conn = get_db()
        clean = form.clean
        submitted_at = dt.datetime.now(dt.UTC)
        settlement = resolve_settlement(conn, clean["settlement"], form.settlement_id.data)
        with conn.transaction():
            fields = {
                "user_id": int(current_user.id),
                "applicant_kind": "legal" if legal else "individual",
                "serial_typed": clean["serial_typed"],
                "serial": clean["serial"],
                "contract_typed": clean["contract_typed"],
                "contract_key": clean["contract_key"],
                "org_name": clean.get("org_name"),
                "ogrn": clean.get("ogrn"),
                "registry_date": clean.get("registry_date"),
                "warnings": form.warnings,
                "created_at": submitted_at,
                **route_fields(conn, settlement, clean["settlement"], submitted_at),
            }
            request_id = request_store.create_request(conn, fields)
            audit(conn, int(current_user.id), "request.create", "connection_request", request_id, ip=client_ip())
        flash(f"Заявка № {request_id} отправлена. Срок рассмотрения — пять рабочих дней.", "success")
        return redirect(url_for("requests.index"))
    return render_template(
        "meters/connect.html", form=form, legal=legal, placeholder=SETTLEMENT_PLACEHOLDER, caution=WARNING_CAUTION
    )


@bp.get("/settlements")
@login_required  # type: ignore[untyped-decorator]
def settlements() -> ResponseReturnValue:
    query = (request.args.get("q") or "").strip()[:100]
    rows = directory.search_settlements(get_db(), query) if len(query) >= 1 else []
    return jsonify([{"id": r["id"], "label": settlement_label(r), "res": r["res_name"]} for r in rows])
