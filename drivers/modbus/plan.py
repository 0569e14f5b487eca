"""Group the points of one read into as few register requests as the meter model allows.

Must not do I/O or decode values: it only decides which (table, address, count) requests cover which points.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable
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

    @classmethod
    def single(cls, point: Point) -> Block:
        """A request for one point alone (the fallback when a meter refuses a group)."""
        return cls(point.table, point.address, point.words, (point,))


def plan_blocks(
    points: Iterable[Point], *, max_registers: int, max_gap: int, barriers: Collection[tuple[Table, int]] = ()
) -> list[Block]:
    """Adjacent points of one table share a request while it stays within max_registers and gaps within max_gap.

    Input tables first, then holding, each in address order; a point never straddles two requests. No request
    spans a barrier (table, address): a register the meter is known to refuse, so a gap may not cover it.
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
                and not any(table == point.table and last_end <= at < point.address for table, at in barriers)
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
