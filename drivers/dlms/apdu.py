"""The one door to dlms-cosem 25.1: xDLMS/ACSE APDU encoding and decoding, its association state machine and its
suite-0 ciphering (HLS-GMAC, general-glo-ciphering).

Must not do I/O, framing or time-zone logic, and nothing else of ours may import dlms_cosem (its API churns and
its I/O is broken, see DOMAIN.md §3). Client helpers come first, the simulated meter's encoders after. Longer than
300 lines on purpose: the one-importer rule (tests/test_imports.py) keeps every dlms_cosem call in this file.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import structlog
from dlms_cosem import cosem, dlms_data, enumerations, security
from dlms_cosem import state as dlms_state
from dlms_cosem.connection import DlmsConnection, XDlmsApduFactory
from dlms_cosem.cosem.capture_object import CaptureObject
from dlms_cosem.cosem.selective_access import RangeDescriptor
from dlms_cosem.protocol import acse, xdlms
from dlms_cosem.protocol.xdlms.conformance import Conformance
from dlms_cosem.protocol.xdlms.invoke_id_and_priority import InvokeIdAndPriority

from drivers.errors import ProtocolError
from drivers.obis import Obis

if not structlog.is_configured():
    # dlms-cosem logs every APDU at INFO through structlog, to stdout by default: keep only its warnings unless
    # the application configured structlog itself.
    structlog.configure(wrapper_class=structlog.make_filtering_bound_logger(logging.WARNING))

Value = None | bool | int | float | str | bytes | list["Value"]
"""A decoded A-XDR value: arrays and structures become lists, octet strings bytes, enums ints."""


@dataclass(frozen=True, slots=True)
class AttributeRef:
    """One COSEM attribute: interface class, logical name, attribute index."""

    class_id: int
    obis: Obis
    attribute: int


@dataclass(frozen=True, slots=True)
class RangeSelector:
    """Selective access by range (descriptor 1) on the capture time column; bounds are aware datetimes."""

    start: datetime
    end: datetime


@dataclass(frozen=True, slots=True)
class AccessError:
    """A Data-Access-Result other than success, with the standard's name for it."""

    code: int

    @property
    def name(self) -> str:
        try:
            return str(enumerations.DataAccessResult(self.code).name).lower()
        except ValueError:
            return f"result {self.code}"


@dataclass(frozen=True, slots=True)
class AssociationResult:
    accepted: bool
    diagnostic: str
    server_max_pdu: int
    block_transfer: bool
    with_list: bool
    selective_access: bool


@dataclass(frozen=True, slots=True)
class GetData:
    raw: bytes  # one A-XDR encoded Data


@dataclass(frozen=True, slots=True)
class GetBlock:
    number: int
    last: bool
    raw: bytes  # a piece of the encoded result; decode only after the last block


@dataclass(frozen=True, slots=True)
class GetList:
    items: list[Value | AccessError]


@dataclass(frozen=True, slots=True)
class SetResult:
    error: AccessError | None


@dataclass(frozen=True, slots=True)
class ActionResult:
    """The answer to an ACTION; for reply_to_HLS_authentication `data` is the meter's f(CtoS)."""

    ok: bool
    data: bytes = b""


Response = AssociationResult | GetData | GetBlock | GetList | AccessError | SetResult | ActionResult | None
ASSOCIATION_LN = Obis(0, 0, 40, 0, 0)  # the current association (class 15); method 1 = reply_to_HLS_authentication


def _cosem_attribute(ref: AttributeRef) -> Any:
    return cosem.CosemAttribute(
        interface=enumerations.CosemInterface(ref.class_id),
        instance=cosem.Obis(*ref.obis.to_bytes()),
        attribute=ref.attribute,
    )


def _clock_capture() -> Any:
    clock = cosem.CosemAttribute(enumerations.CosemInterface.CLOCK, cosem.Obis(0, 0, 1, 0, 0, 255), 2)
    return CaptureObject(cosem_attribute=clock, data_index=0)


