"""Start simulated DLMS meters for `make run` and by hand: TCP wrapper, HDLC over TCP, an HDLC pty line with several
meters (multi-drop), optionally behind mode E and paced at the baud rate.

Must not be imported by the driver; it only wires simulators to real transports and keeps them running.
`python -m drivers.sim.dlms_run --wrapper-port 4059 --hdlc-tcp-port 4060 --pty-meters 3 [--mode-e] [--pace]`
"""

from __future__ import annotations

import argparse
import signal
import threading
from contextlib import ExitStack, suppress

from drivers.sim.dlms_meter import SimulatedDlmsMeter
from drivers.sim.dlms_model import MeterModel
from drivers.sim.dlms_port import HdlcPort, WrapperPort, dlms_splitter, wrapper_splitter
from drivers.sim.serial_line import SimulatedSerialLine
from drivers.sim.tcp_server import SimulatedTcpServer


def meter(n: int) -> SimulatedDlmsMeter:
    return SimulatedDlmsMeter(MeterModel(f"{20240000 + n:08d}", seed=n))


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument(
        "--wrapper-port", type=int, default=4059, help="TCP port of a meter with the IP wrapper (0: none)"
    )
    parser.add_argument("--hdlc-tcp-port", type=int, default=4060, help="TCP gateway with HDLC meters (0: none)")
    parser.add_argument("--pty-meters", type=int, default=3, help="meters on one pty HDLC line (0: none)")
    parser.add_argument("--mode-e", action="store_true", help="an extra pty with one optical-port meter (mode E)")
    parser.add_argument("--pace", action="store_true", help="pace the pty line at 9600 Bd with 20 ms turnaround")
    args = parser.parse_args(argv)
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    with ExitStack() as stack:
        if args.wrapper_port:
            server = stack.enter_context(
                SimulatedTcpServer([WrapperPort(meter(1))], splitter=wrapper_splitter, port=args.wrapper_port)
            )
            print(
                f"wrapper meter 20240001: tcp 127.0.0.1:{server.port} (wPort 1; client 16 public, 32 reader/12345678)"
            )
        if args.hdlc_tcp_port:
            ports = [HdlcPort(meter(10 + n), physical=10 + n) for n in range(1, 3)]
            server = stack.enter_context(SimulatedTcpServer(ports, splitter=dlms_splitter, port=args.hdlc_tcp_port))
            print(f"HDLC gateway: tcp 127.0.0.1:{server.port}, physical addresses 11, 12")
        if args.pty_meters:
            ports = [HdlcPort(meter(100 + n), physical=100 + n * 50) for n in range(args.pty_meters)]
            line = stack.enter_context(
                SimulatedSerialLine(
                    ports, splitter=dlms_splitter, pace=args.pace, turnaround_s=0.02 if args.pace else 0
                )
            )
            print(f"HDLC line: {line.port} 9600 8N1, physical addresses {[p.physical for p in ports]}")
        if args.mode_e:
            optical = HdlcPort(meter(500), physical=None, mode_e=True)  # type: ignore[arg-type]
            line = stack.enter_context(SimulatedSerialLine([optical], splitter=dlms_splitter, pace=False))
            print(f"optical port (mode E, then HDLC 9600): {line.port}")
        with suppress(KeyboardInterrupt):
            stop.wait()


if __name__ == "__main__":
    main()
