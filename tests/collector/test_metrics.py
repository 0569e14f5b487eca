"""/metrics of a running collector, read over real HTTP: polls, spool depth and line busy time are there."""

from __future__ import annotations

import re
import socket
import urllib.request

import pytest
import yaml

from tests.fixtures.meters import Fleet, wait_for

pytestmark = pytest.mark.slow


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _scrape(port: int) -> str:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=5) as reply:
            return str(reply.read().decode())
    except OSError:
        return ""


def _value(text: str, series: str) -> float | None:
    match = re.search(rf"^{re.escape(series)} ([0-9.e+-]+)$", text, re.M)
    return float(match.group(1)) if match else None


def test_metrics_show_polls_spool_depth_and_line_busy(fleet: Fleet) -> None:
    port = _free_port()
    config = yaml.safe_load(fleet.config_path.read_text(encoding="utf-8"))
    config["collector"]["metrics_bind"] = f"127.0.0.1:{port}"
    fleet.config_path.write_text(yaml.safe_dump(config), encoding="utf-8")
    proc = fleet.start()
    ok = 'uchet_polls_total{kind="registers",outcome="ok"}'
    text = wait_for(lambda: (t := _scrape(port)) and (_value(t, ok) or 0) >= 3 and t, what="registers polled")
    assert fleet.stop(proc) == 0
    assert _value(text, "uchet_spool_depth_items") is not None
    assert (_value(text, 'uchet_line_busy_seconds_total{line="rs485"}') or 0) > 0
    assert (_value(text, 'uchet_line_busy_seconds_total{line="dlms-tcp"}') or 0) >= 0
    assert _value(text, 'uchet_line_queue_depth{lane="on_demand"}') is not None
    assert _value(text, "uchet_database_up") is not None
