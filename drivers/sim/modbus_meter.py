"""A simulated Modbus energy meter: plausible physics behind a model's registers, RTU or MBAP, fault switches.

Must not import drivers.modbus or pymodbus. Absent or unaddressed ids stay silent, as on a real RS-485 line.
"""

from __future__ import annotations

import enum
import math
import random
import struct
import threading
import time
from collections.abc import Callable

from drivers.sim.modbus_frame import crc16, exception_pdu, mbap_reply, registers_pdu, rtu_reply
from drivers.sim.modbus_models import MODELS, Model, Slot


class Fault(enum.StrEnum):
    NONE = "none"
    NO_ANSWER = "no_answer"  # stays silent, like a meter with a dead RS-485 transceiver
    EXCEPTION = "exception"  # answers every read with exception 04 (server device failure)
    BAD_CRC = "bad_crc"  # answers with a corrupted CRC (RTU only): a value must never come of it
    MBAP_LENGTH = "mbap_length"  # Modbus TCP: the MBAP length field is off by mbap_length_delta bytes
    MBAP_TID = "mbap_tid"  # Modbus TCP: the reply carries a transaction id that was never sent
    SLOW = "slow"  # turns around slow_s late, still inside a sane deadline
    LATE = "late"  # answers late_s late, after the driver's deadline


