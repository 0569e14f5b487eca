"""probe_hdlc_address: does a meter answer at this HDLC address? For `uchet scan` on an RS-485 line.

Must not associate or read anything: one SNRM, one UA (or DM), then DISC.
"""

from __future__ import annotations

from drivers.dlms.transport import HdlcTransport
from drivers.errors import FramingError, LinkTimeout
from drivers.link import Link


def probe_hdlc_address(
    link: Link, address: int, timeout_s: float = 0.5, *, logical: int = 1, client_address: int = 16
) -> bool:
    """True if a station answers SNRM at physical `address` (UA or DM both prove someone is there).

    LinkError propagates: a lost link is not a meter at every address.
    """
    transport = HdlcTransport(
        link,
        client_address=client_address,
        server_logical=logical,
        server_physical=address,
        response_timeout_s=timeout_s,
        retries=0,
    )
    try:
        transport.snrm()
    except (LinkTimeout, FramingError):
        link.discard_input()
        return False
    transport.disconnect()  # DISC after a UA frees the station; nothing to do after a DM
    return True  # UA, DM or an odd answer: somebody is at this address