@dataclass(frozen=True, slots=True)
class Keys:
    """Security suite 0 (AES-GCM-128): authentication key, block cipher key (16 bytes each), our system title."""

    auth_key: bytes = field(repr=False)
    cipher_key: bytes = field(repr=False)
    system_title: bytes = b"UCH00001"
    invocation_counter: int = 1  # the first one we use; the meter refuses any it has already seen


class ClientAssociation:
    """Our side of one application association, kept in dlms-cosem's DlmsConnection state machine.

    With HLS-GMAC the library ciphers every xDLMS APDU (general-glo-ciphering, authenticated and encrypted, which
    СПОДЭС meters require after HLS) and deciphers the answers in `parse`; the HLS step is `hls_reply`.
    """

    def __init__(self, *, auth: str, password: bytes | None, max_pdu: int, keys: Keys | None = None) -> None:
        ciphering: dict[str, Any] = {}
        if auth == "lls":
            manager: Any = security.LowLevelSecurityAuthentication(secret=password)
        elif auth == "none":
            manager = security.NoSecurityAuthentication()
        elif auth == "hls-gmac" and keys is not None:
            manager = security.HighLevelSecurityGmacAuthentication(challenge_length=32)
            ciphering = {
                "global_encryption_key": keys.cipher_key,
                "global_authentication_key": keys.auth_key,
                "client_invocation_counter": keys.invocation_counter,
            }
        else:
            raise ProtocolError(f"authentication {auth!r} is not supported by this driver (or keys are missing)")
        title = keys.system_title if keys is not None else b"UCHET001"
        self._conn = DlmsConnection(
            authentication=manager, client_system_title=title, max_pdu_size=max_pdu, **ciphering
        )
        self._invoke = 0

    @property
    def hls_pending(self) -> bool:
        """The meter accepted the AARQ but waits for our reply to its challenge (StoC)."""
        return bool(self._conn.state.current_state == dlms_state.SHOULD_SEND_HLS_SEVER_CHALLENGE_RESULT)

    @property
    def ready(self) -> bool:
        return bool(self._conn.state.current_state == dlms_state.READY)

    def hls_reply(self) -> bytes:
        """ACTION reply_to_HLS_authentication with f(StoC) = SC ‖ IC ‖ GMAC(SC ‖ AK ‖ StoC)."""
        try:
            proof = bytes(self._conn.authentication.hls_generate_reply_data(self._conn))
        except Exception as exc:
            raise ProtocolError(f"cannot answer the meter's challenge: {exc}") from exc
        # dlms-cosem 25.1 computes the GMAC with the invocation counter it then also uses to cipher the ACTION
        # itself: the same GCM nonce twice under one key. Step past it so every nonce is used once.
        self._conn.client_invocation_counter += 1
        method = cosem.CosemMethod(enumerations.CosemInterface.ASSOCIATION_LN, cosem.Obis(0, 0, 40, 0, 0), 1)
        data = bytes(dlms_data.OctetStringData(proof).to_bytes())
        return self._send(xdlms.ActionRequestNormal(method, data, self._next_invoke()))

    def _next_invoke(self) -> Any:
        self._invoke = (self._invoke + 1) % 16
        return InvokeIdAndPriority(invoke_id=self._invoke, confirmed=True, high_priority=True)

    def _send(self, event: Any) -> bytes:
        try:
            return bytes(self._conn.send(event))
        except Exception as exc:  # the library raises bare ValueError/LocalDlmsProtocolError alike
            raise ProtocolError(f"cannot send {type(event).__name__}: {exc}") from exc

    def aarq(self) -> bytes:
        return self._send(self._conn.get_aarq())

    def rlrq(self) -> bytes:
        return self._send(self._conn.get_rlrq())

    def get(self, ref: AttributeRef, selector: RangeSelector | None = None) -> bytes:
        access = None
        if selector is not None:
            access = RangeDescriptor(_clock_capture(), selector.start, selector.end)
        return self._send(xdlms.GetRequestNormal(_cosem_attribute(ref), self._next_invoke(), access))

    def get_next(self, block_number: int) -> bytes:
        return self._send(xdlms.GetRequestNext(block_number, InvokeIdAndPriority(self._invoke, True, True)))

    def get_with_list(self, refs: list[AttributeRef]) -> bytes:
        items = [cosem.CosemAttributeWithSelection(_cosem_attribute(ref), None) for ref in refs]
        return self._send(xdlms.GetRequestWithList(items, self._next_invoke()))

    def set(self, ref: AttributeRef, raw_value: bytes) -> bytes:
        return self._send(xdlms.SetRequestNormal(_cosem_attribute(ref), raw_value, None, self._next_invoke()))

    def reset(self) -> None:
        """Forget the association (after a lost link): the next request must be an AARQ again."""
        self._conn.state.current_state = type(self._conn.state)().current_state
        self._conn.clear_buffer()

    def parse(self, data: bytes, list_length: int = 0) -> Response:
        self._conn.receive_data(data)
        try:
            apdu = self._conn.next_event()
        except Exception as exc:
            self._conn.clear_buffer()
            raise ProtocolError(f"undecodable APDU {data[:16].hex()}…: {exc}") from exc
        try:
            return _to_response(apdu)
        except ProtocolError:
            raise
        except Exception as exc:  # the proof of an ACTION answer, a list item: the library's own exceptions
            raise ProtocolError(f"undecodable {type(apdu).__name__}: {exc}") from exc