class SimulatedModbusMeter:
    """One meter of `model` (a key of drivers.sim.modbus_models.MODELS) at `unit_id`.

    Keyword-only options: framing 'rtu' (serial line, RTU-over-TCP gateway) or 'tcp' (MBAP); serial; seed (values
    are reproducible); time_scale (simulated seconds per real second, so counters move visibly in `make run`);
    utc_offset_h (the object's zone for time-of-use tariffs). `frozen = True` stops the physics for exact tests.
    """

    def __init__(
        self,
        model: str,
        unit_id: int,
        *,
        framing: str = "rtu",
        serial: int | str | None = None,
        seed: int | None = None,
        time_scale: float = 1.0,
        utc_offset_h: int = 3,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.model_name = model  # the register-map name of the same model (drivers.modbus.MAP_NAMES)
        self.model: Model = MODELS[model]
        self.unit_id, self.framing = unit_id, framing
        self.rng = random.Random(seed if seed is not None else unit_id)
        # A text serial (EM24) is reported as given; a numeric one (Eastron) as the number, leading zeros gone.
        self.serial: int | str = serial if serial is not None else 20_000_000 + self.rng.randrange(10**6)
        self.time_scale, self.utc_offset_h, self.clock = time_scale, utc_offset_h, clock
        self.fault = Fault.NONE
        self.slow_s, self.late_s = 0.1, 1.0
        self.mbap_length_delta = 2  # MBAP_LENGTH: +2 claims bytes that never come, -2 leaves bytes in the stream
        self.frozen = False
        # Registers this unit's firmware lacks: any read that touches one answers exception 02 (illegal data
        # address), as a meter of an older firmware revision does for a register its datasheet lists.
        self.illegal_addresses: set[int] = set()
        # Registers answered with every bit set: how ABB B2x meters report a quantity they do not measure.
        self.unavailable_addresses: set[int] = set()
        self.requests_seen = 0
        self._lock = threading.Lock()
        self._last = clock()
        self._sim_time = self._last
        self._phase_u = [230.0 + self.rng.uniform(-3, 3) for _ in range(self.model.phases)]
        self._phase_i = [self.rng.uniform(2, 20) for _ in range(self.model.phases)]
        self._pf = 0.95
        self._freq = 50.0
        self._import_kwh = [0.0, 0.0, 0.0, 0.0]  # per tariff T1..T4
        self._import_kwh[0] = self.rng.uniform(1000, 20000)
        self._import_kwh[1] = self.rng.uniform(500, 10000)
        self._export_kwh = self.rng.uniform(0, 50)
        self._kvarh = [self.rng.uniform(100, 5000), self.rng.uniform(0, 50)]

    # -- physics -------------------------------------------------------------------------------------------------

    @property
    def reply_delay_s(self) -> float:
        """Read by the simulated line: extra turnaround of this meter's next reply."""
        return {Fault.SLOW: self.slow_s, Fault.LATE: self.late_s}.get(self.fault, 0.0)

    def tariff(self) -> int:
        """Time-of-use zone (0-based) at the simulated local time: night T2 23-07, peak T1 07-10 and 17-21, T3."""
        hour = int(((self._sim_time / 3600) + self.utc_offset_h) % 24)
        if hour >= 23 or hour < 7:
            return 1
        return 0 if 7 <= hour < 10 or 17 <= hour < 21 else 2

    def advance(self) -> None:
        """Move the physics to now: voltages and currents wander, energy integrates power (counters only grow)."""
        now = self.clock()
        dt = max(0.0, now - self._last) * self.time_scale
        self._last = now
        if self.frozen or dt == 0:
            return
        self._sim_time += dt
        hours = dt / 3600
        p_kw, q_kvar = self._power_w() / 1000, self._reactive_var() / 1000
        self._import_kwh[self.tariff()] += max(p_kw, 0.0) * hours
        self._kvarh[0] += max(q_kvar, 0.0) * hours
        step = min(dt, 60.0)
        for phase in range(self.model.phases):
            # Mean-reverting random walks: mains voltage near 230 V, loads between 0.5 and 40 A.
            self._phase_u[phase] += (230.0 - self._phase_u[phase]) * 0.05 + self.rng.gauss(0, 0.3) * step**0.5
            self._phase_i[phase] = min(40.0, max(0.5, self._phase_i[phase] + self.rng.gauss(0, 0.2) * step**0.5))
        self._freq = 50.0 + (self._freq - 50.0) * 0.8 + self.rng.gauss(0, 0.005)
        self._pf = min(0.999, max(0.8, self._pf + self.rng.gauss(0, 0.002)))

    def _power_w(self) -> float:
        return sum(u * i * self._pf for u, i in zip(self._phase_u, self._phase_i, strict=True))

    def _reactive_var(self) -> float:
        sin = math.sqrt(1 - self._pf**2)
        return sum(u * i * sin for u, i in zip(self._phase_u, self._phase_i, strict=True))

    def values(self) -> dict[str, float]:
        """Every quantity the meter measures, by OBIS code (what the tests compare readings with)."""
        u, i = self._phase_u, self._phase_i
        result = {
            "1.0.13.7.0.255": self._pf,
            "1.0.14.7.0.255": self._freq,
            "1.0.16.7.0.255": self._power_w(),
            "1.0.9.7.0.255": sum(a * b for a, b in zip(u, i, strict=True)),
            "1.0.1.8.0.255": sum(self._import_kwh),
            "1.0.2.8.0.255": self._export_kwh,
            "1.0.3.8.0.255": self._kvarh[0],
            "1.0.4.8.0.255": self._kvarh[1],
        }
        for zone, kwh in enumerate(self._import_kwh, start=1):
            result[f"1.0.1.8.{zone}.255"] = kwh
        if self.model.phases == 1:
            result.update({"1.0.12.7.0.255": u[0], "1.0.11.7.0.255": i[0]})
        for phase, (cu, ci, cp) in enumerate(((32, 31, 36), (52, 51, 56), (72, 71, 76))[: self.model.phases]):
            result[f"1.0.{cu}.7.0.255"] = u[phase]
            result[f"1.0.{ci}.7.0.255"] = i[phase]
            result[f"1.0.{cp}.7.0.255"] = u[phase] * i[phase] * self._pf
        return result

    # -- register image ------------------------------------------------------------------------------------------

    def _image(self, table: int) -> dict[int, int]:
        words: dict[int, int] = {}
        values = self.values()
        for slot in self.model.slots:
            if slot.table == table:
                for offset, word in enumerate(_encode(slot, values[slot.obis])):
                    words[slot.address + offset] = word
        if table == self.model.serial_table:
            if self.model.serial_text_words:
                shown = self.serial if isinstance(self.serial, str) else f"SIM{self.serial}"
                text = shown.encode()[: 2 * self.model.serial_text_words].ljust(2 * self.model.serial_text_words, b"\0")
                serial_words = list(struct.unpack(f">{self.model.serial_text_words}H", text))
            else:
                serial_words = list(
                    struct.unpack(
                        ">2H", struct.pack(">I", int("".join(c for c in str(self.serial) if c.isdigit()) or 0))
                    )
                )
            for offset, word in enumerate(serial_words):
                words[self.model.serial_address + offset] = word
        return words

    def _read(self, function: int, address: int, count: int) -> bytes:
        if function not in (3, 4):
            return exception_pdu(function, 1)
        if not 1 <= count <= self.model.max_registers:
            return exception_pdu(function, 3)
        ranges = self.model.readable.get(function, ())
        if not any(start <= address and address + count <= end for start, end in ranges):
            return exception_pdu(function, 2)
        if any(address <= missing < address + count for missing in self.illegal_addresses):
            return exception_pdu(function, 2)
        if self.fault is Fault.EXCEPTION:
            return exception_pdu(function, 4)
        image = self._image(function)
        for missing in self.unavailable_addresses:
            image[missing] = 0xFFFF
        return registers_pdu(function, [image.get(address + n, 0) for n in range(count)])

    # -- the bus side ----------------------------------------------------------------------------------------------

    def handle(self, frame: bytes) -> bytes | None:
        """Reply to a frame addressed to this meter; None for other ids, broadcasts, bad CRC, or NO_ANSWER."""
        if self.framing == "tcp":
            if len(frame) < 8:
                return None
            tid, unit, pdu = struct.unpack(">H", frame[:2])[0], frame[6], frame[7:]
        else:
            if len(frame) < 4 or crc16(frame[:-2]) != frame[-2:]:
                return None  # a real slave drops a frame with a bad CRC without a word
            tid, unit, pdu = 0, frame[0], frame[1:-2]
        if unit != self.unit_id or self.fault is Fault.NO_ANSWER or len(pdu) < 5:
            return None
        with self._lock:
            self.requests_seen += 1
            self.advance()
            function, address, count = pdu[0], *struct.unpack(">HH", pdu[1:5])
            reply = self._read(function, address, count)
        if self.framing == "tcp":
            # TCP has no CRC: the equivalent corruption is a header that lies about the frame.
            if self.fault is Fault.MBAP_LENGTH:
                return mbap_reply(tid, unit, reply, length=len(reply) + 1 + self.mbap_length_delta)
            if self.fault is Fault.MBAP_TID:
                return mbap_reply(tid ^ 0x8000, unit, reply)
            return mbap_reply(tid, unit, reply)
        adu = rtu_reply(unit, reply)
        if self.fault is Fault.BAD_CRC:
            adu = adu[:-2] + bytes([adu[-2] ^ 0x5A, adu[-1]])
        return adu


def _encode(slot: Slot, value: float) -> list[int]:
    raw = struct.pack(">f", value) if slot.kind == ">f" else struct.pack(slot.kind, round(value / slot.resolution))
    words = list(struct.unpack(f">{len(raw) // 2}H", raw))
    return words[::-1] if slot.low_word_first else words


def expected_value(slot: Slot, value: float) -> float:
    """What a correct driver must decode from `value` as this slot stores it (float32 or integer rounding)."""
    if slot.kind == ">f":
        return float(struct.unpack(">f", struct.pack(">f", value))[0])
    return round(value / slot.resolution) * slot.resolution
