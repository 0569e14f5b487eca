"""`uchet admin …` without --dsn finds the database of the config ($UCHET_CONFIG), as an operator expects."""

from __future__ import annotations

from pathlib import Path

import psycopg
from click.testing import CliRunner

from collector.cli import main


def test_admin_uses_the_configured_database(tmp_path: Path, fresh_database_url: str) -> None:
    config = tmp_path / "config.yaml"
    config.write_text(f"database:\n  dsn: '{fresh_database_url}'\n  dsn_env: null\n", encoding="utf-8")
    result = CliRunner().invoke(
        main,
        ["admin", "create-res", "east", "Восточный РЭС", "--timezone", "Asia/Yekaterinburg"],
        env={"UCHET_CONFIG": str(config), "UCHET_DATABASE_URL": None},
    )
    assert result.exit_code == 0, result.output
    with psycopg.connect(fresh_database_url) as conn:
        row = conn.execute("SELECT name, timezone FROM res WHERE code = 'east'").fetchone()
    assert row == ("Восточный РЭС", "Asia/Yekaterinburg")


def test_admin_without_any_database_says_what_to_do(tmp_path: Path) -> None:
    config = tmp_path / "config.yaml"
    config.write_text("database:\n  dsn: 'postgresql://nobody@127.0.0.1:1/none'\n  dsn_env: null\n", encoding="utf-8")
    result = CliRunner().invoke(
        main, ["admin", "create-res", "east", "Восточный РЭС"], env={"UCHET_CONFIG": str(config)}
    )
    assert result.exit_code == 1
    assert "cannot connect to the database" in result.output
