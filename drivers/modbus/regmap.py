"""Register maps as data: one YAML file per meter model in drivers/modbus/maps, loaded into typed, checked points.

Must not do I/O on a meter or decode register words: it only says where each OBIS quantity lives and how it is
encoded. Unknown keys and impossible layouts are errors at load time, not at the first poll.
"""

from __future__ import annotations

import enum
import functools
import itertools
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from importlib import resources
from typing import Any

import yaml

from drivers.errors import ConfigurationError
from drivers.modbus.codec import WORDS, DataType, WordOrder
from drivers.obis import Obis


class Table(enum.StrEnum):
    """Which register table a value lives in; the function code that reads it."""

    HOLDING = "holding"
    INPUT = "input"

    @property
    def function_code(self) -> int:
        return 3 if self is Table.HOLDING else 4


@dataclass(frozen=True, slots=True)
class Point:
    """One quantity of a meter: where it is, how it is encoded, what it means (OBIS) and in which unit."""

    obis: Obis
    name: str
    table: Table
    address: int
    dtype: DataType
    word_order: WordOrder
    scale: Decimal
    unit: str | None

    @property
    def words(self) -> int:
        return WORDS[self.dtype]

    @property
    def end(self) -> int:
        """First register after this point."""
        return self.address + self.words


@dataclass(frozen=True, slots=True)
class SerialRegister:
    """Where the model keeps its serial number (read_nameplate)."""

    table: Table
    address: int
    dtype: DataType  # u32 (Eastron) or text (Carlo Gavazzi)
    words: int
    word_order: WordOrder


@dataclass(frozen=True, slots=True)
class RegisterMap:
    """A meter model's register layout plus what the model allows per request."""

    model: str
    manufacturer: str
    datasheet: str
    max_registers: int  # most registers the model returns in one read request
    max_gap: int  # unused registers a request may span; 0 where the model answers 'illegal address' for gaps
    points: tuple[Point, ...]
    serial: SerialRegister | None
    # Some models (ABB B2x) answer a quantity they do not measure with every bit set instead of an exception.
    all_ones_is_absent: bool = False

    def point(self, obis: Obis) -> Point | None:
        return self._by_obis().get(obis)

    def _by_obis(self) -> dict[Obis, Point]:
        return {point.obis: point for point in self.points}


_MAP_KEYS = {
    "model", "manufacturer", "datasheet", "word_order", "max_registers", "max_gap", "serial", "points", "not_available",
}  # fmt: skip
_POINT_KEYS = {"obis", "name", "function", "address", "type", "word_order", "scale", "unit"}
_SERIAL_KEYS = {"function", "address", "type", "words", "word_order"}


def _check_keys(where: str, raw: dict[str, Any], allowed: set[str]) -> None:
    unknown = set(raw) - allowed
    if unknown:
        raise ConfigurationError(f"{where}: unknown keys {sorted(unknown)}")


def _scale(where: str, raw: object) -> Decimal:
    try:
        return Decimal(str(raw))
    except InvalidOperation as exc:
        raise ConfigurationError(f"{where}: scale {raw!r} is not a number") from exc


def _not_available(name: str, raw: object) -> bool:
    """The map's `not_available` marker: absent, or `all_ones` (every bit of the value set)."""
    if raw in (None, "all_ones"):
        return raw == "all_ones"
    raise ConfigurationError(f"register map {name}: not_available must be all_ones, got {raw!r}")


