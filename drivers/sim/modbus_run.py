"""Run a simulated Modbus meter line for `make run` and manual tests: meters on a pty RS-485 line and on TCP.

Must not poll the meters or touch the database: it only serves them. `python -m drivers.sim.modbus_run --help`.
"""

from __future__ import annotations

import argparse
import contextlib
import signal
import threading
from collections.abc import Sequence

from drivers.sim.modbus_frame import split_mbap, split_rtu_request
from drivers.sim.modbus_meter import SimulatedModbusMeter
from drivers.sim.modbus_models import MODELS
from drivers.sim.serial_line import SimulatedSerialLine
from drivers.sim.tcp_server import SimulatedTcpServer

ROTATION = ("eastron_sdm630", "eastron_sdm120", "carlo_gavazzi_em24", "abb_b23")


def meter_set(
    count: int, *, framing: str = "rtu", first_id: int = 1, time_scale: float = 1.0
) -> list[SimulatedModbusMeter]:
    """`count` meters with consecutive unit ids, models in rotation, reproducible values."""
    return [
        SimulatedModbusMeter(
            ROTATION[n % len(ROTATION)], first_id + n, framing=framing, seed=first_id + n, time_scale=time_scale
        )
        for n in range(count)
    ]


def serial_line(
    meters: Sequence[SimulatedModbusMeter], *, baud: int = 9600, pace: bool = True, turnaround_s: float = 0.02
) -> SimulatedSerialLine:
    """An unstarted pty line carrying `meters` (RTU framing); start() it and open line.port at 8N1."""
    return SimulatedSerialLine(meters, splitter=split_rtu_request, baud=baud, pace=pace, turnaround_s=turnaround_s)


def tcp_server(meters: Sequence[SimulatedModbusMeter], *, host: str = "127.0.0.1", port: int = 0) -> SimulatedTcpServer:
    """An unstarted Modbus TCP server for `meters` built with framing='tcp'."""
    return SimulatedTcpServer(meters, splitter=split_mbap, host=host, port=port)


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--meters", type=int, default=6, help="meters on the serial line (ids 1..N)")
    parser.add_argument("--baud", type=int, default=9600)
    parser.add_argument("--tcp-port", type=int, default=5020, help="Modbus TCP port (0: any free port)")
    parser.add_argument("--tcp-meters", type=int, default=3, help="meters behind the TCP port (ids 1..N)")
    parser.add_argument("--time-scale", type=float, default=60.0, help="simulated seconds per real second")
    args = parser.parse_args(argv)
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    line_meters = meter_set(args.meters, time_scale=args.time_scale)
    tcp_meters = meter_set(args.tcp_meters, framing="tcp", time_scale=args.time_scale)
    with serial_line(line_meters, baud=args.baud) as line, tcp_server(tcp_meters, port=args.tcp_port) as server:
        print(f"serial line {line.port} {args.baud} 8N1", flush=True)
        for meter in line_meters:
            print(f"  unit {meter.unit_id}: {meter.model.name} serial {meter.serial}", flush=True)
        print(f"modbus tcp 127.0.0.1:{server.port}", flush=True)
        for meter in tcp_meters:
            print(f"  unit {meter.unit_id}: {meter.model.name} serial {meter.serial}", flush=True)
        with contextlib.suppress(KeyboardInterrupt):
            stop.wait()
        print(f"line stats: {line.stats}", flush=True)


assert set(ROTATION) <= set(MODELS)

if __name__ == "__main__":
    main()
