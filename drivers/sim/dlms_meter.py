"""The application layer of a simulated СПОДЭС meter: associations (public, reader with LLS or HLS-GMAC and ciphered
xDLMS), GET with blocks and lists, SET of the clock, RLRQ; objects served from drivers.sim.dlms_model.

Must not frame bytes (dlms_port.py does HDLC and the wrapper). Built on dlms-cosem's encoders through
drivers.dlms.apdu, so the simulator exercises the same codec the driver uses (see the report for why).
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from drivers.dlms import apdu, cosem_time, objects
from drivers.dlms.apdu import AttributeRef, Encode, Keys, ServerRequest, ServerSecurity
from drivers.errors import ProtocolError
from drivers.obis import Obis
from drivers.sim.dlms_model import TIME_CORRECTION_S, MeterModel

OBJECT_UNDEFINED = 4
READ_WRITE_DENIED = 3
HLS_GMAC = 5  # authentication mechanism id
FRAME_COUNTER = Obis(0, 0, 43, 1, 0)  # the last client invocation counter accepted, readable by the public client
LOAD_COLUMNS = tuple(Obis(1, 0, c, 29, 0) for c in (1, 2, 3, 4))
BILLING_COLUMNS = (*objects.ENERGY_A_PLUS, Obis(1, 0, 2, 8, 0), Obis(1, 0, 3, 8, 0), Obis(1, 0, 4, 8, 0))
REGISTER_KEYS = {
    Obis(1, 0, 1, 8, 0): ("A+", 0, 30),
    **{Obis(1, 0, 1, 8, t): (f"A+T{t}", 0, 30) for t in (1, 2, 3, 4)},
    Obis(1, 0, 2, 8, 0): ("A-", 0, 30),
    Obis(1, 0, 3, 8, 0): ("R+", 0, 32),
    Obis(1, 0, 4, 8, 0): ("R-", 0, 32),
    Obis(1, 0, 32, 7, 0): ("U", -1, 35),
    Obis(1, 0, 31, 7, 0): ("I", -3, 33),
    Obis(1, 0, 16, 7, 0): ("P", 0, 27),
    Obis(1, 0, 14, 7, 0): ("f", -2, 44),
}
INCREMENT_SCALERS = {obis: (0, 30 if obis.c in (1, 2) else 32) for obis in LOAD_COLUMNS}


@dataclass
class MeterFaults:
    """Switches a test flips at run time."""

    refuse_association: bool = False
    reboot_after_requests: int | None = None  # the port layer acts on it
    bad_hls_proof: bool = False  # answer the client's challenge with a wrong GMAC (an impostor meter)
    impossible_clock: bool = False  # every date-time it sends says hour 24: well-formed bytes, no real moment


@dataclass
class SimulatedDlmsMeter:
    model: MeterModel
    password: bytes = b"12345678"
    max_pdu: int = 512
    faults: MeterFaults = field(default_factory=MeterFaults)
    aarq_count: int = 0
    refused_count: int = 0
    associated_client: int | None = None
    _pdu: int = 512
    _blocks: list[bytes] = field(default_factory=list)
    _invoke: int = 0
    serial_override: str | None = None
    keys: Keys | None = None  # set: the reader (32) must use HLS-GMAC with these keys, and xDLMS is ciphered
    _security: ServerSecurity | None = None
    _hls: tuple[int, bytes, bytes] | None = None  # (client, StoC, CtoS) between AARE and the HLS reply
    _ciphered: bool = False

    def __post_init__(self) -> None:
        if self.keys is not None:
            self._security = ServerSecurity(self.keys)  # lives across sessions: replays stay refused

    def reset(self) -> None:
        """Power cycle or lower-layer disconnect: the association is gone."""
        self.associated_client = None
        self._blocks = []
        self._hls = None
        self._ciphered = False

    def handle_apdu(self, client: int, data: bytes) -> bytes | None:
        try:
            request = apdu.parse_request(data, self._security)
        except ProtocolError:
            return None  # undecodable, or ciphered with other keys / a replayed counter: a real meter drops it
        if request.kind == "aarq":
            return self._associate(client, request)
        if request.kind == "action" and self._hls is not None and self._hls[0] == client:
            return self._hls_reply(request)
        if self.associated_client != client:
            return None  # no association: a real meter answers with an exception; silence is enough here
        if request.kind == "rlrq":  # ACSE: never inside general-glo-ciphering
            self.reset()
            return apdu.encode_rlre()
        if request.ciphered != self._ciphered:
            return None  # a plain request in a ciphered association (or the reverse) is refused
        answer = self._serve(request)
        if answer is not None and self._ciphered and self._security is not None:
            answer = self._security.cipher(answer)
        return answer

    def _serve(self, request: ServerRequest) -> bytes | None:
        if request.kind == "get":
            return self._get(request)
        if request.kind == "get_next":
            return self._next_block(request.block)
        if request.kind == "get_list":
            payload = apdu.encode_list_payload([self.read(ref) for ref in request.refs])
            return self._maybe_blocks(request.invoke, payload, lambda raw: apdu.encode_get_list(request.invoke, raw))
        if request.kind == "set":
            return apdu.encode_set_result(request.invoke, self._set(request.refs[0], request.value))
        return None

    def _associate(self, client: int, request: ServerRequest) -> bytes:
        self.aarq_count += 1
        self.reset()
        ok = not self.faults.refuse_association
        auth_failed = False
        if client == 32 and self._security is not None:
            auth_failed = request.auth != HLS_GMAC or request.decipher_failed or not request.password
            if ok and not auth_failed:
                challenge = os.urandom(32)
                self._hls = (client, challenge, request.password or b"")
                self._pdu = min(self.max_pdu, request.client_max_pdu or self.max_pdu)
                return apdu.encode_aare(
                    accepted=True, auth=HLS_GMAC, max_pdu=self._pdu, challenge=challenge, context=self._security
                )
            ok = False
        elif client == 32:
            auth_failed = request.auth != 1 or request.password != self.password
            ok = ok and not auth_failed
        elif client != 16:
            ok = False
        if not ok:
            self.refused_count += 1
            self.reset()
            return apdu.encode_aare(accepted=False, auth=request.auth, max_pdu=self.max_pdu, auth_failed=auth_failed)
        self.associated_client = client
        self._pdu = min(self.max_pdu, request.client_max_pdu or self.max_pdu)
        return apdu.encode_aare(accepted=True, auth=request.auth, max_pdu=self._pdu)

    def _hls_reply(self, request: ServerRequest) -> bytes | None:
        """Check the client's f(StoC); answer with our f(CtoS) so the client can check us in turn."""
        assert self._hls is not None
        assert self._security is not None
        client, challenge, client_challenge = self._hls
        self._hls = None
        ref = request.refs[0]
        proof = apdu.decode_data(request.value) if request.value[:1] == b"\x09" else None
        if (
            not request.ciphered
            or (ref.class_id, ref.obis, ref.attribute) != (15, apdu.ASSOCIATION_LN, 1)
            or not isinstance(proof, bytes)
            or not self._security.verify(proof, challenge)
        ):
            self.refused_count += 1
            return self._security.cipher(apdu.encode_action_result(request.invoke, False))
        mine = self._security.proof(client_challenge)
        if self.faults.bad_hls_proof:
            mine = mine[:-1] + bytes((mine[-1] ^ 0xFF,))
        self.associated_client, self._ciphered = client, True
        return self._security.cipher(apdu.encode_action_result(request.invoke, True, mine))

    def _get(self, request: ServerRequest) -> bytes:
        value = self.read(request.refs[0], request.selector)
        if isinstance(value, int):
            return apdu.encode_get_error(request.invoke, value)
        return self._maybe_blocks(request.invoke, value, lambda raw: apdu.encode_get_data(request.invoke, raw))

    def _maybe_blocks(self, invoke: int, raw: bytes, whole: Callable[[bytes], bytes]) -> bytes:
        overhead = 32 if self._ciphered else 0  # general-glo-ciphering adds title, counter and a 12-byte tag
        size = self._pdu - 16 - overhead
        if len(raw) + 8 + overhead <= self._pdu:
            return whole(raw)
        self._invoke = invoke
        self._blocks = [raw[i : i + size] for i in range(0, len(raw), size)]
        return self._next_block(0)

    def _next_block(self, acknowledged: int) -> bytes:
        number = acknowledged + 1
        if not 1 <= number <= len(self._blocks):
            return apdu.encode_get_error(self._invoke, 19)  # data-block-number-invalid
        return apdu.encode_get_block(self._invoke, number, number == len(self._blocks), self._blocks[number - 1])

    # -- the objects ----------------------------------------------------------------------------------------------

    def clock_bytes(self, moment: datetime | None = None) -> bytes:
        raw = cosem_time.encode(moment or self.model.now(), utc_offset_min=self.model.utc_offset_min)
        return raw[:5] + bytes((24,)) + raw[6:] if self.faults.impossible_clock else raw

    def read(self, ref: AttributeRef, selector: apdu.RangeSelector | None = None) -> bytes | int:
        obis, attr = ref.obis, ref.attribute
        if obis == objects.CLOCK and attr == 2:
            return Encode.octets(self.clock_bytes())
        if obis in objects.NAMEPLATE and attr == 2:
            return self._nameplate(objects.NAMEPLATE[obis])
        if obis in (objects.CT_RATIO, objects.VT_RATIO) and attr == 2:
            return Encode.u16(1)
        if obis == FRAME_COUNTER and attr == 2 and self._security is not None:
            return Encode.u32(self._security.client_ic)
        if obis in REGISTER_KEYS:
            key, scaler, unit = REGISTER_KEYS[obis]
            if attr == 2:
                return Encode.u32(self.model.registers(self.model.now())[key] % 2**32)
            if attr == 3:
                return Encode.structure([Encode.i8(scaler), Encode.enum(unit)])
        if obis in INCREMENT_SCALERS and attr == 3:
            return Encode.structure([Encode.i8(INCREMENT_SCALERS[obis][0]), Encode.enum(INCREMENT_SCALERS[obis][1])])
        if ref.class_id == objects.CLASS_PROFILE:
            return self._profile(obis, attr, selector)
        return OBJECT_UNDEFINED

    def _nameplate(self, name: str) -> bytes:
        values = {
            "serial": self.serial_override or self.model.serial,
            "model": "СИМ-1 DLMS",
            "firmware": "1.4.2",
            "manufacturer": "uchet simulator",
            "manufactured": "2024-06-01",
            "spodes_version": "2.1",
        }
        return Encode.octets(values[name].encode("utf-8"))

    def _profile(self, obis: Obis, attr: int, selector: apdu.RangeSelector | None) -> bytes | int:
        columns = self._columns(obis)
        if columns is None:
            return OBJECT_UNDEFINED
        if attr == 3:
            return Encode.array([_capture(c, o, a) for c, o, a in columns])
        if attr == 4:
            return Encode.u32(1800 if obis == objects.LOAD_PROFILE else 0)
        if attr != 2:
            return OBJECT_UNDEFINED
        start = selector.start if selector else datetime(2000, 1, 1, tzinfo=UTC)
        end = selector.end if selector else self.model.now()
        return Encode.array(list(self._rows(obis, start, end)))

    def _columns(self, obis: Obis) -> list[tuple[int, Obis, int]] | None:
        clock = (objects.CLASS_CLOCK, objects.CLOCK, 2)
        if obis == objects.LOAD_PROFILE:
            return [clock, *[(objects.CLASS_REGISTER, o, 2) for o in LOAD_COLUMNS]]
        if obis in (objects.DAILY_PROFILE, objects.MONTHLY_PROFILE):
            return [clock, *[(objects.CLASS_REGISTER, o, 2) for o in BILLING_COLUMNS]]
        if obis == objects.SCALER_PROFILES[3]:
            return [(objects.CLASS_REGISTER, o, 3) for o in LOAD_COLUMNS]
        if obis.c == 99 and obis.d == 98 and obis.e in range(14):
            return [clock, (objects.CLASS_DATA, objects.event_code_register(obis.e), 2)]
        return None

    def _rows(self, obis: Obis, start: datetime, end: datetime) -> list[bytes]:
        stamp = Encode.octets
        if obis == objects.LOAD_PROFILE:
            return [
                Encode.structure([stamp(self.clock_bytes(t)), *[Encode.u32(v) for v in values]])
                for t, values in self.model.load_rows(start, end)
            ]
        if obis in (objects.DAILY_PROFILE, objects.MONTHLY_PROFILE):
            keys = [REGISTER_KEYS[o][0] for o in BILLING_COLUMNS]
            monthly = obis == objects.MONTHLY_PROFILE
            return [
                Encode.structure([stamp(self.clock_bytes(t)), *[Encode.u32(v[k]) for k in keys]])
                for t, v in self.model.billing_rows(start, end, monthly=monthly)
            ]
        if obis == objects.SCALER_PROFILES[3]:
            return [Encode.structure([self.read(AttributeRef(3, o, 3)) for o in LOAD_COLUMNS])]  # type: ignore[misc]
        if obis.e == 13:  # time corrections: (new time, old time), no code column (13_time.yaml)
            old = timedelta(seconds=TIME_CORRECTION_S)
            return [
                Encode.structure([stamp(self.clock_bytes(t)), stamp(self.clock_bytes(t - old))])
                for t, _ in self.model.events(13, start, end)
            ]
        return [
            Encode.structure([stamp(self.clock_bytes(t)), Encode.u16(code)])
            for t, code in self.model.events(obis.e, start, end)
        ]

    def _set(self, ref: AttributeRef, value: bytes) -> int:
        if ref.obis != objects.CLOCK or ref.attribute != 2 or self.associated_client != 32:
            return READ_WRITE_DENIED
        decoded = cosem_time.decode(apdu.decode_data(value) if value[:1] == b"\x09" else value)  # type: ignore[arg-type]
        if decoded.moment is None:
            return 12  # type-unmatched
        self.model.clock_offset_s = (decoded.moment - datetime.now(UTC)) / timedelta(seconds=1)
        return 0


def _capture(class_id: int, obis: Obis, attribute: int) -> bytes:
    return Encode.structure([Encode.u16(class_id), Encode.octets(obis.to_bytes()), Encode.i8(attribute), Encode.u16(0)])
