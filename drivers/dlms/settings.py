"""DlmsSettings: everything a DLMS session needs to reach one meter, validated when it is built.

Must not hold I/O objects or secrets in its repr: the password is kept but never printed or logged.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from drivers.errors import ConfigurationError

PUBLIC_CLIENT = 16
READER_CLIENT = 32  # СПОДЭС «считыватель»; never use the configurator (48) for polling


@dataclass(frozen=True, kw_only=True, slots=True)
class DlmsSettings:
    """How to talk to one DLMS/COSEM meter.

    transport: "hdlc" (RS-485, optical port, or a TCP gateway in front of a line) or "wrapper" (the meter's own
        TCP port, IEC 62056-47).
    client_address: 16 public client (auth none), 32 reader (auth lls).
    server_logical: logical device, 1 = management logical device (СПОДЭС).
    server_physical: HDLC physical address on a multi-drop line (СПОДЭС: usually derived from the serial
        number, see drivers.dlms.addressing); None for a point-to-point optical port. Above 127 the four-byte
        address form is used automatically.
    address_size: 0 = shortest form that fits, or force 1, 2 or 4 bytes for meters that insist.
    auth: "none" or "lls". password: the LLS secret (bytes or str); excluded from repr.
    mode_e: open an optical port with the IEC 62056-21 mode E sign-on at 300 Bd, then switch to `baud`.
    baud: the HDLC speed after mode E (and the speed the line is opened with otherwise).
    max_info: proposed HDLC information field (both directions); window: proposed HDLC window.
    max_pdu: proposed client max receive PDU size.
    response_timeout_s: deadline for each answer; retries: repeats of a frame after silence or a bad frame.
    fallback_utc_offset_min: the meter's zone, used only when its clock says 'deviation not specified'.
    inverted_deviation: the meter sends the deviation as a UTC offset (+180 for Moscow), not the Blue Book way.
    use_scaler_profiles: read СПОДЭС scaler profiles 1.0.94.7.x before asking registers one by one.
    profile_chunk_rows: rows asked per GET when reading a long profile (the range is the capture period times
        this; the meter splits the answer into blocks). A day of a 30-minute profile, 48 days of a daily one.
    """

    transport: Literal["hdlc", "wrapper"] = "hdlc"
    client_address: int = PUBLIC_CLIENT
    server_logical: int = 1
    server_physical: int | None = 16
    address_size: int = 0
    auth: Literal["none", "lls"] = "none"
    password: bytes | None = field(default=None, repr=False)
    mode_e: bool = False
    baud: int = 9600
    max_info: int = 128
    window: int = 1
    max_pdu: int = 1024
    response_timeout_s: float = 2.0
    retries: int = 2
    fallback_utc_offset_min: int | None = None
    inverted_deviation: bool = False
    use_scaler_profiles: bool = True
    profile_chunk_rows: int = 48

    def __post_init__(self) -> None:
        if self.transport not in ("hdlc", "wrapper"):
            raise ConfigurationError(f"transport must be hdlc or wrapper, got {self.transport!r}")
        if self.auth not in ("none", "lls"):
            raise ConfigurationError(f"auth must be none or lls, got {self.auth!r}")
        if self.auth == "lls" and not self.password:
            raise ConfigurationError("auth lls needs a password")
        if self.auth == "none" and self.client_address != PUBLIC_CLIENT:
            raise ConfigurationError("only the public client (16) associates without authentication")
        if self.address_size not in (0, 1, 2, 4):
            raise ConfigurationError("address_size must be 0, 1, 2 or 4")
        if self.mode_e and self.transport != "hdlc":
            raise ConfigurationError("mode E opens an optical port: transport must be hdlc")
        if not 32 <= self.max_info <= 2030 or not 1 <= self.window <= 7:
            raise ConfigurationError("max_info must be 32..2030 and window 1..7")
        if self.retries < 0 or self.response_timeout_s <= 0 or self.profile_chunk_rows < 1:
            raise ConfigurationError("retries >= 0, response_timeout_s > 0, profile_chunk_rows >= 1")
        if isinstance(self.password, str):
            object.__setattr__(self, "password", self.password.encode())
