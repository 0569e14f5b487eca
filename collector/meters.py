"""Per-meter driver wiring: which session class, register map or DLMS settings a configured meter needs.

Must not open links or read anything: it turns config into driver settings once, and builds sessions on demand.
Register maps are shared between meters of a model; a DLMS meter keeps its scaler cache across sessions.
"""

from __future__ import annotations

import os
from datetime import UTC, datetime
from functools import cache
from zoneinfo import ZoneInfo

from collector.config import Config, MeterConfig
from collector.lines import LineConfig, framing_of, is_optical
from drivers.dlms import DlmsSession, DlmsSettings, ScalerCache
from drivers.errors import ConfigurationError
from drivers.link import Link
from drivers.modbus import Framing, ModbusSession, RegisterMap, load_map, map_name
from drivers.modbus.splits import SplitMemory
from drivers.session import MeterSession

DEFAULT_DLMS_PASSWORD_ENV = "UCHET_DLMS_PASSWORD"  # noqa: S105 - the NAME of the env var used by the demo config


@cache
def register_map(model: str) -> RegisterMap:
    """The register map of a configured Modbus model ('sdm630' and 'eastron_sdm630' both work)."""
    return load_map(map_name(model))


def utc_offset_min(timezone: str) -> int:
    """Russian zones have no DST, so today's offset is the zone's offset."""
    offset = datetime.now(UTC).astimezone(ZoneInfo(timezone)).utcoffset()
    return 0 if offset is None else int(offset.total_seconds() // 60)


class MeterPlan:
    """Everything needed to open a session with one meter; small, since 10,000 of these are kept."""

    __slots__ = ("_dlms", "_scalers", "_splits", "config", "line")

    def __init__(self, config: MeterConfig, line: LineConfig) -> None:
        self.config = config
        self.line = line
        self._dlms: DlmsSettings | None = None
        self._scalers: ScalerCache | None = None  # what the meter taught us, kept across sessions:
        self._splits: SplitMemory | None = None  # scalers (DLMS), register groups it refuses whole (Modbus)

    @property
    def id(self) -> str:
        return self.config.id

    @property
    def protocol(self) -> str:
        return self.config.protocol

    def session(self, link: Link, timeout_s: float) -> MeterSession:
        """A session on the open link; ConfigurationError if the meter's settings cannot work (no password, model)."""
        if self.config.protocol == "modbus":
            framing = Framing.TCP if framing_of(self.line) == "mbap" else Framing.RTU
            if self._splits is None:
                self._splits = SplitMemory()
            return ModbusSession(
                link,
                unit_id=self.config.address,
                register_map=register_map(self.config.model),
                framing=framing,
                timeout_s=timeout_s,
                splits=self._splits,
            )
        if self._scalers is None:
            self._scalers = ScalerCache()
        return DlmsSession(link, settings=self.dlms_settings(timeout_s), scalers=self._scalers)

    def dlms_settings(self, timeout_s: float) -> DlmsSettings:
        if self._dlms is None:
            dlms = self.config.dlms
            password: bytes | None = None
            if dlms is not None and dlms.auth == "lls":
                env = dlms.password_env or DEFAULT_DLMS_PASSWORD_ENV
                secret = os.environ.get(env)
                if not secret:
                    raise ConfigurationError(f"meter {self.id}: the LLS password env var {env} is not set")
                password = secret.encode()
            hls = dlms is not None and dlms.auth == "hls-gmac"
            wrapper = framing_of(self.line) == "wrapper"
            self._dlms = DlmsSettings(
                transport="wrapper" if wrapper else "hdlc",
                client_address=dlms.client if dlms else 16,
                server_logical=dlms.logical if dlms else 1,
                server_physical=None if wrapper else self.config.address,
                auth=dlms.auth if dlms else "none",
                password=password,
                mode_e=is_optical(self.line),
                response_timeout_s=timeout_s,
                fallback_utc_offset_min=utc_offset_min(self.config.timezone),
                auth_key=hex_key(self.id, dlms.auth_key_env) if dlms and hls else None,
                cipher_key=hex_key(self.id, dlms.cipher_key_env) if dlms and hls else None,
                system_title=bytes.fromhex(dlms.system_title) if dlms and dlms.system_title else b"UCH00001",
            )
        return self._dlms


def hex_key(meter_id: str, env: str | None) -> bytes:
    """A 16-byte AES key from the env var named in config.yaml (32 hex digits); ConfigurationError otherwise."""
    value = os.environ.get(env or "", "").strip()
    try:
        key = bytes.fromhex(value)
    except ValueError:
        key = b""
    if len(key) != 16:
        raise ConfigurationError(f"meter {meter_id}: ${env} must hold a 16-byte key as 32 hex digits")
    return key


def meter_plans(config: Config) -> dict[str, MeterPlan]:
    lines = {line.name: line for line in config.lines}
    return {meter.id: MeterPlan(meter, lines[meter.line]) for meter in config.meters}
