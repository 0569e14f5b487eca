"""config.yaml validation: the sample passes; each kind of mistake is reported with its key path."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml
from click.testing import CliRunner

from collector.cli import main
from collector.config import ConfigError, load_config, parse_duration

SAMPLE = Path(__file__).resolve().parents[2] / "config.yaml"


def _sample() -> dict[str, Any]:
    data = yaml.safe_load(SAMPLE.read_text(encoding="utf-8"))
    assert isinstance(data, dict)
    return data


def _problems(tmp_path: Path, data: dict[str, Any]) -> list[str]:
    path = tmp_path / "broken.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    with pytest.raises(ConfigError) as info:
        load_config(path)
    return info.value.problems


def test_sample_config_is_valid() -> None:
    config = load_config(SAMPLE)
    assert config.meters
    assert config.lines
    assert {m.protocol for m in config.meters} == {"dlms", "modbus"}


def test_unknown_key_is_named(tmp_path: Path) -> None:
    data = _sample()
    data["lines"][0]["speed"] = 9600
    assert "lines[0].speed: unknown key" in _problems(tmp_path, data)


def test_unknown_top_level_section(tmp_path: Path) -> None:
    data = _sample()
    data["colector"] = {}
    assert "colector: unknown key" in _problems(tmp_path, data)


def test_meter_on_missing_line(tmp_path: Path) -> None:
    data = _sample()
    data["meters"][3]["line"] = "rs485-2"
    assert "meters[3].line: no line named 'rs485-2'" in _problems(tmp_path, data)


def test_duplicate_meter_id_and_address(tmp_path: Path) -> None:
    data = _sample()
    twin = dict(data["meters"][0])
    data["meters"].append(twin)
    problems = _problems(tmp_path, data)
    last = len(data["meters"]) - 1
    assert any(p.startswith(f"meters[{last}].id: duplicate meter id") for p in problems)
    assert any(p.startswith(f"meters[{last}].address: address 1 already used") for p in problems)


def test_timeout_must_be_shorter_than_interval(tmp_path: Path) -> None:
    data = _sample()
    data["lines"][0]["timeout"] = "5m"
    assert any(p.startswith("lines[0].timeout:") for p in _problems(tmp_path, data))


def test_password_in_dsn_is_refused(tmp_path: Path) -> None:
    data = _sample()
    data["database"]["dsn"] = "postgresql://uchet:secret@db/uchet"
    assert any(p.startswith("database.dsn: the DSN holds a password") for p in _problems(tmp_path, data))


def test_password_without_user_in_dsn_is_refused(tmp_path: Path) -> None:
    data = _sample()
    data["database"]["dsn"] = "postgresql://:secret@db/uchet"
    assert any(p.startswith("database.dsn: the DSN holds a password") for p in _problems(tmp_path, data))


def test_cron_out_of_range_and_zero_durations_stop_the_check(tmp_path: Path) -> None:
    data = _sample()
    data["schedules"]["billing"] = {"cron": "61 0 * * *"}
    data["schedules"]["journals"] = {"every": "0s"}
    data["lines"][0]["timeout"] = 0
    data["collector"]["backfill"] = -5
    problems = _problems(tmp_path, data)
    assert any(p.startswith("schedules.billing.cron: cron '61 0 * * *'") for p in problems), problems
    assert "schedules.journals.every: must be longer than zero" in problems
    assert "lines[0].timeout: must be longer than zero" in problems
    assert any(p.startswith("collector.backfill: not a duration") for p in problems), problems


def test_lls_without_password_env(tmp_path: Path) -> None:
    data = _sample()
    index = next(i for i, m in enumerate(data["meters"]) if m.get("dlms", {}).get("auth") == "lls")
    del data["meters"][index]["dlms"]["password_env"]
    problems = _problems(tmp_path, data)
    assert any(p.startswith(f"meters[{index}].dlms: auth lls needs password_env") for p in problems)


def test_bad_values_are_named(tmp_path: Path) -> None:
    data = _sample()
    data["meters"][0]["timezone"] = "Mars/Olympus"
    data["meters"][1]["address"] = 300
    data["schedules"]["registers"] = {"every": "soon"}
    data["schedules"]["polling"] = {"every": "1m"}
    problems = _problems(tmp_path, data)
    assert any(p.startswith("meters[0].timezone: unknown time zone") for p in problems)
    assert any(p.startswith("meters[1]: Modbus unit id must be 1..247") for p in problems)
    assert any(p.startswith("schedules.registers.every: not a duration") for p in problems)


def test_unknown_task_kind(tmp_path: Path) -> None:
    data = _sample()
    data["schedules"]["polling"] = {"every": "1m"}
    assert any(p.startswith("schedules: unknown task kind 'polling'") for p in _problems(tmp_path, data))


def test_protocol_must_fit_the_line(tmp_path: Path) -> None:
    data = _sample()
    data["meters"][0]["line"] = "rs485-b"
    data["meters"][0]["address"] = 99
    assert any(p.startswith("meters[0].protocol: modbus meter on dlms line") for p in _problems(tmp_path, data))


@pytest.mark.parametrize(("text", "seconds"), [("30s", 30), ("15m", 900), ("6h", 21600), ("1d", 86400), (5, 5)])
def test_durations(text: Any, seconds: int) -> None:
    assert parse_duration(text).total_seconds() == seconds


def test_cli_check_ok_and_broken(tmp_path: Path) -> None:
    runner = CliRunner()
    ok = runner.invoke(main, ["config", "check", str(SAMPLE)])
    assert ok.exit_code == 0, ok.output
    assert "OK" in ok.output
    data = _sample()
    data["meters"][3]["timezone"] = "Mars/Olympus"
    data["lines"][0]["parity"] = "X"
    broken = tmp_path / "broken.yaml"
    broken.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    result = runner.invoke(main, ["config", "check", str(broken)])
    assert result.exit_code == 1
    assert "meters[3].timezone: unknown time zone 'Mars/Olympus'" in result.output
    assert "lines[0].parity:" in result.output


def test_cli_version() -> None:
    result = CliRunner().invoke(main, ["--version"])
    assert result.exit_code == 0
    assert "uchet, version" in result.output


def test_production_example_is_valid() -> None:
    config = load_config(SAMPLE.parent / "deploy" / "config.production.yaml")
    assert config.database.dsn is not None
    assert {line.kind for line in config.lines} == {"serial", "tcp"}


def test_unknown_modbus_model_is_named(tmp_path: Path) -> None:
    data = _sample()
    data["meters"][0]["model"] = "sdm999"
    assert any(p.startswith("meters[0].model: unknown Modbus meter model 'sdm999'") for p in _problems(tmp_path, data))


def _dlms_meter(data: dict[str, Any]) -> dict[str, Any]:
    return next(m for m in data["meters"] if m["protocol"] == "dlms")


def test_hls_gmac_needs_both_key_envs(tmp_path: Path) -> None:
    data = _sample()
    meter = _dlms_meter(data)
    meter["dlms"] = {"client": 32, "auth": "hls-gmac", "auth_key_env": "UCHET_AK"}
    problems = _problems(tmp_path, data)
    assert any("hls-gmac needs auth_key_env and cipher_key_env" in p for p in problems)
    meter["dlms"] = {"client": 32, "auth": "hls-gmac", "auth_key_env": "ak", "cipher_key_env": "UCHET_EK"}
    assert any("auth_key_env" in p and "NAME of an environment variable" in p for p in _problems(tmp_path, data))
    meter["dlms"] = {
        "auth": "hls-gmac",
        "auth_key_env": "UCHET_AK",
        "cipher_key_env": "UCHET_EK",
        "system_title": "xyz",
    }
    assert any("system_title" in p for p in _problems(tmp_path, data))


def test_hls_gmac_keys_come_from_the_environment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from collector.meters import meter_plans
    from drivers.errors import ConfigurationError

    data = _sample()
    meter = _dlms_meter(data)
    meter["dlms"] = {
        "client": 32,
        "auth": "hls-gmac",
        "auth_key_env": "UCHET_TEST_AK",
        "cipher_key_env": "UCHET_TEST_EK",
        "system_title": "5543480000000007",
    }
    path = tmp_path / "hls.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    config = load_config(path)
    monkeypatch.setenv("UCHET_TEST_AK", "00" * 16)
    monkeypatch.delenv("UCHET_TEST_EK", raising=False)
    with pytest.raises(ConfigurationError, match="UCHET_TEST_EK"):
        meter_plans(config)[meter["id"]].dlms_settings(1.0)
    monkeypatch.setenv("UCHET_TEST_EK", "0f" * 16)
    settings = meter_plans(config)[meter["id"]].dlms_settings(1.0)
    assert settings.auth == "hls-gmac"
    assert settings.cipher_key == bytes([15]) * 16
    assert settings.system_title == bytes.fromhex("5543480000000007")
    assert "0f0f" not in repr(settings)
