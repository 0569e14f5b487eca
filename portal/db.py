"""Per-request database handle from a psycopg_pool (flaskr-tutorial style).

Connections are in autocommit mode; a view that writes wraps its statements in `db.transaction()`.
Must not hold SQL of its own: queries live in portal/store/*.
"""

from __future__ import annotations

from typing import Any

import psycopg
from flask import Flask, current_app, g
from psycopg.rows import dict_row
from psycopg_pool import ConnectionPool

Conn = psycopg.Connection[dict[str, Any]]


def init_pool(app: Flask) -> None:
    pool: ConnectionPool[Conn] = ConnectionPool(
        app.config["DATABASE_URL"],
        min_size=1,
        max_size=int(app.config.get("DB_POOL_SIZE", 8)),
        kwargs={"autocommit": True, "row_factory": dict_row},
        name="portal",
        open=True,
    )
    app.extensions["uchet_pool"] = pool
    app.teardown_appcontext(_release)


def get_db() -> Conn:
    if "db" not in g:
        pool: ConnectionPool[Conn] = current_app.extensions["uchet_pool"]
        g.db = pool.getconn()
    conn: Conn = g.db
    return conn


def _release(_exc: BaseException | None) -> None:
    conn = g.pop("db", None)
    if conn is not None:
        current_app.extensions["uchet_pool"].putconn(conn)


def close_pool(app: Flask) -> None:
    pool = app.extensions.pop("uchet_pool", None)
    if pool is not None:
        pool.close()
