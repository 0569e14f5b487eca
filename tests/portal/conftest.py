"""Portal fixtures (flaskr-tutorial style): app on a fresh real database, client, directory, login helper.

Must not mock the database: every test talks to the embedded PostgreSQL (or $UCHET_TEST_DSN).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import psycopg
import pytest
from flask import Flask
from flask.testing import FlaskClient
from psycopg.rows import dict_row

from portal import create_app
from portal.db import close_pool
from portal.demo import PASSWORD_FOR_TESTS, seed_directory, seed_people

CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"|value="([^"]+)"[^>]*name="csrf_token"')


@pytest.fixture
def app(fresh_database_url: str) -> Iterator[Flask]:
    app = create_app(
        {
            "DATABASE_URL": fresh_database_url,
            "SECRET_KEY": "test-secret",
            "TESTING": True,
            "DB_POOL_SIZE": 4,
            "RATE_LIMITS": {"register:ip": (1000, 3600), "request:ip": (1000, 3600)},
        }
    )
    yield app
    close_pool(app)


@pytest.fixture
def conn(fresh_database_url: str) -> Iterator[psycopg.Connection[dict[str, Any]]]:
    """An autocommit connection to the app's database, to arrange rows and check what the app wrote."""
    with psycopg.connect(fresh_database_url, autocommit=True, row_factory=dict_row) as c:
        yield c


@pytest.fixture
def people(conn: psycopg.Connection[dict[str, Any]]) -> dict[str, Any]:
    """РЭС, settlements, registry meters and the demo people (without requests)."""
    directory = seed_directory(conn)
    users = seed_people(conn, password=PASSWORD_FOR_TESTS)
    return {**directory, **users}


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


def csrf_of(client: FlaskClient, path: str) -> str:
    html = client.get(path).get_data(as_text=True)
    match = CSRF.search(html)
    assert match, f"no CSRF token on {path}"
    return match.group(1) or match.group(2)


class Auth:
    def __init__(self, client: FlaskClient) -> None:
        self.client = client

    def login(self, email: str, password: str = PASSWORD_FOR_TESTS) -> Any:
        token = csrf_of(self.client, "/login")
        return self.client.post("/login", data={"email": email, "password": password, "csrf_token": token})

    def logout(self) -> Any:
        token = csrf_of(self.client, "/notifications")
        return self.client.post("/logout", data={"csrf_token": token})

    def post(self, path: str, data: dict[str, Any], form_page: str | None = None) -> Any:
        token = csrf_of(self.client, form_page or path)
        return self.client.post(path, data={**data, "csrf_token": token})


@pytest.fixture
def auth(client: FlaskClient) -> Auth:
    return Auth(client)


@pytest.fixture
def collected(
    fresh_database_url: str, conn: psycopg.Connection[dict[str, Any]], people: dict[str, Any], tmp_path: Any
) -> dict[str, Any]:
    """A simulated DLMS meter read and stored by the collector, in the south РЭС, visible to the individual."""
    from tests.portal.collected_meter import arrange_registry, collect

    data = collect(fresh_database_url, tmp_path)
    settlement = people["settlements"][("Каменка", "Южный район")]
    arrange_registry(conn, data.meter_id, settlement)
    conn.execute(
        "INSERT INTO meter_access (user_id, meter_id) VALUES (%s, %s)", (people["users"]["individual"], data.meter_id)
    )
    return {**people, "meter_id": data.meter_id, "first_day": data.first_day, "now": data.now}
