"""Benchmark: the collector against a bare loop of the same driver calls, on 1,000 simulated Modbus TCP meters
(each its own SimulatedTcpServer, so its own line); and the collector's RSS with 10,000 meters configured.

Fair and stable on a small, shared machine: both contenders are processes of their own with the same number of
worker threads, the simulators run in other processes, each contender warms up before it is counted, and the two
take turns over several rounds (one at a time, so they never compete for the CPU). The ratio of each round is
printed; the median counts. The embedded PostgreSQL runs meanwhile (the collector stores what it reads).

Prints `RESULT name=fleet_polls value=<collector/bare> target=0.8` (higher is better) and
`RESULT name=fleet_rss value=<rss_mb/200> target=1.0` (lower is better: the share of the 200 MB ceiling).
Run: .venv/bin/python bench/fleet.py [--rounds 5]
"""

from __future__ import annotations

import argparse
import os
import re
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

METERS = 1000
UNITS_PER_SERVER = 10  # the RSS run configures 10 unit ids behind each of the 1,000 ports: 10,000 meters
TURNAROUND_S = 0.02  # a meter's reply delay: polling is latency-bound, as on real meters
WORKERS = 16
ROUNDS = 3
WARMUP_S = 3.0  # per turn: links open, caches filled, a paused collector's stale transactions timed out
MEASURE_S = 8.0
START_S = 8.0  # the collector's first start: registry sync, first fan-out
RSS_CEILING_MB = 200.0
# Simulators in several processes: one Python process cannot answer 1,000 sockets without becoming the bottleneck.
SERVER_PROCESSES = 16


def _raise_fd_limit() -> None:
    import resource

    _soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))


def serve(count: int, units: int) -> None:
    """Child process: `count` Modbus TCP servers, each with `units` meters; prints the ports, serves until killed."""
    from drivers.sim.modbus_frame import split_mbap
    from drivers.sim.modbus_meter import SimulatedModbusMeter
    from drivers.sim.tcp_server import SimulatedTcpServer

    _raise_fd_limit()
    servers = []
    for n in range(count):
        meters = [
            SimulatedModbusMeter("eastron_sdm630", u, framing="tcp", seed=n * units + u) for u in range(1, units + 1)
        ]
        servers.append(SimulatedTcpServer(meters, splitter=split_mbap, turnaround_s=TURNAROUND_S).start())
    print(" ".join(str(s.port) for s in servers), flush=True)
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    stop.wait()
    for server in servers:
        server.stop()


