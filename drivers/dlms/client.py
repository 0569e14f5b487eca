"""One application association with a meter: open (mode E, HDLC or wrapper, AARQ), GET with blocks and lists, SET,
and a release that always runs.

Must not interpret COSEM values (session.py does) nor retry authentication: a refused password is final.
"""

from __future__ import annotations

import logging
from dataclasses import replace
from typing import cast

from drivers.dlms import apdu, hdlc
from drivers.dlms.apdu import AccessError, AttributeRef, Keys, RangeSelector, Value
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
        self.association = self._association(1)
        self.accepted: apdu.AssociationResult | None = None
        self.baud: int | None = None

    def _association(self, invocation_counter: int) -> apdu.ClientAssociation:
        s = self.settings
        keys = None
        if s.auth == "hls-gmac" and s.auth_key and s.cipher_key:
            keys = Keys(s.auth_key, s.cipher_key, s.system_title, invocation_counter)
        return apdu.ClientAssociation(auth=s.auth, password=s.password, max_pdu=s.max_pdu, keys=keys)

    def read_frame_counter(self) -> int | None:
        """The last invocation counter the meter accepted from us, through a short public association.

        Our counter is not kept across sessions (nor across collector restarts); the meter's is, and it refuses a
        counter it has seen. None if the meter does not offer the object: then we start at 1 and may be refused.
        """
        assert self.settings.frame_counter is not None
        public = replace(self.settings, client_address=16, auth="none", password=None, frame_counter=None)
        reader = CosemClient(self.link, public)
        try:
            reader.open()
            value = reader.get(AttributeRef(1, self.settings.frame_counter, 2))
        finally:
            reader.close()
        if isinstance(value, int) and not isinstance(value, bool):
            return value
        log.debug("no frame counter at %s: %r", self.settings.frame_counter, value)
        return None

    def open(self) -> None:
        if self.settings.auth == "hls-gmac" and self.settings.frame_counter is not None:
            last = self.read_frame_counter()
            self.association = self._association((last or 0) + 1)
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
        if self.association.hls_pending:
            self._authenticate()
        self.accepted = answer
        log.debug("association accepted: %s", answer)

    def _authenticate(self) -> None:
        """HLS pass 3 and 4: prove we hold the keys, and check that the meter does too. Never repeated."""
        result = self.association.parse(self.transport.exchange(self.association.hls_reply()))
        if not isinstance(result, apdu.ActionResult):
            raise ProtocolError(f"expected the answer to reply_to_HLS_authentication, got {result!r}")
        if not result.ok:
            raise AuthenticationError("meter refused our HLS-GMAC proof: wrong authentication or cipher key")
        if not self.association.ready:  # dlms-cosem checked the meter's f(CtoS) and found it wrong
            raise AuthenticationError("the meter's HLS-GMAC proof is wrong: another meter, or other keys")

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
