"""Benchmark: poll 10 simulated Modbus meters on one paced 9600-baud line; measured cycle vs wire-time minimum.

The meters rotate through every simulated model (Eastron SDM630/SDM120, Carlo Gavazzi EM24, ABB B23 with 64-bit
counters); each keeps its own SplitMemory across cycles, as the collector keeps one per meter.

T_min (DOMAIN.md §5) = Σ over exchanges [(request + response bytes)·10/baud + turnaround + 3.5-char gap].
"""

from __future__ import annotations

import time

from drivers.link import SerialLink
from drivers.modbus import ModbusSession, SplitMemory, load_map
from drivers.sim.modbus_run import meter_set, serial_line

BAUD, TURNAROUND_S, METERS, CYCLES = 9600, 0.02, 10, 3


def poll_cycle(link: SerialLink, meters: list[tuple[int, str]], memories: dict[int, SplitMemory]) -> int:
    good = 0
    for unit, model in meters:
        splits = memories.setdefault(unit, SplitMemory())
        with ModbusSession(link, unit_id=unit, register_map=load_map(model), timeout_s=0.5, splits=splits) as session:
            good += sum(1 for reading in session.read_registers() if reading.value is not None)
    return good


def main() -> None:
    meters = meter_set(METERS)
    plan = [(m.unit_id, m.model_name) for m in meters]
    memories: dict[int, SplitMemory] = {}
    with serial_line(meters, baud=BAUD, turnaround_s=TURNAROUND_S) as line:
        link = SerialLink(port=line.port, baud=BAUD)
        link.open()
        try:
            poll_cycle(link, plan, memories)  # warm-up: imports, map loading
            link.wait_silence(1.0)
            stats_before = (line.stats.bytes_in, line.stats.bytes_out, line.stats.responses, line.stats.requests)
            started = time.monotonic()
            good = sum(poll_cycle(link, plan, memories) for _ in range(CYCLES))
            elapsed = time.monotonic() - started
        finally:
            link.close()
    bytes_in = line.stats.bytes_in - stats_before[0]
    bytes_out = line.stats.bytes_out - stats_before[1]
    exchanges = line.stats.requests - stats_before[3]
    char_s = 10 / BAUD
    t_min = (bytes_in + bytes_out) * char_s + exchanges * (TURNAROUND_S + 3.5 * char_s)
    cycle, cycle_min = elapsed / CYCLES, t_min / CYCLES
    ratio = t_min / elapsed
    print(f"models={','.join(sorted({model for _, model in plan}))}")
    print(f"meters={METERS} baud={BAUD} turnaround={TURNAROUND_S * 1000:.0f}ms cycles={CYCLES}")
    print(
        f"exchanges/cycle={exchanges / CYCLES:.0f} bytes/cycle={(bytes_in + bytes_out) / CYCLES:.0f} good values={good}"
    )
    print(f"measured cycle={cycle * 1000:.1f}ms wire-time minimum={cycle_min * 1000:.1f}ms")
    print(f"silence_violations={line.stats.silence_violations} collisions={line.stats.collisions}")
    print(f"RESULT name=modbus_line value={ratio:.3f} target=0.90")


if __name__ == "__main__":
    main()
