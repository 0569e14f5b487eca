"""Rate limits per account and per IP on login, registration, reset and request submission.

Counts live in the database (store/throttle.py) so several gunicorn workers share them. Must not store an
e-mail or an address in clear: keys are SHA-256 digests.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from flask import current_app, request

from portal.db import get_db
from portal.store import throttle as store


@dataclass(frozen=True)
class Limit:
    count: int
    window_s: int


DEFAULT_LIMITS: dict[str, Limit] = {
    "login:account": Limit(5, 60),
    "login:ip": Limit(30, 60),
    "register:ip": Limit(10, 3600),
    # Per address: a taken address's owner gets a mail at every attempt, which must not become a mail bomb.
    "register:account": Limit(3, 3600),
    "reset:account": Limit(3, 3600),
    "reset:ip": Limit(10, 3600),
    "request:account": Limit(20, 3600),
    "request:ip": Limit(60, 3600),
}


class Limited(Exception):
    """Raised when a limit is exceeded; the app turns it into a 429 page in Russian."""


def client_ip() -> str:
    # Behind a reverse proxy configure werkzeug's ProxyFix; remote_addr is then the client's address.
    return request.remote_addr or "unknown"


def _limit(name: str) -> Limit:
    configured = current_app.config.get("RATE_LIMITS", {}).get(name)
    if configured:
        return Limit(int(configured[0]), int(configured[1]))
    return DEFAULT_LIMITS[name]


def check(name: str, subject: str) -> None:
    """Count one attempt of `name` by `subject` (an account id/e-mail or an IP); raise Limited past the limit."""
    limit = _limit(name)
    key = hashlib.sha256(f"{name}\x00{subject.lower()}".encode()).digest()
    if store.hit(get_db(), key, limit.window_s) > limit.count:
        raise Limited(name)
