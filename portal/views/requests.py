"""«Заявки»: the consumer's connection requests with status, due date and the reason of a rejection.

Scoped by the consumer's user id: another person's request is a 404. Must not show the staff's notes or the
registry match: the consumer sees his own fields, the status and the reason.
"""

from __future__ import annotations

from flask import Blueprint, abort, render_template
from flask.typing import ResponseReturnValue
from flask_login import current_user

from portal.db import get_db
from portal.review import REJECT_REASONS
from portal.store import requests as request_store
from portal.views.guards import role_required

bp = Blueprint("requests", __name__, url_prefix="/requests")

STATUS_LABELS = {
    "dispatch": "Определяется РЭС",
    "pending": "На рассмотрении",
    "approved": "Одобрена",
    "rejected": "Отклонена",
}


@bp.app_context_processor
def _labels() -> dict[str, object]:
    return {"status_labels": STATUS_LABELS, "reject_reasons": REJECT_REASONS}


@bp.get("/")
@role_required("consumer")
def index() -> ResponseReturnValue:
    rows = request_store.requests_of_user(get_db(), int(current_user.id))
    return render_template("requests/index.html", requests=rows)


@bp.get("/<int:request_id>")
@role_required("consumer")
def show(request_id: int) -> ResponseReturnValue:
    row = request_store.request_of_user(get_db(), int(current_user.id), request_id)
    if row is None:
        abort(404)
    return render_template("requests/show.html", req=row)
