"""Start page, the personal-data processing policy, language choice and notifications.

Must not show personal data to anonymous visitors.
"""

from __future__ import annotations

from flask import Blueprint, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_login import current_user, login_required

from portal.db import get_db
from portal.forms.auth import CONSENT_VERSION
from portal.i18n import COOKIE, LANGUAGES
from portal.store import audit as audit_store

bp = Blueprint("pages", __name__)


@bp.app_context_processor
def _chrome() -> dict[str, object]:
    unread = 0
    if current_user.is_authenticated:
        unread = audit_store.unread_count(get_db(), int(current_user.id))
    return {"unread_notifications": unread}


@bp.get("/")
def index() -> ResponseReturnValue:
    if not current_user.is_authenticated:
        return redirect(url_for("auth.login"))
    if current_user.can_dispatch and current_user.role == "dispatcher":
        return redirect(url_for("admin.dispatch_queue"))
    if current_user.is_staff:
        return redirect(url_for("staff.queue"))
    return redirect(url_for("meters.index"))


@bp.get("/policy")
def policy() -> ResponseReturnValue:
    return render_template("policy.html", version=CONSENT_VERSION)


@bp.get("/lang/<code>")
def language(code: str) -> ResponseReturnValue:
    response = redirect(url_for("pages.index"))
    if code in LANGUAGES:
        response.set_cookie(COOKIE, code, max_age=365 * 86400, httponly=True, samesite="Lax")
    return response


@bp.get("/notifications")
@login_required  # type: ignore[untyped-decorator]
def notifications() -> ResponseReturnValue:
    conn = get_db()
    items = audit_store.notifications_of(conn, int(current_user.id))
    audit_store.mark_read(conn, int(current_user.id))
    return render_template("notifications.html", items=items)


@bp.get("/healthz")
def health() -> ResponseReturnValue:
    get_db().execute("SELECT 1")
    return {"status": "ok", "path": request.path}