def _to_response(apdu: Any) -> Response:
    if isinstance(apdu, acse.ApplicationAssociationResponse):
        info = apdu.user_information.content if apdu.user_information else None
        conformance = getattr(info, "negotiated_conformance", None)
        return AssociationResult(
            accepted=apdu.result == enumerations.AssociationResult.ACCEPTED,
            diagnostic=getattr(apdu.result_source_diagnostics, "name", str(apdu.result_source_diagnostics)).lower(),
            server_max_pdu=getattr(info, "server_max_receive_pdu_size", 0) or 0,
            block_transfer=bool(conformance and conformance.block_transfer_with_get_or_read),
            with_list=bool(conformance and conformance.multiple_references),
            selective_access=bool(conformance and conformance.selective_access),
        )
    if isinstance(apdu, xdlms.GetResponseNormal):
        return GetData(bytes(apdu.data))
    if isinstance(apdu, (xdlms.GetResponseWithBlock, xdlms.GetResponseLastBlock)):
        return GetBlock(apdu.block_number, isinstance(apdu, xdlms.GetResponseLastBlock), bytes(apdu.data))
    if isinstance(apdu, (xdlms.GetResponseNormalWithError, xdlms.GetResponseLastBlockWithError)):
        return AccessError(int(apdu.error))
    if isinstance(apdu, xdlms.GetResponseWithList):
        return GetList(
            [
                AccessError(int(i)) if isinstance(i, enumerations.DataAccessResult) else _py(i)
                for i in apdu.response_data
            ]
        )
    if isinstance(apdu, xdlms.SetResponseNormal):
        ok = apdu.result == enumerations.DataAccessResult.SUCCESS
        return SetResult(None if ok else AccessError(int(apdu.result)))
    if isinstance(apdu, acse.ReleaseResponse):
        return None
    if isinstance(apdu, xdlms.ActionResponseNormalWithData):
        proof = _py(dlms_data.DlmsDataParser().parse(bytes(apdu.data), limit=1)[0])
        ok = apdu.status == enumerations.ActionResultStatus.SUCCESS
        return ActionResult(ok, proof if isinstance(proof, bytes) else b"")
    if isinstance(apdu, (xdlms.ActionResponseNormal, xdlms.ActionResponseNormalWithError)):
        return ActionResult(apdu.status == enumerations.ActionResultStatus.SUCCESS)
    if isinstance(apdu, (xdlms.ExceptionResponse, xdlms.ConfirmedServiceError)):
        raise ProtocolError(f"meter answered {type(apdu).__name__}: {apdu}")
    raise ProtocolError(f"unexpected APDU {type(apdu).__name__}")