def parse_map(name: str, raw: dict[str, Any]) -> RegisterMap:
    """Build a RegisterMap from the YAML structure; every problem is a ConfigurationError naming the map."""
    try:
        _check_keys(name, raw, _MAP_KEYS)
        default_order = WordOrder(raw.get("word_order", "big"))
        points: list[Point] = []
        for index, item in enumerate(raw["points"]):
            where = f"{name} point {index} ({item.get('name', '?')})"
            _check_keys(where, item, _POINT_KEYS)
            dtype = DataType(item["type"])
            if dtype is DataType.TEXT:
                raise ConfigurationError(f"{where}: text is for the serial number only")
            points.append(
                Point(
                    obis=Obis.parse(str(item["obis"])),
                    name=str(item["name"]),
                    table=Table(item["function"]),
                    address=int(item["address"]),
                    dtype=dtype,
                    word_order=WordOrder(item.get("word_order", default_order)),
                    scale=_scale(where, item.get("scale", 1)),
                    unit=item.get("unit"),
                )
            )
        serial = None
        if (raw_serial := raw.get("serial")) is not None:
            _check_keys(f"{name} serial", raw_serial, _SERIAL_KEYS)
            serial_type = DataType(raw_serial["type"])
            serial = SerialRegister(
                table=Table(raw_serial["function"]),
                address=int(raw_serial["address"]),
                dtype=serial_type,
                words=int(raw_serial.get("words", WORDS.get(serial_type, 0))),
                word_order=WordOrder(raw_serial.get("word_order", default_order)),
            )
        register_map = RegisterMap(
            model=str(raw["model"]),
            manufacturer=str(raw["manufacturer"]),
            datasheet=str(raw["datasheet"]),
            max_registers=int(raw["max_registers"]),
            max_gap=int(raw.get("max_gap", 0)),
            points=tuple(points),
            serial=serial,
            all_ones_is_absent=_not_available(name, raw.get("not_available")),
        )
    except (KeyError, ValueError, TypeError) as exc:
        raise ConfigurationError(f"register map {name}: {exc}") from exc
    _check_layout(register_map)
    return register_map


def _check_layout(register_map: RegisterMap) -> None:
    if not 1 <= register_map.max_registers <= 125:
        raise ConfigurationError(f"{register_map.model}: max_registers must be 1..125 (Modbus allows 125)")
    seen: dict[Obis, str] = {}
    for point in register_map.points:
        if point.obis in seen:
            raise ConfigurationError(f"{register_map.model}: {point.obis} mapped twice ({seen[point.obis]})")
        seen[point.obis] = point.name
        if not 0 <= point.address <= 0xFFFF - point.words + 1:
            raise ConfigurationError(f"{register_map.model}: {point.name} address out of range")
    by_table = sorted(register_map.points, key=lambda p: (p.table, p.address))
    for before, after in itertools.pairwise(by_table):
        if before.table == after.table and after.address < before.end:
            raise ConfigurationError(f"{register_map.model}: {before.name} overlaps {after.name}")


_MAPS = resources.files("drivers.modbus") / "maps"

MAP_NAMES: tuple[str, ...] = tuple(
    sorted(entry.name.removesuffix(".yaml") for entry in _MAPS.iterdir() if entry.name.endswith(".yaml"))
)
"""Model names accepted by load_map (file names in drivers/modbus/maps without .yaml), e.g. 'eastron_sdm630'."""


def map_name(model: str) -> str:
    """The map name of a model as people write it: 'eastron_sdm630', 'sdm630' or 'SDM-630' → 'eastron_sdm630'."""
    key = model.strip().lower().replace("-", "").replace(" ", "_")
    if key in MAP_NAMES:
        return key
    matches = [name for name in MAP_NAMES if name.endswith(f"_{key}")]
    if len(matches) != 1:
        raise ConfigurationError(f"unknown Modbus meter model {model!r}; known: {', '.join(MAP_NAMES)}")
    return matches[0]


@functools.cache
def load_map(name: str) -> RegisterMap:
    """The register map of a model by name; ConfigurationError for an unknown name or a broken file."""
    if name not in MAP_NAMES:
        raise ConfigurationError(f"unknown Modbus meter model {name!r}; known: {', '.join(MAP_NAMES)}")
    raw = yaml.safe_load((_MAPS / f"{name}.yaml").read_text(encoding="utf-8"))
    if not isinstance(raw, dict):
        raise ConfigurationError(f"register map {name}: not a mapping")
    return parse_map(name, raw)