def start_servers() -> tuple[list[subprocess.Popen[str]], list[int]]:
    procs, ports = [], []
    for _ in range(SERVER_PROCESSES):
        proc = subprocess.Popen(
            [sys.executable, __file__, "--serve", str(METERS // SERVER_PROCESSES), str(UNITS_PER_SERVER)],
            stdout=subprocess.PIPE,
            text=True,
        )
        procs.append(proc)
    for proc in procs:
        assert proc.stdout is not None
        ports += [int(p) for p in proc.stdout.readline().split()]
    return procs, ports


def bare_loop(ports: list[int], warmup: float, seconds: float) -> float:
    """The same driver calls without the collector: WORKERS threads, each looping over its share of the meters
    on links kept open. Polls are counted after `warmup` only. Runs in a child process (see `bare_rate`)."""
    from drivers.link import TcpLink
    from drivers.modbus import Framing, ModbusSession, load_map

    _raise_fd_limit()
    register_map = load_map("eastron_sdm630")
    polls = [0] * WORKERS
    counting = threading.Event()
    stop = time.monotonic() + warmup + seconds

    def worker(k: int) -> None:
        links = []
        for port in ports[k::WORKERS]:
            link = TcpLink(host="127.0.0.1", port=port)
            link.open()
            links.append(link)
        while time.monotonic() < stop:
            for link in links:
                with ModbusSession(link, unit_id=1, register_map=register_map, framing=Framing.TCP, timeout_s=0.5) as s:
                    if any(r.value is not None for r in s.read_registers()) and counting.is_set():
                        polls[k] += 1
                if time.monotonic() >= stop:
                    break
        for link in links:
            link.close()

    threads = [threading.Thread(target=worker, args=(k,)) for k in range(WORKERS)]
    for t in threads:
        t.start()
    time.sleep(warmup)
    counting.set()
    started = time.monotonic()
    for t in threads:
        t.join()
    return sum(polls) / (time.monotonic() - started)


def bare_rate(ports_file: Path) -> float:
    """One turn of the bare loop in a fresh process, as the collector is a process of its own."""
    done = subprocess.run(
        [sys.executable, __file__, "--bare", str(ports_file)], capture_output=True, text=True, check=True, timeout=120
    )
    return float(done.stdout.split()[-1])


def write_config(folder: Path, ports: list[int], units: int, metrics_port: int) -> Path:
    lines = [
        {"name": f"m{n}", "kind": "tcp", "host": "127.0.0.1", "port": port, "framing": "mbap", "timeout": 0.5}
        for n, port in enumerate(ports)
    ]
    meters = [
        {"id": f"m{n}-{u}", "line": f"m{n}", "protocol": "modbus", "address": u, "model": "eastron_sdm630"}
        for n in range(len(ports))
        for u in range(1, units + 1)
    ]
    config = {
        "database": {"dsn_env": "UCHET_DATABASE_URL"},
        "collector": {
            "data_dir": str(folder / f"collector-{units}"),
            "metrics_bind": f"127.0.0.1:{metrics_port}",
            "workers": WORKERS,
        },
        "schedules": {"registers": {"every": "1s"}},
        "lines": lines,
        "meters": meters,
    }
    path = folder / f"fleet-{units}.yaml"
    path.write_text(yaml.safe_dump(config), encoding="utf-8")
    return path


def polls_ok(metrics_port: int) -> float:
    text = urllib.request.urlopen(f"http://127.0.0.1:{metrics_port}/metrics", timeout=5).read().decode()
    match = re.search(r'^uchet_polls_total\{kind="registers",outcome="ok"\} ([0-9.e+]+)$', text, re.M)
    return float(match.group(1)) if match else 0.0


def rss_mb(pid: int) -> float:
    status = Path(f"/proc/{pid}/status").read_text()
    match = re.search(r"^VmRSS:\s+(\d+) kB", status, re.M)
    return int(match.group(1)) / 1024 if match else 0.0


def run_collector(config: Path, dsn: str) -> subprocess.Popen[bytes]:
    env = dict(os.environ, UCHET_DATABASE_URL=dsn)
    return subprocess.Popen(
        [sys.executable, "-c", "from collector.cli import main; main()", "collector", "run", "--config", str(config)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


def wait_metrics(port: int, proc: subprocess.Popen[bytes], timeout: float = 120) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise SystemExit(f"collector exited with {proc.returncode}")
        try:
            polls_ok(port)
            return
        except OSError:
            time.sleep(0.5)
    raise SystemExit("collector metrics never came up")


def collector_turn(config: Path, dsn: str, port: int) -> tuple[float, float]:
    """One turn of the collector as its own process: start, warm up, count its polls; (rate, peak RSS MB)."""
    proc = run_collector(config, dsn)
    peak = 0.0
    try:
        wait_metrics(port, proc)
        time.sleep(START_S)
        before, t0 = polls_ok(port), time.monotonic()
        while time.monotonic() - t0 < MEASURE_S:
            peak = max(peak, rss_mb(proc.pid))
            time.sleep(0.5)
        return (polls_ok(port) - before) / (time.monotonic() - t0), peak
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.wait(timeout=120)


def compare(ports: list[int], folder: Path, dsn: str, rounds: int) -> tuple[list[float], list[float], float]:
    """Rounds of (bare, collector) turns, the order alternating so a drift of the machine's load cancels out.
    One contender runs at a time (a paused collector holding its 1,000 sockets slowed the simulators)."""
    ports_file = folder / "ports.txt"
    ports_file.write_text(" ".join(map(str, ports)), encoding="utf-8")
    config = write_config(folder, ports, 1, 19181)
    bare: list[float] = []
    collected: list[float] = []
    peak = 0.0
    for n in range(rounds):
        if n % 2 == 0:
            bare.append(bare_rate(ports_file))
        rate, rss = collector_turn(config, dsn, 19181)
        collected.append(rate)
        peak = max(peak, rss)
        if n % 2 == 1:
            bare.append(bare_rate(ports_file))
        print(f"  round {n + 1}: bare {bare[-1]:6.0f} polls/s | collector {collected[-1]:6.0f} polls/s"
              f" | ratio {collected[-1] / bare[-1]:.3f}", flush=True)  # fmt: skip
    return bare, collected, peak


def collector_rss(config: Path, dsn: str, port: int) -> tuple[float, float]:
    proc = run_collector(config, dsn)
    try:
        wait_metrics(port, proc)
        peak = 0.0
        t0 = time.monotonic()
        before = polls_ok(port)
        while time.monotonic() - t0 < START_S + 2 * MEASURE_S:
            peak = max(peak, rss_mb(proc.pid))
            time.sleep(0.5)
        rate = (polls_ok(port) - before) / (time.monotonic() - t0)
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.wait(timeout=120)
    return peak, rate


def main(rounds: int) -> None:
    from collector.db import apply_schema, start_embedded

    folder = Path(tempfile.mkdtemp(prefix="uchet-fleet-"))
    database = start_embedded(folder / "pgdata")
    apply_schema(database.dsn)
    servers, ports = start_servers()
    try:
        print(f"{METERS} Modbus TCP meters ({TURNAROUND_S}s turnaround), {WORKERS} threads each side, {rounds} rounds"
              f" of {WARMUP_S:.0f}s warm-up + {MEASURE_S:.0f}s counted per turn", flush=True)  # fmt: skip
        bare, collected, rss_1k = compare(ports, folder, database.dsn, rounds)
        ratios = [c / b for c, b in zip(collected, bare, strict=True)]
        ratio = statistics.median(ratios)
        print(f"bare loop: median {statistics.median(bare):.0f} polls/s (min {min(bare):.0f}, max {max(bare):.0f})")
        print(
            f"collector: median {statistics.median(collected):.0f} polls/s (min {min(collected):.0f},"
            f" max {max(collected):.0f}), peak RSS {rss_1k:.0f} MB with {METERS} meters"
        )
        print(f"ratio per round: {' '.join(f'{r:.3f}' for r in ratios)}; median {ratio:.3f}")
        print(f"RESULT name=fleet_polls value={ratio:.3f} target=0.8")
        ten = write_config(folder, ports, UNITS_PER_SERVER, 19182)
        rss, rate10 = collector_rss(ten, database.dsn, 19182)
        meters = METERS * UNITS_PER_SERVER
        print(f"collector with {meters} meters configured: peak RSS {rss:.0f} MB ({rate10:.0f} polls/s meanwhile)")
        print("fleet_rss is rss_mb / 200 MB: lower is better, at most 1.0 meets the ceiling")
        print(f"RESULT name=fleet_rss value={rss / RSS_CEILING_MB:.3f} target=1.0")
    finally:
        for server in servers:
            server.send_signal(signal.SIGTERM)
        for server in servers:
            server.wait(timeout=60)
        database.stop()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rounds", type=int, default=ROUNDS)
    parser.add_argument("--serve", nargs=2, type=int, metavar=("COUNT", "UNITS"), help=argparse.SUPPRESS)
    parser.add_argument("--bare", type=Path, metavar="PORTS_FILE", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve:
        serve(*args.serve)
    elif args.bare:
        ports = [int(p) for p in args.bare.read_text(encoding="utf-8").split()]
        print(f"{bare_loop(ports, WARMUP_S, MEASURE_S):.3f}")
    else:
        main(args.rounds)