def _py(item: Any) -> Value:
    if isinstance(item, (dlms_data.DataArray, dlms_data.DataStructure)):
        return [_py(i) for i in item.value]
    if isinstance(item, (dlms_data.DateTimeData, dlms_data.DateData, dlms_data.TimeData)):
        raise ProtocolError("COSEM date/time data types are not used by СПОДЭС meters")
    value = item.to_python()
    if isinstance(value, bytearray):  # the parser hands out slices of its buffer
        return bytes(value)
    return value if isinstance(value, (type(None), bool, int, float, str, bytes)) else str(value)


def decode_data(raw: bytes) -> Value:
    """Decode one A-XDR Data (a register value, a whole profile buffer after its blocks are joined)."""
    try:
        items = dlms_data.DlmsDataParser().parse(raw, limit=1)
    except Exception as exc:
        raise ProtocolError(f"undecodable A-XDR data: {exc}") from exc
    if not items:
        raise ProtocolError("empty A-XDR data")
    return _py(items[0])


def decode_list_payload(raw: bytes, count: int) -> list[Value | AccessError]:
    """The joined blocks of a GET-with-list answer: count, then (choice, data|result) per item."""
    try:
        length, rest = dlms_data.decode_variable_integer(raw)
        if length != count:
            raise ProtocolError(f"list answer has {length} items, asked {count}")
        items = xdlms.GetResponseWithList.parse_list_response(bytes(rest), count)
    except ProtocolError:
        raise
    except Exception as exc:
        raise ProtocolError(f"undecodable list answer: {exc}") from exc
    return [AccessError(int(i)) if isinstance(i, enumerations.DataAccessResult) else _py(i) for i in items]


# ----------------------------------------------------------------------------- the simulated meter's side


@dataclass(slots=True)
class ServerRequest:
    """A request as the simulated meter sees it."""

    kind: str  # aarq | get | get_next | get_list | set | rlrq
    invoke: int = 0
    refs: list[AttributeRef] = field(default_factory=list)
    selector: RangeSelector | None = None
    block: int = 0
    auth: int = 0
    password: bytes | None = None
    client_max_pdu: int = 0
    value: bytes = b""
    ciphered: bool = False  # arrived inside general-glo-ciphering
    client_title: bytes = b""  # AARQ calling-AP-title (HLS)
    decipher_failed: bool = False  # AARQ user-information that the meter's keys cannot open


