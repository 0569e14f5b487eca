"""Group the points of one read into as few register requests as the meter model allows.

Must not do I/O or decode values: it only decides which (table, address, count) requests cover which points.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from drivers.modbus.regmap import Point, Table


@dataclass(frozen=True, slots=True)
class Block:
    """One read request: `count` registers of `table` from `address`, and the points it carries."""

    table: Table
    address: int
    count: int
    points: tuple[Point, ...]

    def words_of(self, point: Point, registers: list[int]) -> list[int]:
        """The registers of `point` inside this block's answer."""
        offset = point.address - self.address
        return registers[offset : offset + point.words]


def plan_blocks(points: Iterable[Point], *, max_registers: int, max_gap: int) -> list[Block]:
    """Adjacent points of one table share a request while it stays within max_registers and gaps within max_gap.

    Input tables first, then holding, each in address order; a point never straddles two requests.
    """
    blocks: list[Block] = []
    ordered = sorted(set(points), key=lambda p: (p.table != Table.INPUT, p.address))
    current: list[Point] = []
    for point in ordered:
        if current:
            first, last_end = current[0], max(p.end for p in current)
            fits = (
                point.table == first.table
                and point.address - last_end <= max_gap
                and max(point.end, last_end) - first.address <= max_registers
            )
            if not fits:
                blocks.append(_block(current))
                current = []
        current.append(point)
    if current:
        blocks.append(_block(current))
    return blocks


def _block(points: list[Point]) -> Block:
    start = points[0].address
    return Block(points[0].table, start, max(p.end for p in points) - start, tuple(points))
