"""`uchet status` against a real database: failing meters with their last error, completeness per РЭС/line/model."""

from __future__ import annotations

import json
from datetime import date, timedelta
from pathlib import Path

import psycopg
from click.testing import CliRunner

from collector.cli import main

CONFIG = """
lines:
  - {name: rs485-north, kind: serial, port: /dev/ttyUSB0}
  - {name: gw-south, kind: tcp, host: 10.0.0.5, port: 4059, framing: wrapper}
meters:
  - {id: mb-1, line: rs485-north, protocol: modbus, address: 1, model: sdm630}
  - {id: dl-1, line: gw-south, protocol: dlms, address: 1, model: spodes-3ph, dlms: {client: 16, auth: none}}
"""


def seed(dsn: str) -> None:
    today = date.today()
    with psycopg.connect(dsn) as conn:
        res = conn.execute("INSERT INTO res (code, name) VALUES ('north', 'Северный РЭС') RETURNING id").fetchone()
        assert res is not None
        town = conn.execute(
            "INSERT INTO settlements (name, res_id) VALUES ('Монетный', %s) RETURNING id", (res[0],)
        ).fetchone()
        assert town is not None
        ids = {}
        for code, serial, model, protocol, settlement in [
            ("mb-1", "00021001", "SDM630", "modbus", town[0]),
            ("dl-1", "013000301", "СИМ-1", "dlms", None),
        ]:
            row = conn.execute(
                "INSERT INTO meters (code, serial, model, protocol, settlement_id) VALUES (%s, %s, %s, %s, %s) "
                "RETURNING id",
                (code, serial, model, protocol, settlement),
            ).fetchone()
            assert row is not None
            ids[code] = row[0]
        conn.execute(
            "INSERT INTO meter_status (meter_id, last_attempt, last_success, last_error_class, last_error, "
            "consecutive_failures) VALUES (%s, now(), now() - interval '2 days', 'timeout', "
            "'no answer from unit 1 at 9600 Bd', 96), (%s, now(), now(), NULL, NULL, 0)",
            (ids["mb-1"], ids["dl-1"]),
        )
        for code, received in (("mb-1", 24), ("dl-1", 48)):
            for back in (1, 2):
                conn.execute(
                    "INSERT INTO meter_completeness (meter_id, day, expected, received) VALUES (%s, %s, 48, %s)",
                    (ids[code], today - timedelta(days=back), received),
                )


def run(dsn: str, config: Path, *extra: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, ["status", "--dsn", dsn, "--config", str(config), *extra])
    if result.exception and not isinstance(result.exception, SystemExit):
        raise result.exception
    return result.exit_code, result.stdout, result.stderr


def test_status_lists_the_failing_meter_and_completeness(fresh_database_url: str, tmp_path: Path) -> None:
    seed(fresh_database_url)
    config = tmp_path / "config.yaml"
    config.write_text(CONFIG, encoding="utf-8")
    code, out, err = run(fresh_database_url, config)
    assert code == 1, err  # a failing meter: monitoring sees a non-zero exit
    assert "1 failing meter(s)" in out
    failing = next(row for row in out.splitlines() if row.startswith("mb-1"))
    assert "rs485-north" in failing
    assert "timeout: no answer from unit 1 at 9600 Bd" in failing
    assert "96" in failing
    assert "Северный РЭС" in out
    assert "50.0 %" in out  # mb-1: 48 of 96 slots
    assert "100.0 %" in out  # dl-1


def test_status_json(fresh_database_url: str, tmp_path: Path) -> None:
    seed(fresh_database_url)
    config = tmp_path / "config.yaml"
    config.write_text(CONFIG, encoding="utf-8")
    code, out, _ = run(fresh_database_url, config, "--json", "--days", "1")
    assert code == 1
    records = [json.loads(row) for row in out.splitlines()]
    failing = [r for r in records if r["kind"] == "failing"]
    assert [(r["meter"], r["line"], r["error_class"]) for r in failing] == [("mb-1", "rs485-north", "timeout")]
    shares = {(r["by"], r["group"]): (r["expected"], r["received"]) for r in records if r["kind"] == "completeness"}
    assert shares[("res", "Северный РЭС")] == (48, 24)  # one day: yesterday only
    assert shares[("res", "—")] == (48, 48)
    assert shares[("line", "gw-south")] == (48, 48)
    assert shares[("model", "SDM630")] == (48, 24)


def test_status_with_all_meters_well_exits_0(fresh_database_url: str, tmp_path: Path) -> None:
    config = tmp_path / "config.yaml"
    config.write_text(CONFIG, encoding="utf-8")
    code, out, _ = run(fresh_database_url, config)
    assert code == 0
    assert "✓ no failing meters" in out


def test_unreachable_database_exits_1_with_advice(tmp_path: Path) -> None:
    code, _, err = run("postgresql://nobody@127.0.0.1:1/none?connect_timeout=2", tmp_path / "absent.yaml")
    assert code == 1
    assert "database unreachable" in err
    assert "DSN" in err
