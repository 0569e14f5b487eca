"""Server-side sessions: last_seen is touched at most once a minute, and an idle session ends."""

from __future__ import annotations

from typing import Any

from tests.portal.conftest import Auth


def _last_seen(conn: Any, user_id: int) -> Any:
    return conn.execute("SELECT last_seen FROM user_sessions WHERE user_id = %s", (user_id,)).fetchone()["last_seen"]


def test_pages_do_not_rewrite_a_fresh_session(client: Any, auth: Auth, conn: Any, people: Any) -> None:
    user_id = people["users"]["individual"]
    assert auth.login(people["emails"]["individual"]).status_code == 302
    first = _last_seen(conn, user_id)
    assert client.get("/meters/").status_code == 200
    assert _last_seen(conn, user_id) == first


def test_a_stale_session_is_touched_and_an_idle_one_ends(
    client: Any, auth: Auth, conn: Any, people: Any, app: Any
) -> None:
    user_id = people["users"]["individual"]
    assert auth.login(people["emails"]["individual"]).status_code == 302
    conn.execute("UPDATE user_sessions SET last_seen = now() - interval '2 minutes' WHERE user_id = %s", (user_id,))
    stale = _last_seen(conn, user_id)
    assert client.get("/meters/").status_code == 200
    assert _last_seen(conn, user_id) > stale
    idle = int(app.config["SESSION_IDLE_S"]) + 60
    conn.execute(
        "UPDATE user_sessions SET last_seen = now() - make_interval(secs => %s) WHERE user_id = %s", (idle, user_id)
    )
    response = client.get("/meters/")
    assert response.status_code == 302
    assert "/login" in response.headers["Location"]
