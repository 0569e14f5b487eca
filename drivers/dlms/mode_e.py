"""IEC 62056-21 mode E opening of an optical port: 300 Bd sign-on, identification, ACK with the baud letter.

Must not speak HDLC: after the ACK the caller continues at the new speed. dlms-cosem has no mode E at all.
"""

from __future__ import annotations

import time
from typing import Protocol

from drivers.errors import LinkTimeout, ProtocolError
from drivers.link import Link

BAUD_LETTERS = {"0": 300, "1": 600, "2": 1200, "3": 2400, "4": 4800, "5": 9600, "6": 19200}


class BaudSwitchable(Link, Protocol):
    def set_baud(self, baud: int) -> None: ...


def read_line(link: Link, deadline: float) -> bytes:
    """Bytes up to and including CR LF."""
    line = bytearray()
    while not line.endswith(b"\r\n"):
        line += link.read_exact(1, deadline)
        if len(line) > 128:
            raise ProtocolError(f"identification line too long: {bytes(line[:32])!r}")
    return bytes(line)


def open_mode_e(link: BaudSwitchable, *, max_baud: int, device_address: str = "", timeout_s: float = 3.0) -> int:
    """Sign on at 300 Bd and switch the meter and the port to HDLC. Returns the agreed baud rate."""
    link.set_baud(300)
    link.discard_input()
    link.write(b"/?" + device_address.encode("ascii") + b"!\r\n")
    try:
        ident = read_line(link, time.monotonic() + timeout_s)
    except LinkTimeout as exc:
        raise LinkTimeout("no identification after the mode E sign-on (is the optical head on the meter?)") from exc
    if not ident.startswith(b"/") or len(ident) < 7:
        raise ProtocolError(f"not an IEC 62056-21 identification: {ident!r}")
    meter_letter = chr(ident[4])
    if meter_letter not in BAUD_LETTERS or ident[5:7] != b"\\2":
        raise ProtocolError(f"meter does not offer mode E (HDLC): {ident!r}")
    letter = max((c for c, b in BAUD_LETTERS.items() if b <= max_baud and c <= meter_letter), default="0")
    # ACK 2 Z 2: protocol control 2 (HDLC, mode E), baud letter, mode control 2 (binary).
    link.write(b"\x062" + letter.encode() + b"2\r\n")
    # The ACK leaves at 300 Bd (6 chars = 200 ms); switching earlier would cut it off.
    time.sleep(6 * 10 / 300 + 0.02)
    link.set_baud(BAUD_LETTERS[letter])
    return BAUD_LETTERS[letter]
