"""Serve a config.yaml `kind: simulated` line in-process for one diagnostic command, so `uchet read --meter
mb-101` works on the demo config without `uchet run`.

Must not poll or store anything: it starts that line's meters with collector.simulation and stops them afterwards.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace

from collector.diagnostics.target import LinkSpec, Target
from collector.simulation import Simulation


@contextmanager
def reachable(target: Target) -> Iterator[Target]:
    """The target itself, or, for a simulated line, the target pointed at a freshly started simulator."""
    line = target.simulated
    if line is None:
        yield target
        return
    simulation = Simulation()
    try:
        endpoint = simulation.add_line(
            line.name,
            target.neighbours,
            protocol=line.protocol,
            framing=target.framing,
            transport=line.transport,
            baud=line.baud,
            pace=line.pace,
            optical=line.optical,
        )
        if endpoint.pty is not None:
            yield replace(target, link=replace(target.link, port=endpoint.pty))
        else:
            assert endpoint.tcp_port is not None  # add_line serves every line on a pty or a TCP port
            yield replace(target, link=LinkSpec("tcp", host="127.0.0.1", tcp_port=endpoint.tcp_port))
    finally:
        simulation.stop()
