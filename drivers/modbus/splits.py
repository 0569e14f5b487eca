"""What a meter taught us about its firmware: register groups it refuses whole, and registers it lacks.

Must not do I/O, retry or decide qualities: the session asks and tells. State is per instance (one per meter, or one
per session by default) and keyed by unit id and model, so sharing an instance cannot mix two meters' answers.
"""

from __future__ import annotations

from drivers.modbus.plan import Block
from drivers.modbus.regmap import Point, Table

MAX_GROUPS = 256  # bound on what one instance remembers; a meter has a handful of groups, so this only stops a leak


class SplitMemory:
    """Remembers, per (unit id, model), groups answered 'illegal data address' and the registers that caused it.

    A meter whose firmware lacks one register of a group (exception 02) refuses the whole grouped read. The session
    then reads that group point by point once; with this memory the next poll plans around the missing registers
    (and reads refused groups point by point straight away) instead of paying for the refused request again.
    Pass one instance per meter to ModbusSession(splits=...) to keep what was learnt across sessions.
    """

    def __init__(self) -> None:
        self._split: dict[tuple[int, str], set[tuple[Table, int, int]]] = {}
        self._absent: dict[tuple[int, str], set[tuple[Table, int]]] = {}

    def must_split(self, unit_id: int, model: str, block: Block) -> bool:
        return (block.table, block.address, block.count) in self._split.get((unit_id, model), set())

    def remember_split(self, unit_id: int, model: str, block: Block) -> None:
        groups = self._split.setdefault((unit_id, model), set())
        if len(groups) < MAX_GROUPS:
            groups.add((block.table, block.address, block.count))

    def is_absent(self, unit_id: int, model: str, point: Point) -> bool:
        return (point.table, point.address) in self._absent.get((unit_id, model), set())

    def remember_absent(self, unit_id: int, model: str, point: Point) -> None:
        registers = self._absent.setdefault((unit_id, model), set())
        if len(registers) < MAX_GROUPS:
            registers.add((point.table, point.address))

    def absent(self, unit_id: int, model: str) -> frozenset[tuple[Table, int]]:
        """Registers to plan around (drivers.modbus.plan.plan_blocks barriers)."""
        return frozenset(self._absent.get((unit_id, model), set()))

    def forget(self, unit_id: int, model: str) -> None:
        """Drop what one meter taught us (after a firmware update or a meter swap at the same address)."""
        self._split.pop((unit_id, model), None)
        self._absent.pop((unit_id, model), None)
