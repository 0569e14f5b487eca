"""config.yaml as typed, validated settings: unknown keys are errors, cross-field rules checked once at load.

Must not open ports, databases or files other than the config itself; secrets are named by env var, never held.
"""

from __future__ import annotations

import re
from datetime import UTC, timedelta
from pathlib import Path
from typing import Annotated, Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import yaml
from apscheduler.triggers.cron import CronTrigger
from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, ValidationError, field_validator, model_validator

from drivers.errors import ConfigurationError
from drivers.modbus import map_name

_DURATION = re.compile(r"^\s*(\d+)\s*(s|m|h|d)\s*$")
_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400}
_ENV_NAME = re.compile(r"^[A-Z_][A-Z0-9_]*$")


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


def parse_duration(value: Any) -> timedelta:
    """'90s', '15m', '6h', '1d' or a number of seconds."""
    if isinstance(value, timedelta):
        return value
    if isinstance(value, int | float) and not isinstance(value, bool) and value >= 0:
        return timedelta(seconds=value)
    if isinstance(value, str):
        match = _DURATION.match(value)
        if match:
            return timedelta(seconds=int(match.group(1)) * _UNITS[match.group(2)])
    raise ValueError(f"not a duration: {value!r} (write e.g. 30s, 15m, 6h, 1d)")


Duration = Annotated[timedelta, BeforeValidator(parse_duration)]


def _check_positive(value: timedelta | None) -> timedelta | None:
    # A zero timeout fails every read; APScheduler quietly turns a zero interval into one second.
    if value is not None and value <= timedelta(0):
        raise ValueError("must be longer than zero")
    return value


def _check_env_name(value: str | None) -> str | None:
    if value is not None and not _ENV_NAME.match(value):
        raise ValueError(f"must be the NAME of an environment variable (A-Z, 0-9, _), got {value!r}")
    return value


def _check_timezone(value: str) -> str:
    try:
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError(f"unknown time zone {value!r} (use an IANA name such as Asia/Yekaterinburg)") from None
    return value


def _check_baud(value: int) -> int:
    if value not in (300, 1200, 2400, 4800, 9600, 19200, 38400, 57600, 115200):
        raise ValueError(f"unusual baud rate {value}: use 300, 1200 … 115200")
    return value


class EmbeddedDatabase(Strict):
    data_dir: Path = Path("var/pgdata")


class DatabaseConfig(Strict):
    dsn: str | None = None
    dsn_env: str | None = "UCHET_DATABASE_URL"
    embedded: EmbeddedDatabase = EmbeddedDatabase()

    _env = field_validator("dsn_env")(_check_env_name)

    @field_validator("dsn")
    @classmethod
    def _no_password_in_file(cls, value: str | None) -> str | None:
        # user:password@ or :password@ (no user) in a URL, or a password= keyword.
        if value and re.search(r"://[^/@:]*:[^@/]+@|password\s*=", value):
            raise ValueError("the DSN holds a password: put it in PGPASSWORD or ~/.pgpass, not in config.yaml")
        return value


class SerialLine(Strict):
    name: str
    kind: Literal["serial"]
    port: str
    baud: int = 9600
    parity: Literal["N", "E", "O"] = "N"
    bytesize: Literal[7, 8] = 8
    stopbits: Literal[1, 2] = 1
    timeout: Duration = timedelta(seconds=1)
    optical: bool = False  # IEC 62056-21 mode E opening at 300 Bd before HDLC

    _baud = field_validator("baud")(_check_baud)
    _timeout = field_validator("timeout")(_check_positive)


class TcpLine(Strict):
    name: str
    kind: Literal["tcp"]
    host: str
    port: int = Field(ge=1, le=65535)
    # What travels in the TCP stream: a meter's own IP port (mbap / wrapper) or a gateway to RS-485 (rtu / hdlc).
    framing: Literal["mbap", "rtu", "wrapper", "hdlc"]
    timeout: Duration = timedelta(seconds=2)

    _timeout = field_validator("timeout")(_check_positive)


class SimulatedLine(Strict):
    """Built-in simulated meters (drivers.sim) on a pseudo-terminal or a local TCP port, for demos and tests."""

    name: str
    kind: Literal["simulated"]
    protocol: Literal["modbus", "dlms"]
    transport: Literal["pty", "tcp"] = "pty"
    framing: Literal["rtu", "mbap", "hdlc", "wrapper"] | None = None
    baud: int = 9600
    pace: bool = True  # send bytes at the baud rate with meter turnaround, as a real line does
    optical: bool = False
    timeout: Duration = timedelta(seconds=1)

    _baud = field_validator("baud")(_check_baud)
    _timeout = field_validator("timeout")(_check_positive)

    @model_validator(mode="after")
    def _framing_fits(self) -> SimulatedLine:
        allowed = {"modbus": {"rtu", "mbap"}, "dlms": {"hdlc", "wrapper"}}[self.protocol]
        if self.framing is not None and self.framing not in allowed:
            raise ValueError(f"framing {self.framing!r} does not fit protocol {self.protocol!r}: use {sorted(allowed)}")
        if self.transport == "pty" and self.framing in ("mbap", "wrapper"):
            raise ValueError(f"framing {self.framing!r} travels over TCP only; use transport: tcp")
        if self.optical and self.protocol != "dlms":
            raise ValueError("optical (mode E) lines carry DLMS only")
        return self


