"""`uchet status`: from the database, the meters that are failing with their last error, and load-profile
completeness per РЭС, line and model.

Must not poll meters or write to the database: it only reads meter_status, meter_completeness and the registry.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import click
import psycopg

from collector.config import Config
from collector.diagnostics.connection import MeterProblem
from collector.diagnostics.output import FAIL, Output, local_text, table
from collector.diagnostics.target import load, zone

FAILING_SQL = """
SELECT m.code, m.serial, m.model, m.timezone, s.last_attempt, s.last_success, s.last_error_class, s.last_error,
       s.consecutive_failures
  FROM meter_status s JOIN meters m ON m.id = s.meter_id
 WHERE s.consecutive_failures > 0 OR (s.last_attempt IS NOT NULL AND s.last_success IS NULL)
 ORDER BY s.consecutive_failures DESC, m.code
"""
COMPLETENESS_SQL = """
SELECT m.code, m.model, COALESCE(r.name, '—') AS res,
       COALESCE(sum(c.expected), 0) AS expected, COALESCE(sum(c.received), 0) AS received
  FROM meters m
  LEFT JOIN settlements st ON st.id = m.settlement_id
  LEFT JOIN res r ON r.id = st.res_id
  LEFT JOIN meter_completeness c ON c.meter_id = m.id
       AND c.day >= current_date - %s::integer AND c.day < current_date  -- whole days only
 GROUP BY m.code, m.model, r.name
"""


@dataclass
class Share:
    meters: int = 0
    expected: int = 0
    received: int = 0

    @property
    def percent(self) -> float | None:
        return None if self.expected == 0 else 100.0 * self.received / self.expected


def completeness(rows: list[tuple[Any, ...]], lines: dict[str, str]) -> dict[str, dict[str, Share]]:
    """Sums per РЭС, per config line (meters.code → its line in config.yaml) and per model."""
    groups: dict[str, dict[str, Share]] = {
        "res": defaultdict(Share),
        "line": defaultdict(Share),
        "model": defaultdict(Share),
    }
    for code, model, res, expected, received in rows:
        keys = {"res": res, "line": lines.get(code or "", "—"), "model": model or "—"}
        for by, key in keys.items():
            share = groups[by][key]
            share.meters += 1
            share.expected += int(expected)
            share.received += int(received)
    return groups


def fetch(dsn: str, days: int) -> tuple[list[tuple[Any, ...]], list[tuple[Any, ...]]]:
    try:
        with psycopg.connect(dsn, connect_timeout=10) as conn:
            failing = conn.execute(FAILING_SQL).fetchall()
            complete = conn.execute(COMPLETENESS_SQL, (days,)).fetchall()
    except psycopg.OperationalError as exc:
        raise MeterProblem(
            f"database unreachable: {exc}".strip(),
            "the DSN (--dsn, config.yaml, $UCHET_DATABASE_URL) and that PostgreSQL runs",
        ) from exc
    except psycopg.errors.UndefinedTable as exc:
        raise MeterProblem(f"database has no uchet schema: {exc}".strip(), "`uchet db init` on this database") from exc
    return failing, complete


def _when(moment: datetime | None, tz: str) -> str:
    return local_text(moment, zone(tz)) if moment is not None else "never"


@click.command("status")
@click.option("--config", "config_path", type=click.Path(path_type=Path, dir_okay=False), default=Path("config.yaml"),
              show_default=True, envvar="UCHET_CONFIG", help="Config: database, and each meter's line.")  # fmt: skip
@click.option("--dsn", help="PostgreSQL DSN (overrides config and $UCHET_DATABASE_URL).")
@click.option(
    "--days", type=click.IntRange(1, 366), default=7, show_default=True, help="Completeness over the last N whole days."
)
@click.option("--json", "as_json", is_flag=True, help="One JSON object per line instead of tables.")
def status_command(config_path: Path, dsn: str | None, days: int, as_json: bool) -> None:
    """Failing meters with their last error, and profile completeness per РЭС, line and model.

    \b
    uchet status                      # the database of config.yaml (or the embedded one)
    uchet status --dsn postgresql://uchet@db/uchet --days 30 --json
    Exit 1 if a meter is failing (handy for monitoring).
    """
    from collector.db import open_database

    config = load(config_path) if config_path.exists() else Config()
    out = Output(as_json=as_json)
    database = open_database(dsn or config.database.dsn, config.database.embedded.data_dir, config.database.dsn_env)
    try:
        failing, complete = fetch(database.dsn, days)
    finally:
        database.stop()
    lines = {m.id: m.line for m in config.meters}
    groups = completeness(complete, lines)
    if as_json:
        for code, serial, model, _tz, attempt, success, error_class, error, failures in failing:
            out.record({"kind": "failing", "meter": code, "serial": serial, "model": model, "line": lines.get(code),
                        "last_attempt": attempt, "last_success": success, "error_class": error_class,
                        "last_error": error, "consecutive_failures": failures})  # fmt: skip
        for by, shares in groups.items():
            for key, share in sorted(shares.items()):
                counts = {"meters": share.meters, "expected": share.expected, "received": share.received}
                out.record({"kind": "completeness", "by": by, "group": key, "days": days, **counts,
                            "percent": share.percent})  # fmt: skip
    else:
        show(failing, groups, lines, days)
    if failing:
        raise SystemExit(1)


def show(failing: list[tuple[Any, ...]], groups: dict[str, dict[str, Share]], lines: dict[str, str], days: int) -> None:
    if failing:
        click.echo(f"{FAIL} {len(failing)} failing meter(s):")
        rows = [
            (code, lines.get(code, "—"), model, failures, _when(success, tz), f"{error_class or '?'}: {error or ''}")
            for code, _serial, model, tz, _attempt, success, error_class, error, failures in failing
        ]
        click.echo(table(["meter", "line", "model", "fails", "last success (local)", "last error"], rows, right=[3]))
    else:
        click.echo("✓ no failing meters")
    titles = {"res": "РЭС", "line": "line", "model": "model"}
    for by, shares in groups.items():
        click.echo(f"\nload profile completeness, last {days} day(s), by {titles[by]}:")
        body = [
            (key, s.meters, s.expected, s.received, "—" if s.percent is None else f"{s.percent:.1f} %")
            for key, s in sorted(shares.items())
        ]
        click.echo(table([titles[by], "meters", "expected", "received", "complete"], body, right=[1, 2, 3, 4]))
