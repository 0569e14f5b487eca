"""A database for one benchmark run: a scratch database on $UCHET_TEST_DSN, or an embedded PostgreSQL.

Must not measure anything: benchmarks get a DSN with schema.sql applied, and everything is removed afterwards
(except a `keep` folder the caller asked for, so generated data can be reused between runs).
"""

from __future__ import annotations

import os
import secrets
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import psycopg
from psycopg import sql

from collector.db import apply_schema, start_embedded


@contextmanager
def scratch_database(keep: Path | None = None) -> Iterator[str]:
    """Yield the DSN of a schema-applied database; drop it (or stop the embedded server) when done."""
    admin = os.environ.get("UCHET_TEST_DSN")
    folder = Path(tempfile.mkdtemp(prefix="uchet-bench-"))
    folder.chmod(0o755)  # the embedded server runs as its own user when we are root
    name = f"uchet_bench_{secrets.token_hex(3)}"
    server = None
    try:
        if admin:
            with psycopg.connect(admin, autocommit=True) as conn:
                conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
            dsn = psycopg.conninfo.make_conninfo(admin, dbname=name)
        else:
            server = start_embedded((keep or folder) / "pgdata")
            dsn = server.dsn
        apply_schema(dsn)
        yield dsn
    finally:
        if admin:
            with psycopg.connect(admin, autocommit=True) as conn:
                conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))
        if server is not None:
            server.stop()
        shutil.rmtree(folder, ignore_errors=True)