Line = Annotated[SerialLine | TcpLine | SimulatedLine, Field(discriminator="kind")]


class DlmsMeterSettings(Strict):
    client: int = Field(32, ge=1, le=127, description="16 public client, 32 reader (считыватель)")
    auth: Literal["none", "lls", "hls-gmac"] = "lls"
    logical: int = Field(1, ge=1, le=16383)
    password_env: str | None = None
    # HLS-GMAC (suite 0): the NAMES of env vars holding the 16-byte keys as 32 hex digits, never the keys.
    auth_key_env: str | None = None
    cipher_key_env: str | None = None
    system_title: str | None = Field(None, pattern=r"^[0-9A-Fa-f]{16}$", description="our 8-byte title, hex")

    _env = field_validator("password_env", "auth_key_env", "cipher_key_env")(_check_env_name)

    @model_validator(mode="after")
    def _secrets_fit_auth(self) -> DlmsMeterSettings:
        if self.auth == "lls" and self.password_env is None:
            raise ValueError("auth lls needs password_env (the name of the env var that holds the password)")
        if self.auth == "hls-gmac" and (self.auth_key_env is None or self.cipher_key_env is None):
            raise ValueError("auth hls-gmac needs auth_key_env and cipher_key_env (env vars holding the hex keys)")
        if self.auth == "hls-gmac" and self.client == 16:
            raise ValueError("the public client (16) associates without authentication: use client 32 for HLS")
        return self


class MeterConfig(Strict):
    id: str = Field(pattern=r"^[A-Za-z0-9_.-]{1,64}$")
    line: str
    protocol: Literal["dlms", "modbus"]
    address: int = Field(ge=1, le=16383, description="Modbus unit id 1..247 or HDLC physical address")
    model: str
    serial: str | None = None
    timezone: str = "Europe/Moscow"
    object_name: str = ""
    object_address: str = ""
    dlms: DlmsMeterSettings | None = None
    schedules: dict[str, Schedule] = Field(default_factory=dict)  # per-meter overrides of the fleet schedules

    _tz = field_validator("timezone")(_check_timezone)

    @model_validator(mode="after")
    def _protocol_fits(self) -> MeterConfig:
        if self.protocol == "modbus" and not 1 <= self.address <= 247:
            raise ValueError(f"Modbus unit id must be 1..247, got {self.address}")
        if self.protocol == "modbus" and self.dlms is not None:
            raise ValueError("dlms settings on a Modbus meter")
        return self


class Schedule(Strict):
    every: Duration | None = None
    cron: str | None = None
    jitter: Duration = timedelta(seconds=0)
    enabled: bool = True

    _every = field_validator("every")(_check_positive)

    @field_validator("cron")
    @classmethod
    def _cron(cls, value: str | None) -> str | None:
        if value is not None and len(value.split()) != 5:
            raise ValueError(f"cron needs 5 fields (minute hour day month weekday), got {value!r}")
        if value is not None:
            # The scheduler builds the same trigger: a field out of range must stop `config check`, not the daemon.
            try:
                CronTrigger.from_crontab(value, timezone=UTC)
            except ValueError as exc:
                raise ValueError(f"cron {value!r}: {exc}") from None
        return value

    @model_validator(mode="after")
    def _one_trigger(self) -> Schedule:
        if self.enabled and (self.every is None) == (self.cron is None):
            raise ValueError("give exactly one of every or cron")
        return self


TASK_KINDS = ("registers", "load_profile", "billing", "journals", "clock", "nameplate")


class ClockPolicy(Strict):
    correct: bool = False
    max_correction: Duration = timedelta(seconds=30)  # larger drifts are recorded and reported, never set blindly
    min_drift: Duration = timedelta(seconds=5)


class CollectorConfig(Strict):
    data_dir: Path = Path("var/collector")
    metrics_bind: str | None = "127.0.0.1:9108"
    backfill: Duration = timedelta(days=7)  # how far back a new meter's profiles and journals are read
    workers: int = Field(16, ge=1, le=512)


class PortalConfig(Strict):
    bind: str = "127.0.0.1:8000"
    secret_key_env: str = "UCHET_PORTAL_SECRET"  # noqa: S105 - the NAME of the env var, not a secret
    workers: int = Field(2, ge=1, le=64)
    # Seed demo people (consumers owning the configured meters, РЭС staff, dispatcher, admin) at `uchet run`.
    demo_accounts: bool = False

    _env = field_validator("secret_key_env")(_check_env_name)