class ServerSecurity:
    """The simulated meter's suite-0 context: its keys and system title, the highest client invocation counter it
    accepted (replays are refused, as the Green Book asks) and its own counter for what it sends."""

    def __init__(self, keys: Keys) -> None:
        self.keys = keys
        self.client_ic = 0
        self.meter_ic = 0
        self.client_title = b""

    def _control(self, *, encrypted: bool) -> Any:
        return security.SecurityControlField(0, authenticated=True, encrypted=encrypted)

    def decipher(self, title: bytes, ic: int, text: bytes) -> bytes:
        if ic <= self.client_ic:
            raise ProtocolError(f"replayed invocation counter {ic} (last {self.client_ic})")
        try:
            plain = security.decrypt(
                self._control(encrypted=True), title, ic, self.keys.cipher_key, text, self.keys.auth_key
            )
        except Exception as exc:
            raise ProtocolError(f"cannot decipher: {exc}") from exc
        self.client_ic, self.client_title = ic, title
        return bytes(plain)

    def _next_ic(self) -> int:
        self.meter_ic += 1
        return self.meter_ic

    def cipher(self, apdu: bytes) -> bytes:
        """general-glo-ciphering of an answer. Built here: GeneralGlobalCipher.to_bytes in 25.1 writes the length
        as one byte and fails on answers above 255 bytes (a profile block)."""
        ic = self._next_ic()
        text = security.encrypt(
            self._control(encrypted=True), self.keys.system_title, ic, self.keys.cipher_key, apdu, self.keys.auth_key
        )
        content = bytes(self._control(encrypted=True).to_bytes()) + ic.to_bytes(4, "big") + bytes(text)
        title = self.keys.system_title
        return bytes((0xDB, len(title))) + title + bytes(dlms_data.encode_variable_integer(len(content))) + content

    def proof(self, challenge: bytes) -> bytes:
        """f(challenge) = SC ‖ IC ‖ GMAC(SC ‖ AK ‖ challenge) under the meter's system title."""
        ic, control = self._next_ic(), self._control(encrypted=False)
        tag = security.gmac(control, self.keys.system_title, ic, self.keys.cipher_key, self.keys.auth_key, challenge)
        return bytes(control.to_bytes()) + ic.to_bytes(4, "big") + bytes(tag)

    def verify(self, proof: bytes, challenge: bytes) -> bool:
        """Check the client's f(StoC) against its system title (learnt from the AARQ)."""
        if len(proof) != 17 or not self.client_title:
            return False
        control = security.SecurityControlField.from_bytes(proof[:1])
        ic = int.from_bytes(proof[1:5], "big")
        try:
            tag = security.gmac(control, self.client_title, ic, self.keys.cipher_key, self.keys.auth_key, challenge)
        except Exception:
            return False
        return bytes(tag) == proof[5:]


def _ref(attribute: Any) -> AttributeRef:
    return AttributeRef(int(attribute.interface), Obis.from_bytes(attribute.instance.to_bytes()), attribute.attribute)


def _utc(moment: datetime) -> datetime:
    # dlms-cosem 25.1 returns a naive datetime for deviation 0: that is UTC, not local time.
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def _aarq(apdu: Any, context: ServerSecurity | None) -> ServerRequest:
    info = apdu.user_information.content if apdu.user_information else None
    request = ServerRequest(
        "aarq",
        auth=int(apdu.authentication or 0),
        password=bytes(apdu.authentication_value) if apdu.authentication_value else None,
        client_title=bytes(apdu.system_title or b""),
    )
    if isinstance(info, xdlms.GlobalCipherInitiateRequest):
        try:
            if context is None:
                raise ProtocolError("no keys")
            plain = context.decipher(request.client_title, info.invocation_counter, bytes(info.ciphered_text))
            info = xdlms.InitiateRequest.from_bytes(plain)
        except ProtocolError:
            request.decipher_failed = True
            return request
    request.client_max_pdu = getattr(info, "client_max_receive_pdu_size", 0) or 0
    return request


