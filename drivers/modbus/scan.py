"""Find which Modbus unit ids answer on a line (for `uchet scan`): any well-formed reply, data or exception.

Must not guess the meter model or keep state: it probes each id once with a one-register read and moves on.
"""

from __future__ import annotations

from collections.abc import Iterable

from drivers.errors import FramingError, LinkTimeout
from drivers.link import Link
from drivers.modbus.pdu import read_request
from drivers.modbus.transport import Framing, ModbusTransport


def scan_unit_ids(
    link: Link,
    ids: Iterable[int] = range(1, 248),
    *,
    timeout_s: float = 0.2,
    framing: Framing = Framing.RTU,
    probe_address: int = 0,
    function_code: int = 3,
) -> list[int]:
    """Ids among `ids` that sent a valid reply (an exception reply counts: someone is there), in probe order.

    A garbled reply (bad CRC) is not counted: on a multi-drop line it may be a collision, not a meter.
    Raises LinkError only if the link itself fails. Costs about len(ids) * timeout_s on a quiet line.
    """
    transport = ModbusTransport(link, framing=framing)
    pdu = read_request(function_code, probe_address, 1)
    found: list[int] = []
    for unit_id in ids:
        try:
            transport.transact(unit_id, pdu, timeout_s)
        except (LinkTimeout, FramingError):
            continue
        found.append(unit_id)
    return found
