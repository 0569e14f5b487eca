"""Modbus energy meters: RTU on RS-485 lines, Modbus TCP, RTU through TCP gateways; register maps as data.

Public API: ModbusSession, Framing, load_map, map_name, MAP_NAMES, RegisterMap, SplitMemory, scan_unit_ids.
pymodbus stays in pdu.py.
"""

from drivers.modbus.regmap import MAP_NAMES, Point, RegisterMap, load_map, map_name
from drivers.modbus.scan import scan_unit_ids
from drivers.modbus.session import ModbusSession
from drivers.modbus.splits import SplitMemory
from drivers.modbus.transport import Framing, ModbusTransport

__all__ = [
    "MAP_NAMES",
    "Framing",
    "ModbusSession",
    "ModbusTransport",
    "Point",
    "RegisterMap",
    "SplitMemory",
    "load_map",
    "map_name",
    "scan_unit_ids",
]
