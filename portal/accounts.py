"""The logged-in person: Flask-Login's user object and its server-side session cookie.

The cookie carries a random token; user_sessions holds its SHA-256, so logout (revocation) makes an old cookie
useless. Flask's own signed cookie only holds the CSRF token and flash messages. Must not hold page logic.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass, field
from typing import Any

from flask import Flask, current_app, request
from flask_login import LoginManager, UserMixin
from werkzeug.wrappers import Response as BaseResponse

from portal.db import get_db
from portal.store import accounts as account_store
from portal.store import sessions as session_store

COOKIE = "uchet_session"


@dataclass
class User(UserMixin):  # type: ignore[misc]  # flask-login is untyped
    id: int
    role: str
    consumer_kind: str | None
    full_name: str
    organisation: str | None
    email: str
    locale: str
    res_ids: list[int] = field(default_factory=list)

    @property
    def is_consumer(self) -> bool:
        return self.role == "consumer"

    @property
    def is_staff(self) -> bool:
        return self.role in ("staff", "admin")

    @property
    def can_dispatch(self) -> bool:
        return self.role in ("dispatcher", "admin")

    @property
    def staff_scope(self) -> list[int] | None:
        """РЭС ids whose requests this person may see; None means every РЭС (admins)."""
        return None if self.role == "admin" else self.res_ids

    @classmethod
    def from_row(cls, row: dict[str, Any], res_ids: list[int]) -> User:
        return cls(
            id=int(row["id"]),
            role=row["role"],
            consumer_kind=row["consumer_kind"],
            full_name=row["full_name"],
            organisation=row["organisation"],
            email=row["email"],
            locale=row["locale"],
            res_ids=res_ids,
        )


def _digest(token: str) -> bytes:
    return hashlib.sha256(token.encode()).digest()


def init_login(app: Flask) -> None:
    manager = LoginManager(app)
    manager.login_view = "auth.login"
    manager.login_message = "Войдите в личный кабинет, чтобы открыть эту страницу."
    manager.login_message_category = "info"
    # Never remember users through Flask-Login's own cookies: only the server-side session counts.
    app.config["REMEMBER_COOKIE_DURATION"] = 0

    @manager.request_loader  # type: ignore[untyped-decorator]
    def _load(_request: Any) -> User | None:
        token = request.cookies.get(COOKIE)
        if not token or len(token) > 100:
            return None
        conn = get_db()
        row = session_store.live_session_user(conn, _digest(token), int(current_app.config["SESSION_IDLE_S"]))
        if row is None:
            return None
        res_ids = account_store.staff_res_ids(conn, int(row["id"])) if row["role"] != "consumer" else []
        return User.from_row(row, res_ids)

    @manager.user_loader  # type: ignore[untyped-decorator]
    def _never(_user_id: str) -> None:
        return None  # no user id is trusted from Flask's signed cookie


def start_session(response: BaseResponse, user_id: int) -> None:
    token = secrets.token_urlsafe(32)
    lifetime = int(current_app.config["SESSION_LIFETIME_S"])
    session_store.create_session(get_db(), _digest(token), user_id, lifetime)
    response.set_cookie(
        COOKIE,
        token,
        max_age=lifetime,
        httponly=True,
        samesite="Lax",
        secure=bool(current_app.config.get("SESSION_COOKIE_SECURE")),
    )


def end_session(response: BaseResponse) -> None:
    token = request.cookies.get(COOKIE)
    if token:
        session_store.revoke_session(get_db(), _digest(token))
    response.delete_cookie(COOKIE)


def token_digest(token: str) -> bytes:
    return _digest(token)