def parse_request(data: bytes, context: ServerSecurity | None = None) -> ServerRequest:
    """A request as the simulated meter sees it; ciphered ones are opened with `context` (ProtocolError if not)."""
    try:
        apdu = XDlmsApduFactory.apdu_from_bytes(bytearray(data))
    except Exception as exc:
        raise ProtocolError(f"undecodable request: {exc}") from exc
    if isinstance(apdu, acse.ApplicationAssociationRequest):
        return _aarq(apdu, context)
    if isinstance(apdu, xdlms.GeneralGlobalCipher):
        if context is None:
            raise ProtocolError("a ciphered request, and no keys")
        title = bytes(apdu.system_title or b"")
        inner = parse_request(context.decipher(title, apdu.invocation_counter, bytes(apdu.ciphered_text)))
        inner.ciphered = True
        return inner
    if isinstance(apdu, xdlms.ActionRequestNormal):
        method = apdu.cosem_method
        ref = AttributeRef(int(method.interface), Obis.from_bytes(method.instance.to_bytes()), method.method)
        return ServerRequest("action", apdu.invoke_id_and_priority.invoke_id, [ref], value=bytes(apdu.data or b""))
    if isinstance(apdu, acse.ReleaseRequest):
        return ServerRequest("rlrq")
    if isinstance(apdu, xdlms.GetRequestNormal):
        selector = None
        if isinstance(apdu.access_selection, RangeDescriptor):
            selector = RangeSelector(_utc(apdu.access_selection.from_value), _utc(apdu.access_selection.to_value))
        return ServerRequest(
            "get", apdu.invoke_id_and_priority.invoke_id, [_ref(apdu.cosem_attribute)], selector=selector
        )
    if isinstance(apdu, xdlms.GetRequestNext):
        return ServerRequest("get_next", apdu.invoke_id_and_priority.invoke_id, block=apdu.block_number)
    if isinstance(apdu, xdlms.GetRequestWithList):
        refs = [_ref(item.attribute) for item in apdu.cosem_attributes_with_selection]
        return ServerRequest("get_list", apdu.invoke_id_and_priority.invoke_id, refs)
    if isinstance(apdu, xdlms.SetRequestNormal):
        return ServerRequest(
            "set", apdu.invoke_id_and_priority.invoke_id, [_ref(apdu.cosem_attribute)], value=bytes(apdu.data)
        )
    raise ProtocolError(f"the simulated meter does not serve {type(apdu).__name__}")


def encode_aare(
    *,
    accepted: bool,
    auth: int,
    max_pdu: int,
    auth_failed: bool = False,
    challenge: bytes | None = None,
    context: ServerSecurity | None = None,
) -> bytes:
    """The AARE; with `challenge` and `context` the HLS-GMAC form: our system title, StoC, ciphered initiate."""
    user_diag = enumerations.AcseServiceUserDiagnostics
    diagnostic = (
        user_diag.NULL if accepted else (user_diag.AUTHENTICATION_FAILED if auth_failed else user_diag.NO_REASON_GIVEN)
    )
    if accepted and challenge is not None:
        diagnostic = user_diag.AUTHENTICATION_REQUIRED
    conformance = Conformance(
        general_block_transfer=False,
        block_transfer_with_get_or_read=True,
        multiple_references=True,
        selective_access=True,
        get=True,
        set=True,
        action=True,
    )
    initiate: Any = xdlms.InitiateResponse(negotiated_conformance=conformance, server_max_receive_pdu_size=max_pdu)
    hls: dict[str, Any] = {}
    if accepted and challenge is not None and context is not None:
        ic = context._next_ic()
        control = context._control(encrypted=True)
        keys = context.keys
        text = security.encrypt(control, keys.system_title, ic, keys.cipher_key, initiate.to_bytes(), keys.auth_key)
        initiate = xdlms.GlobalCipherInitiateResponse(control, ic, bytes(text))
        hls = {"ciphered": True, "system_title": keys.system_title, "authentication_value": challenge}
    aare = acse.ApplicationAssociationResponse(
        result=enumerations.AssociationResult.ACCEPTED
        if accepted
        else enumerations.AssociationResult.REJECTED_PERMANENT,
        result_source_diagnostics=diagnostic,
        authentication=enumerations.AuthenticationMechanism(auth) if auth else None,
        user_information=acse.UserInformation(content=initiate) if accepted else None,
        **hls,
    )
    return bytes(aare.to_bytes())


def encode_action_result(invoke: int, ok: bool, data: bytes | None = None) -> bytes:
    """ACTION answer; `data` (an octet string's content) makes it ActionResponseNormalWithData."""
    status = enumerations.ActionResultStatus.SUCCESS if ok else enumerations.ActionResultStatus.OTHER_REASON
    if data is None:
        return bytes(xdlms.ActionResponseNormal(status, _invoke(invoke)).to_bytes())
    payload = bytes(dlms_data.OctetStringData(data).to_bytes())
    return bytes(xdlms.ActionResponseNormalWithData(status, payload, _invoke(invoke)).to_bytes())


