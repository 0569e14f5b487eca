"""`uchet run` end to end: database, simulated meters, collector and portal on a copy of the sample config.

A newcomer's first minute: the portal answers, the demo consumer logs in and sees a reading taken after the
start; SIGTERM then stops every process the run started.
"""

from __future__ import annotations

import csv
import datetime as dt
import http.cookiejar
import io
import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.parse
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import psutil
import pytest
import yaml

ROOT = Path(__file__).resolve().parent.parent
DEADLINE_S = 90.0  # generous: a shared 2-core machine; this bounds waiting, it is not a timing assertion


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _config(tmp_path: Path) -> tuple[Path, int]:
    data: dict[str, Any] = yaml.safe_load((ROOT / "config.yaml").read_text(encoding="utf-8"))
    port = _free_port()
    data["database"]["embedded"]["data_dir"] = str(tmp_path / "var" / "pgdata")
    data["database"]["dsn_env"] = None  # a developer's UCHET_DATABASE_URL must not redirect the test
    data["collector"]["data_dir"] = str(tmp_path / "var" / "collector")
    data["collector"]["metrics_bind"] = f"127.0.0.1:{_free_port()}"
    data["portal"]["bind"] = f"127.0.0.1:{port}"
    data["portal"]["workers"] = 1
    path = tmp_path / "config.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return path, port


class Browser:
    """Just enough of a browser: cookies, and the CSRF token of the page it last loaded."""

    def __init__(self, base: str) -> None:
        self.base = base
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()))

    def get(self, path: str) -> tuple[int, bytes]:
        with self.opener.open(self.base + path, timeout=30) as response:
            return response.status, response.read()

    def post(self, path: str, fields: dict[str, str]) -> tuple[int, str]:
        body = urllib.parse.urlencode(fields).encode()
        with self.opener.open(self.base + path, data=body, timeout=30) as response:
            return response.status, response.read().decode()


def _wait_for(condition: Any, what: str) -> Any:
    end = time.monotonic() + DEADLINE_S
    while time.monotonic() < end:
        result = condition()
        if result:
            return result
        time.sleep(0.5)
    pytest.fail(f"gave up waiting for {what}")


def _answers(browser: Browser) -> bool:
    try:
        return browser.get("/login")[0] == 200
    except OSError:
        return False


@pytest.fixture
def running(tmp_path: Path) -> Iterator[tuple[subprocess.Popen[bytes], str, Path, Path]]:
    config, port = _config(tmp_path)
    log = tmp_path / "run.log"
    with log.open("wb") as out:
        process = subprocess.Popen(
            [str(Path(sys.executable).parent / "uchet"), "run", "--config", str(config)],
            cwd=tmp_path,
            stdout=out,
            stderr=subprocess.STDOUT,
            env={k: v for k, v in os.environ.items() if not k.startswith("UCHET_")},
        )
    try:
        yield process, f"http://127.0.0.1:{port}", tmp_path / "var", log
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()


@pytest.mark.slow
@pytest.mark.timeout(240)
def test_uchet_run_shows_fresh_readings_and_stops_cleanly(
    running: tuple[subprocess.Popen[bytes], str, Path, Path],
) -> None:
    process, base, var, log = running
    started = dt.datetime.now(dt.UTC).replace(second=0, microsecond=0)
    browser = Browser(base)
    _wait_for(lambda: _answers(browser) or (process.poll() is not None and pytest.fail(log.read_text())), "portal")
    children = psutil.Process(process.pid).children(recursive=True)
    assert children, "uchet run started no components"

    output = log.read_text(encoding="utf-8", errors="replace")
    assert "ivanov@example.ru" in output
    password = (var / "demo_password").read_text().strip()
    assert password not in (var.parent / "config.yaml").read_text()

    page = browser.get("/login")[1].decode()
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page)
    assert token is not None
    status, meters_page = browser.post(
        "/login", {"csrf_token": token.group(1), "email": "ivanov@example.ru", "password": password}
    )
    assert status == 200
    assert "Подключенные приборы учета" in meters_page or "Приборы учёта" in meters_page
    meter_ids = sorted(set(re.findall(r"/meters/(\d+)/readings", browser.get("/meters/")[1].decode())))
    assert meter_ids, "the demo consumer sees no meters"

    def fresh_reading() -> bool:
        for meter_id in meter_ids:
            text = browser.get(f"/meters/{meter_id}/readings.csv?table=registers")[1].decode("utf-8-sig")
            rows = list(csv.reader(io.StringIO(text), delimiter=";"))
            zone = re.search(r"[A-Z][a-z]+/[A-Za-z_]+", rows[0][4])
            assert zone is not None, rows[0]
            local_start = started.astimezone(ZoneInfo(zone.group(0))).replace(tzinfo=None)
            for row in rows[1:]:
                if row[4] and dt.datetime.strptime(row[4], "%d.%m.%Y %H:%M") >= local_start:
                    return True
        return False

    _wait_for(fresh_reading, "a register reading taken after the start")

    process.send_signal(signal.SIGTERM)
    assert process.wait(timeout=60) == 0
    _wait_for(lambda: not any(child.is_running() and child.status() != "zombie" for child in children), "children")
    # The embedded PostgreSQL is a daemon, not a child: it must be stopped too (its pid file goes with it).
    _wait_for(lambda: not (var / "pgdata" / "postmaster.pid").exists(), "the embedded PostgreSQL to stop")