class Config(Strict):
    database: DatabaseConfig = DatabaseConfig()
    collector: CollectorConfig = CollectorConfig()
    portal: PortalConfig = PortalConfig()
    clock: ClockPolicy = ClockPolicy()
    schedules: dict[str, Schedule] = Field(default_factory=dict)
    lines: list[Line] = Field(default_factory=list)
    meters: list[MeterConfig] = Field(default_factory=list)

    @field_validator("schedules")
    @classmethod
    def _known_tasks(cls, value: dict[str, Schedule]) -> dict[str, Schedule]:
        unknown = sorted(set(value) - set(TASK_KINDS))
        if unknown:
            raise ValueError(f"unknown task kind {unknown[0]!r}: use one of {', '.join(TASK_KINDS)}")
        return value

    @model_validator(mode="after")
    def _cross_checks(self) -> Config:
        problems: list[str] = []
        names = [line.name for line in self.lines]
        for i, name in enumerate(names):
            if names.index(name) != i:
                problems.append(f"lines[{i}].name: duplicate line name {name!r}")
        lines = {line.name: line for line in self.lines}
        seen_ids: dict[str, int] = {}
        seen_addr: dict[tuple[str, int], int] = {}
        shortest = min((s.every for s in self.schedules.values() if s.every), default=None)
        for i, meter in enumerate(self.meters):
            if meter.id in seen_ids:
                problems.append(f"meters[{i}].id: duplicate meter id {meter.id!r} (also meters[{seen_ids[meter.id]}])")
            seen_ids.setdefault(meter.id, i)
            line = lines.get(meter.line)
            if line is None:
                problems.append(f"meters[{i}].line: no line named {meter.line!r}")
                continue
            key = (meter.line, meter.address)
            if key in seen_addr:
                problems.append(
                    f"meters[{i}].address: address {meter.address} already used on line {meter.line!r} "
                    f"by meters[{seen_addr[key]}]"
                )
            seen_addr.setdefault(key, i)
            line_protocol = _line_protocol(line)
            if line_protocol is not None and line_protocol != meter.protocol:
                problems.append(f"meters[{i}].protocol: {meter.protocol} meter on {line_protocol} line {line.name!r}")
            if meter.protocol == "modbus":
                try:
                    map_name(meter.model)
                except ConfigurationError as exc:
                    problems.append(f"meters[{i}].model: {exc}")
            unknown = sorted(set(meter.schedules) - set(TASK_KINDS))
            if unknown:
                problems.append(f"meters[{i}].schedules.{unknown[0]}: unknown task kind")
        for i, line in enumerate(self.lines):
            if shortest is not None and line.timeout >= shortest:
                problems.append(
                    f"lines[{i}].timeout: {line.timeout} is not shorter than the shortest interval {shortest}"
                )
        if problems:
            raise ValueError("\n".join(problems))
        return self

    def line(self, name: str) -> SerialLine | TcpLine | SimulatedLine:
        for line in self.lines:
            if line.name == name:
                return line
        raise KeyError(name)


def _line_protocol(line: SerialLine | TcpLine | SimulatedLine) -> str | None:
    if isinstance(line, SimulatedLine):
        return line.protocol
    if isinstance(line, TcpLine):
        return "modbus" if line.framing in ("mbap", "rtu") else "dlms"
    return None  # a serial line may carry either (one protocol per line is still wise)


class ConfigError(Exception):
    """A config file that cannot be used; `problems` are 'key.path: message' lines."""

    def __init__(self, path: Path, problems: list[str]) -> None:
        super().__init__(f"{path}: " + "; ".join(problems))
        self.path = path
        self.problems = problems


def _location(loc: tuple[int | str, ...]) -> str:
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        elif part in ("serial", "tcp", "simulated") and out.startswith("lines"):
            continue  # the discriminator tag pydantic adds is not a key the user wrote
        else:
            out += f".{part}" if out else str(part)
    return out


def _problems(exc: ValidationError) -> list[str]:
    problems: list[str] = []
    for error in exc.errors():
        where = _location(error["loc"])
        message = str(error["msg"]).removeprefix("Value error, ")
        if error["type"] == "extra_forbidden":
            message = "unknown key"
        for line in message.splitlines():
            # Cross-field checks run at the root and already name their key path ("meters[3].line: ...").
            problems.append(f"{where}: {line}" if where else line)
    return problems


def load_config(path: Path) -> Config:
    """Read and validate a config file; raise ConfigError listing every problem with its key path."""
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise ConfigError(path, [f"cannot read: {exc.strerror}"]) from exc
    except yaml.YAMLError as exc:
        raise ConfigError(path, [f"not valid YAML: {exc}"]) from exc
    if raw is None:
        raw = {}
    if not isinstance(raw, dict):
        raise ConfigError(path, ["the top level must be a mapping of sections"])
    try:
        return Config.model_validate(raw)
    except ValidationError as exc:
        raise ConfigError(path, _problems(exc)) from None
