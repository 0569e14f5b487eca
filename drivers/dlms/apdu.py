"""The one door to dlms-cosem 25.1: xDLMS/ACSE APDU encoding and decoding and its association state machine.

Must not do I/O, framing or time-zone logic, and nothing else of ours may import dlms_cosem (its API churns and
its I/O is broken, see DOMAIN.md §3). Client helpers come first, the simulated meter's encoders after.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import structlog
from dlms_cosem import cosem, dlms_data, enumerations, security
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


Response = AssociationResult | GetData | GetBlock | GetList | AccessError | SetResult | None


def _cosem_attribute(ref: AttributeRef) -> Any:
    return cosem.CosemAttribute(
        interface=enumerations.CosemInterface(ref.class_id),
        instance=cosem.Obis(*ref.obis.to_bytes()),
        attribute=ref.attribute,
    )


def _clock_capture() -> Any:
    clock = cosem.CosemAttribute(enumerations.CosemInterface.CLOCK, cosem.Obis(0, 0, 1, 0, 0, 255), 2)
    return CaptureObject(cosem_attribute=clock, data_index=0)


class ClientAssociation:
    """Our side of one application association, kept in dlms-cosem's DlmsConnection state machine."""

    def __init__(self, *, auth: str, password: bytes | None, max_pdu: int) -> None:
        if auth == "lls":
            manager: Any = security.LowLevelSecurityAuthentication(secret=password)
        elif auth == "none":
            manager = security.NoSecurityAuthentication()
        else:
            raise ProtocolError(f"authentication {auth!r} is not supported by this driver")
        self._conn = DlmsConnection(authentication=manager, client_system_title=b"UCHET001", max_pdu_size=max_pdu)
        self._invoke = 0

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
        return _to_response(apdu)


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
    return _py(items[0])


def decode_list_payload(raw: bytes, count: int) -> list[Value | AccessError]:
    """The joined blocks of a GET-with-list answer: count, then (choice, data|result) per item."""
    length, rest = dlms_data.decode_variable_integer(raw)
    if length != count:
        raise ProtocolError(f"list answer has {length} items, asked {count}")
    items = xdlms.GetResponseWithList.parse_list_response(bytes(rest), count)
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


def _ref(attribute: Any) -> AttributeRef:
    return AttributeRef(int(attribute.interface), Obis.from_bytes(attribute.instance.to_bytes()), attribute.attribute)


def _utc(moment: datetime) -> datetime:
    # dlms-cosem 25.1 returns a naive datetime for deviation 0: that is UTC, not local time.
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def parse_request(data: bytes) -> ServerRequest:
    try:
        apdu = XDlmsApduFactory.apdu_from_bytes(bytearray(data))
    except Exception as exc:
        raise ProtocolError(f"undecodable request: {exc}") from exc
    if isinstance(apdu, acse.ApplicationAssociationRequest):
        info = apdu.user_information.content if apdu.user_information else None
        return ServerRequest(
            "aarq",
            auth=int(apdu.authentication or 0),
            password=apdu.authentication_value,
            client_max_pdu=getattr(info, "client_max_receive_pdu_size", 0) or 0,
        )
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


def encode_aare(*, accepted: bool, auth: int, max_pdu: int, auth_failed: bool = False) -> bytes:
    user_diag = enumerations.AcseServiceUserDiagnostics
    diagnostic = (
        user_diag.NULL if accepted else (user_diag.AUTHENTICATION_FAILED if auth_failed else user_diag.NO_REASON_GIVEN)
    )
    conformance = Conformance(
        general_block_transfer=False,
        block_transfer_with_get_or_read=True,
        multiple_references=True,
        selective_access=True,
        get=True,
        set=True,
        action=True,
    )
    initiate = xdlms.InitiateResponse(negotiated_conformance=conformance, server_max_receive_pdu_size=max_pdu)
    aare = acse.ApplicationAssociationResponse(
        result=enumerations.AssociationResult.ACCEPTED
        if accepted
        else enumerations.AssociationResult.REJECTED_PERMANENT,
        result_source_diagnostics=diagnostic,
        authentication=enumerations.AuthenticationMechanism(auth) if auth else None,
        user_information=acse.UserInformation(content=initiate) if accepted else None,
    )
    return bytes(aare.to_bytes())


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
