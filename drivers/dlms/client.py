"""One application association with a meter: open (mode E, HDLC or wrapper, AARQ), GET with blocks and lists, SET,
and a release that always runs.

Must not interpret COSEM values (session.py does) nor retry authentication: a refused password is final.
"""

from __future__ import annotations

import logging
from typing import cast

from drivers.dlms import apdu, hdlc
from drivers.dlms.apdu import AccessError, AttributeRef, RangeSelector, Value
from drivers.dlms.mode_e import BaudSwitchable, open_mode_e
from drivers.dlms.settings import DlmsSettings
from drivers.dlms.transport import ApduTransport, HdlcTransport, WrapperTransport
from drivers.errors import AuthenticationError, DriverError, ProtocolError
from drivers.link import Link

log = logging.getLogger(__name__)

MAX_BLOCKS = 10_000  # a meter that never sends its last block must not keep us forever


def make_transport(link: Link, settings: DlmsSettings) -> ApduTransport:
    if settings.transport == "wrapper":
        return WrapperTransport(
            link,
            client_wport=settings.client_address,
            server_wport=settings.server_logical,
            response_timeout_s=settings.response_timeout_s,
        )
    return HdlcTransport(
        link,
        client_address=settings.client_address,
        server_logical=settings.server_logical,
        server_physical=settings.server_physical,
        address_size=settings.address_size,
        parameters=hdlc.LinkParameters(settings.max_info, settings.max_info, settings.window, settings.window),
        response_timeout_s=settings.response_timeout_s,
        retries=settings.retries,
    )


class CosemClient:
    """GET/SET over an open association. `open()` then requests, `close()` in a finally (the session does it)."""

    def __init__(self, link: Link, settings: DlmsSettings) -> None:
        self.link, self.settings = link, settings
        self.transport = make_transport(link, settings)
        self.association = apdu.ClientAssociation(
            auth=settings.auth, password=settings.password, max_pdu=settings.max_pdu
        )
        self.accepted: apdu.AssociationResult | None = None
        self.baud: int | None = None

    def open(self) -> None:
        if self.settings.mode_e:
            if not hasattr(self.link, "set_baud"):
                raise ProtocolError("mode E needs a serial link that can change its speed")
            self.baud = open_mode_e(cast(BaudSwitchable, self.link), max_baud=self.settings.baud)
        self.transport.connect()
        answer = self.association.parse(self.transport.exchange(self.association.aarq()))
        if not isinstance(answer, apdu.AssociationResult):
            raise ProtocolError(f"expected AARE, got {answer!r}")
        if not answer.accepted:
            # No hot retry: several refused passwords in a row lock the meter's port for hours.
            raise AuthenticationError(
                f"meter refused the association (client {self.settings.client_address}, "
                f"auth {self.settings.auth}): {answer.diagnostic}"
            )
        self.accepted = answer
        log.debug("association accepted: %s", answer)

    def close(self) -> None:
        """Release and disconnect; errors here are logged, never raised over the caller's own exception."""
        try:
            if self.accepted is not None:
                self.accepted = None
                self.association.parse(self.transport.exchange(self.association.rlrq()))
        except DriverError as exc:
            log.debug("release not confirmed: %s", exc)
        finally:
            try:
                self.transport.disconnect()
            except DriverError as exc:
                log.debug("disconnect not confirmed: %s", exc)

    @property
    def supports_list(self) -> bool:
        return bool(self.accepted and self.accepted.with_list)

    def _blocks(self, first: apdu.Response) -> bytes | AccessError:
        """Follow GetResponseWithBlock with GetRequestNext until the last block."""
        answer = first
        data = bytearray()
        expected = 1
        for _ in range(MAX_BLOCKS):
            if isinstance(answer, AccessError):
                return answer
            if not isinstance(answer, apdu.GetBlock):
                raise ProtocolError(f"expected a data block, got {answer!r}")
            if answer.number != expected:
                raise ProtocolError(f"block {answer.number} arrived, {expected} expected")
            data += answer.raw
            if answer.last:
                return bytes(data)
            answer = self.association.parse(self.transport.exchange(self.association.get_next(answer.number)))
            expected += 1
        raise ProtocolError("the meter keeps sending blocks")

    def get(self, ref: AttributeRef, selector: RangeSelector | None = None) -> Value | AccessError:
        answer = self.association.parse(self.transport.exchange(self.association.get(ref, selector)))
        if isinstance(answer, apdu.GetData):
            return apdu.decode_data(answer.raw)
        if isinstance(answer, AccessError):
            return answer
        joined = self._blocks(answer)
        return joined if isinstance(joined, AccessError) else apdu.decode_data(joined)

    def get_many(self, refs: list[AttributeRef], per_request: int = 10) -> list[Value | AccessError]:
        """GET-with-list in chunks where the meter negotiated it, one GET per attribute otherwise."""
        if not self.supports_list or len(refs) == 1:
            return [self.get(ref) for ref in refs]
        out: list[Value | AccessError] = []
        for start in range(0, len(refs), per_request):
            chunk = refs[start : start + per_request]
            answer = self.association.parse(self.transport.exchange(self.association.get_with_list(chunk)))
            if isinstance(answer, apdu.GetList):
                out.extend(answer.items)
                continue
            joined = self._blocks(answer)
            if isinstance(joined, AccessError):
                out.extend([joined] * len(chunk))
            else:
                out.extend(apdu.decode_list_payload(joined, len(chunk)))
        return out

    def set(self, ref: AttributeRef, raw_value: bytes) -> AccessError | None:
        answer = self.association.parse(self.transport.exchange(self.association.set(ref, raw_value)))
        if not isinstance(answer, apdu.SetResult):
            raise ProtocolError(f"expected a SET answer, got {answer!r}")
        return answer.error
