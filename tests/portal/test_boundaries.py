"""The portal imports neither collector nor drivers (checked in a clean subprocess), and its CLI works."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Any

from click.testing import CliRunner

from portal.cli import portal_commands

ROOT = Path(__file__).resolve().parents[2]


def test_portal_does_not_import_collector_or_drivers() -> None:
    code = (
        "import sys, portal, portal.cli, portal.wsgi\n"
        "bad = [m for m in sys.modules if m.split('.')[0] in ('collector', 'drivers')]\n"
        "print(bad); sys.exit(1 if bad else 0)\n"
    )
    env = {"UCHET_DATABASE_URL": "postgresql://nobody@127.0.0.1:1/none", "UCHET_PORTAL_SECRET": "x", "PATH": ""}
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, env=env)
    assert result.returncode == 0, result.stdout + result.stderr


def test_admin_imports_directory_and_registry(fresh_database_url: str, conn: Any, tmp_path: Path) -> None:
    runner = CliRunner()
    base = ["admin", "--dsn", fresh_database_url]
    assert (
        runner.invoke(
            portal_commands, [*base, "create-res", "west", "Западный РЭС", "--timezone", "Asia/Omsk"]
        ).exit_code
        == 0
    )
    settlements = tmp_path / "settlements.csv"
    settlements.write_text("name,district,res,timezone\nЛесное,Западный район,west,\nПолевое,,west,Asia/Omsk\n")
    result = runner.invoke(portal_commands, [*base, "import-settlements", str(settlements)])
    assert result.exit_code == 0, result.output
    registry = tmp_path / "meters.csv"
    registry.write_text("serial,model,contract,address,settlement\n№ 0042-17,Милур 107,ЭС-77,ул. Мира 1,Лесное\n")
    result = runner.invoke(portal_commands, [*base, "import-meters", str(registry)])
    assert result.exit_code == 0, result.output
    meter = conn.execute("SELECT serial, serial_key, contract_key, timezone FROM meters").fetchone()
    assert meter == {"serial": "004217", "serial_key": "4217", "contract_key": "ЭC77", "timezone": "Asia/Omsk"}
    bad = tmp_path / "bad.csv"
    bad.write_text("name,district,res,timezone\nГде-то,,nowhere,\n")
    result = runner.invoke(portal_commands, [*base, "import-settlements", str(bad)])
    assert result.exit_code != 0
    assert "unknown РЭС" in result.output
    result = runner.invoke(
        portal_commands,
        [
            *base,
            "create-user",
            "--role",
            "staff",
            "--email",
            "w@uchet.example",
            "--name",
            "Западный Сотрудник",
            "--phone",
            "+79120000009",
            "--res",
            "west",
            "--password-stdin",
        ],
        input="staff-password-1\n",
    )
    assert result.exit_code == 0, result.output
    assert "staff-password-1" not in result.output
    row = conn.execute("SELECT u.role, s.res_id FROM users u JOIN staff_res s ON s.user_id = u.id").fetchone()
    assert row["role"] == "staff"


def test_demo_seed_is_idempotent(fresh_database_url: str, conn: Any) -> None:
    from portal.demo import seed

    first = seed(conn, "demo-password-x")
    second = seed(conn, "demo-password-x")
    assert first["users"] == second["users"]
    statuses = {r["status"] for r in conn.execute("SELECT status FROM connection_requests").fetchall()}
    assert statuses == {"pending", "approved", "rejected", "dispatch"}
    assert conn.execute("SELECT count(*) AS n FROM connection_requests").fetchone()["n"] == 4