def encode_rlre() -> bytes:
    return bytes(acse.ReleaseResponse(reason=enumerations.ReleaseResponseReason.NORMAL).to_bytes())


def _invoke_byte(invoke: int) -> bytes:
    return bytes(InvokeIdAndPriority(invoke_id=invoke, confirmed=True, high_priority=True).to_bytes())


def encode_get_data(invoke: int, raw: bytes) -> bytes:
    # GetResponseNormal.to_bytes in 25.1 appends bytes to a bytearray (TypeError): the header is built here.
    return b"\xc4\x01" + _invoke_byte(invoke) + b"\x00" + raw


def encode_get_error(invoke: int, code: int) -> bytes:
    return bytes(xdlms.GetResponseNormalWithError(enumerations.DataAccessResult(code), _invoke(invoke)).to_bytes())


def encode_get_block(invoke: int, number: int, last: bool, raw: bytes) -> bytes:
    cls = xdlms.GetResponseLastBlock if last else xdlms.GetResponseWithBlock
    return bytes(cls(raw, number, _invoke(invoke)).to_bytes())


def encode_list_payload(items: list[bytes | int]) -> bytes:
    """Body of a GET-with-list answer: each item is encoded Data or a Data-Access-Result code."""
    out = bytearray(dlms_data.encode_variable_integer(len(items)))
    for item in items:
        out += b"\x00" + item if isinstance(item, bytes) else bytes((1, item))
    return bytes(out)


def encode_get_list(invoke: int, payload: bytes) -> bytes:
    return b"\xc4\x03" + _invoke_byte(invoke) + payload


def encode_set_result(invoke: int, code: int) -> bytes:
    return b"\xc5\x01" + _invoke_byte(invoke) + bytes((code,))


def _invoke(invoke: int) -> Any:
    return InvokeIdAndPriority(invoke_id=invoke, confirmed=True, high_priority=True)


class Encode:
    """A-XDR encoders for the simulated meter's values (dlms-cosem's data classes underneath)."""

    @staticmethod
    def array(items: list[bytes]) -> bytes:
        return b"\x01" + bytes(dlms_data.encode_variable_integer(len(items))) + b"".join(items)

    @staticmethod
    def structure(items: list[bytes]) -> bytes:
        return b"\x02" + bytes(dlms_data.encode_variable_integer(len(items))) + b"".join(items)

    @staticmethod
    def octets(value: bytes) -> bytes:
        return bytes(dlms_data.OctetStringData(value).to_bytes())

    @staticmethod
    def visible(value: str) -> bytes:
        return bytes(dlms_data.VisibleStringData(value).to_bytes())

    @staticmethod
    def u32(value: int) -> bytes:
        return bytes(dlms_data.DoubleLongUnsignedData(value).to_bytes())

    @staticmethod
    def i32(value: int) -> bytes:
        return bytes(dlms_data.DoubleLongData(value).to_bytes())

    @staticmethod
    def u16(value: int) -> bytes:
        return bytes(dlms_data.UnsignedLongData(value).to_bytes())

    @staticmethod
    def u8(value: int) -> bytes:
        return bytes(dlms_data.UnsignedIntegerData(value).to_bytes())

    @staticmethod
    def i8(value: int) -> bytes:
        return bytes(dlms_data.IntegerData(value).to_bytes())

    @staticmethod
    def enum(value: int) -> bytes:
        return bytes(dlms_data.EnumData(value).to_bytes())

    @staticmethod
    def u64(value: int) -> bytes:
        return bytes(dlms_data.UnsignedLong64Data(value).to_bytes())
