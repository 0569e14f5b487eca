"""`uchet doctor`: one meter, step by step — port, mode E, baud, address, association, clock, nameplate, journal —
each ✓ or ✗ with its reason, then a verdict and the one thing to do next.

Must not change the meter (no clock setting, no writes) nor stop at the first failure it can still look past.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import cast

import click

from collector.diagnostics.connection import advice_for, dlms_settings, make_link, make_session, silence_advice
from collector.diagnostics.options import TargetOptions, target_options
from collector.diagnostics.output import Output, drift_text, local_text, mark
from collector.diagnostics.readings import output_options
from collector.diagnostics.simulated import reachable
from collector.diagnostics.target import Target, resolve
from drivers.dlms import DlmsSession, probe_hdlc_address
from drivers.dlms.journal import JOURNAL_NAMES
from drivers.dlms.mode_e import BaudSwitchable, open_mode_e
from drivers.errors import DriverError
from drivers.link import SerialLink, TcpLink
from drivers.modbus import Framing, scan_unit_ids
from drivers.record import Event, Quality
from drivers.session import MeterSession

BAUDS = (9600, 19200, 4800, 2400, 1200, 38400, 57600, 115200)
CLOCK_TOLERANCE_S = 5.0  # config.yaml clock.min_drift default: below it nobody corrects a clock


@dataclass(frozen=True)
class Step:
    name: str
    ok: bool | None  # None: not applicable here
    detail: str
    advice: str = ""


class Doctor:
    """Runs the steps on one open link and prints each as soon as it is known."""

    def __init__(self, target: Target, link: SerialLink | TcpLink, out: Output) -> None:
        self.target, self.link, self.out = target, link, out
        self.steps: list[Step] = []

    def record(self, step: Step) -> Step:
        self.steps.append(step)
        self.out.flush()
        if self.out.as_json:
            self.out.record({"step": step.name, "ok": step.ok, "detail": step.detail, "advice": step.advice or None})
        else:
            click.echo(f"{mark(step.ok)} {step.name:<20} {step.detail}")
            if step.advice and step.ok is False:
                click.echo(f"  {'':<20} → {step.advice}")
        return step

    # -- the steps ----------------------------------------------------------------------------------------------

    def mode_e(self) -> bool:
        if not self.target.mode_e:
            self.record(Step("mode E handshake", None, "not an optical port"))
            return True
        try:
            baud = open_mode_e(cast(BaudSwitchable, self.link), max_baud=self.target.link.baud)
        except DriverError as exc:
            return self.fail("mode E handshake", str(exc), exc)
        self.record(Step("mode E handshake", True, f"identification received, HDLC at {baud} Bd"))
        return True

    def answers(self, address: int, timeout_s: float) -> bool:
        if self.target.protocol == "modbus":
            framing = Framing.TCP if self.target.framing == "mbap" else Framing.RTU
            return bool(scan_unit_ids(self.link, [address], timeout_s=timeout_s, framing=framing))
        return probe_hdlc_address(self.link, address, timeout_s, logical=self.target.logical)

    def baud_and_address(self) -> bool:
        target, where = self.target, f"address {self.target.address}"
        if target.framing == "wrapper":
            self.record(Step("baud probe", None, "TCP link"))
            self.record(Step("address answers", None, "the wrapper port is the meter (checked by association)"))
            return True
        if self.answers(target.address, target.timeout_s):
            speed = f"{target.link.baud} Bd" if target.link.kind == "serial" else "TCP"
            self.record(Step("baud probe", True if target.link.kind == "serial" else None, f"answers at {speed}"))
            self.record(Step("address answers", True, f"{where} answers"))
            return True
        if target.link.kind == "serial" and not target.mode_e:
            assert isinstance(self.link, SerialLink)
            for baud in (b for b in BAUDS if b != target.link.baud):
                self.link.set_baud(baud)
                # Meters turn around within 200 ms: a second per speed is plenty when trying the others.
                if self.answers(target.address, min(target.timeout_s, 1.0)):
                    self.record(Step("baud probe", False, f"no answer at {target.link.baud} Bd, answers at {baud} Bd",
                                     f"set baud: {baud} for this line in config.yaml (or --baud {baud})"))  # fmt: skip
                    self.record(Step("address answers", True, f"{where} answers at {baud} Bd"))
                    return True
            self.link.set_baud(target.link.baud)
            self.record(Step("baud probe", False, f"no answer at any of {', '.join(map(str, BAUDS))} Bd"))
        self.record(Step("address answers", False, f"{where} is silent", silence_advice(target)))
        return False

    def associate(self) -> MeterSession | None:
        """Public association first (proves the stack), then the configured reader; returns a session to use."""
        target = self.target
        if target.protocol == "modbus":
            self.record(Step("association", None, "Modbus has none"))
            return make_session(target, self.link)
        public = DlmsSession(self.link, settings=dlms_settings(target, client=16))
        try:
            public.__enter__()
        except DriverError as exc:
            self.fail("association public", str(exc), exc)
            return None
        if target.client == 16:
            self.record(Step("association public", True, "client 16 accepted"))
            return public
        public.__exit__(None, None, None)
        self.record(Step("association public", True, "client 16 accepted"))
        try:
            reader = DlmsSession(self.link, settings=dlms_settings(target))
        except click.UsageError as exc:
            self.record(Step("association reader", False, exc.message, "export the password, then run doctor again"))
            return self._reopen_public()
        try:
            reader.__enter__()
        except DriverError as exc:
            self.fail("association reader", f"client {target.client}: {exc}", exc)
            return self._reopen_public()
        how = "HLS-GMAC keys accepted, xDLMS ciphered" if target.auth == "hls-gmac" else "LLS password accepted"
        self.record(Step("association reader", True, f"client {target.client} with {how}"))
        return reader

    def _reopen_public(self) -> MeterSession | None:
        session = DlmsSession(self.link, settings=dlms_settings(self.target, client=16))
        try:
            session.__enter__()
        except DriverError:
            return None
        return session

    def clock(self, session: MeterSession) -> None:
        if self.target.protocol == "modbus":
            self.record(Step("clock compared", None, "Modbus meters here have no clock"))
            return
        clock = session.read_clock()
        drift = clock.drift_seconds
        if drift is None or clock.meter_time is None:
            self.record(Step("clock compared", False, f"not read ({clock.quality.value})", "`uchet clock` alone"))
            return
        shown = f"meter {local_text(clock.meter_time, self.target.timezone)}, drift {drift_text(drift)}"
        if abs(drift) <= CLOCK_TOLERANCE_S:
            self.record(Step("clock compared", True, shown))
        else:
            self.record(Step("clock compared", False, shown, f"uchet clock --meter {self.target.name} --set"))

    def nameplate(self, session: MeterSession) -> None:
        plate = session.read_nameplate()
        if plate.serial is None:
            why = plate.extra.get("serial_error", "serial number not given")
            self.record(Step("nameplate read", False, why, "`uchet nameplate` with --trace"))
            return
        detail = f"serial {plate.serial}, {plate.model or '?'} ({plate.manufacturer or '?'})"
        expected = self.target.serial
        if expected and plate.serial.lstrip("0") != expected.lstrip("0"):
            self.record(Step("nameplate read", False, f"{detail}; config.yaml expects {expected}",
                             "another meter answers at this address, or config.yaml is wrong"))  # fmt: skip
            return
        self.record(Step("nameplate read", True, detail))

    def journal(self, session: MeterSession) -> list[Event]:
        if self.target.protocol == "modbus":
            self.record(Step("last journal rows", None, "Modbus meters keep no journals"))
            return []
        since = datetime.now(UTC) - timedelta(days=7)
        events: list[Event] = []
        for number in sorted(JOURNAL_NAMES):
            try:
                events.extend(session.read_journal(number, since))
            except DriverError:
                continue  # a journal this meter does not keep
        events.sort(key=lambda e: e.ts)
        self.record(Step("last journal rows", True, f"{len(events)} event(s) in 7 days"))
        if not self.out.as_json:
            for event in events[-5:]:
                when = local_text(event.ts, self.target.timezone)
                click.echo(f"  {'':<20} {when}  {event.journal}/{event.code} {event.text}")
        return events

    def registers(self, session: MeterSession) -> None:
        readings = session.read_registers()
        good = sum(1 for r in readings if r.quality is Quality.GOOD)
        ok = good == len(readings)
        self.record(Step("registers read", ok, f"{good} of {len(readings)} point(s) good",
                         "" if ok else "`uchet read --trace` to see which request fails"))  # fmt: skip

    def fail(self, name: str, detail: str, exc: DriverError) -> bool:
        self.record(Step(name, False, detail, advice_for(exc, self.target).advice))
        return False

    def run(self) -> None:
        if not self.mode_e():
            return
        try:
            reached = self.baud_and_address()
        except DriverError as exc:
            # The probe raises only when the link itself went away (unplugged adapter, gateway closed the socket).
            self.fail("address answers", f"the link failed while probing: {exc}", exc)
            return
        if not reached:
            return
        session = self.associate()
        if session is None:
            return
        try:
            self.registers(session)
            self.clock(session)
            self.nameplate(session)
            self.journal(session)
        except DriverError as exc:
            self.fail("session", f"lost: {exc}", exc)
        finally:
            session.__exit__(None, None, None)


@contextmanager
def _link(target: Target, out: Output) -> Iterator[tuple[Target, SerialLink | TcpLink, Step]]:
    with reachable(target) as reached:
        link = make_link(reached, out.hook())
        try:
            link.open()
        except DriverError as exc:
            yield reached, link, Step("port opens", False, str(exc), advice_for(exc, reached).advice)
            return
        try:
            yield reached, link, Step("port opens", True, reached.link.describe())
        finally:
            link.close()


def verdict(steps: list[Step]) -> tuple[bool, str]:
    failed = [s for s in steps if s.ok is False]
    if not failed:
        return True, "the meter answers, associates and reads correctly"
    # The step that carries advice names the cause better than a symptom before it ("no baud answered").
    first = next((s for s in failed if s.advice), failed[0])
    return False, f"{first.name}: {first.detail}" + (f" — {first.advice}" if first.advice else "")


@click.command("doctor")
@target_options
@output_options
def doctor_command(target: TargetOptions, as_json: bool, trace: bool) -> None:
    """Diagnose one meter step by step: port, mode E, baud, address, association (public, reader), clock,
    nameplate, journal. Ends with a verdict and what to do. Exit 1 if a step failed.

    \b
    uchet doctor --meter dl-201
    uchet doctor --port /dev/ttyUSB0 --protocol dlms --address 17 --password-env UCHET_DLMS_PASSWORD
    uchet doctor --port /dev/ttyUSB1 --mode-e --protocol dlms     # optical head
    """
    out = Output(as_json=as_json, trace=trace)
    resolved = resolve(target)
    if not as_json:
        click.echo(f"doctor: {resolved.name} ({resolved.protocol}, address {resolved.address})")
    with _link(resolved, out) as (reached, link, opened):
        doctor = Doctor(reached, link, out)
        if doctor.record(opened).ok:
            doctor.run()
        out.flush()
    ok, text = verdict(doctor.steps)
    if as_json:
        out.record({"verdict": "ok" if ok else "problem", "suggestion": text})
    else:
        click.echo(f"{mark(ok)} verdict: {text}")
    if not ok:
        raise SystemExit(1)
