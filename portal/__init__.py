"""The Flask «личный кабинет»: accounts, connection requests, staff review, meter pages.

Must not import collector or drivers: it shares only schema.sql and the database with them.
"""

from __future__ import annotations

import os
from typing import Any

from flask import Flask, render_template
from flask_babel import gettext
from flask_wtf.csrf import CSRFError, CSRFProtect

from portal.accounts import init_login
from portal.db import init_pool
from portal.formatting import init_formatting
from portal.i18n import init_i18n
from portal.security import init_security
from portal.throttle import Limited

DEFAULTS: dict[str, Any] = {
    "COMPANY_NAME": "АО «УСК»",
    "SESSION_LIFETIME_S": 12 * 3600,
    "SESSION_IDLE_S": 2 * 3600,
    "RESET_LIFETIME_S": 3600,
    "PUBLIC_URL": "",
    "DB_POOL_SIZE": 8,
    "WTF_CSRF_TIME_LIMIT": None,  # the token lives as long as the session cookie
    "MAX_CONTENT_LENGTH": 1024 * 1024,
}


def create_app(config: dict[str, Any] | None = None) -> Flask:
    """Build the portal. Required keys: DATABASE_URL, SECRET_KEY (or UCHET_PORTAL_SECRET in the env)."""
    app = Flask(__name__)
    app.config.update(DEFAULTS)
    app.config.update(config or {})
    if not app.config.get("SECRET_KEY"):
        app.config["SECRET_KEY"] = os.environ.get("UCHET_PORTAL_SECRET")
    if not app.config.get("SECRET_KEY") or not app.config.get("DATABASE_URL"):
        raise ValueError("the portal needs DATABASE_URL and SECRET_KEY")

    init_security(app)
    init_i18n(app)
    CSRFProtect(app)
    init_pool(app)
    init_login(app)
    init_formatting(app)
    _register_blueprints(app)
    _register_errors(app)
    return app


def _register_blueprints(app: Flask) -> None:
    from portal.views import admin, auth, calendar, meter_pages, meters, pages, requests, staff

    for module in (pages, auth, meters, meter_pages, requests, staff, admin, calendar):
        app.register_blueprint(module.bp)
    app.jinja_env.globals["company_name"] = app.config["COMPANY_NAME"]


def _register_errors(app: Flask) -> None:
    @app.errorhandler(Limited)
    def _limited(_exc: Limited) -> tuple[str, int]:
        return render_template("error.html", code=429, message=gettext("Слишком много попыток. Повторите позже.")), 429

    @app.errorhandler(CSRFError)
    def _csrf(_exc: CSRFError) -> tuple[str, int]:
        message = gettext("Форма устарела или отправлена не с этой страницы. Обновите страницу и повторите.")
        return render_template("error.html", code=400, message=message), 400

    @app.errorhandler(404)
    def _missing(_exc: Exception) -> tuple[str, int]:
        return render_template("error.html", code=404, message=gettext("Страница не найдена.")), 404

    @app.errorhandler(403)
    def _forbidden(_exc: Exception) -> tuple[str, int]:
        return render_template("error.html", code=403, message=gettext("Доступ запрещён.")), 403
