"""DlmsSettings: everything a DLMS session needs to reach one meter, validated when it is built.

Must not hold I/O objects or secrets in its repr: the password is kept but never printed or logged.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from drivers.errors import ConfigurationError
from drivers.obis import Obis

FRAME_COUNTER = Obis(0, 0, 43, 1, 0)  # Green Book: invocation counter of security setup 0 (class 1)

PUBLIC_CLIENT = 16
READER_CLIENT = 32  # СПОДЭС «считыватель»; never use the configurator (48) for polling


@dataclass(frozen=True, kw_only=True, slots=True)
class DlmsSettings:
    """How to talk to one DLMS/COSEM meter.

    transport: "hdlc" (RS-485, optical port, or a TCP gateway in front of a line) or "wrapper" (the meter's own
        TCP port, IEC 62056-47).
    client_address: 16 public client (auth none), 32 reader (auth lls).
    server_logical: logical device, 1 = management logical device (СПОДЭС).
    server_physical: HDLC physical address on a multi-drop line (the manufacturer's rule, often from the serial
        number; drivers.dlms.objects.spodes_physical_address is only a guess); None for a point-to-point optical
        port. Above 127 the four-byte address form is used automatically.
    address_size: 0 = shortest form that fits, or force 1, 2 or 4 bytes for meters that insist.
    auth: "none", "lls" or "hls-gmac". password: the LLS secret (bytes or str); excluded from repr.
    auth_key, cipher_key: HLS-GMAC (security suite 0) authentication and block cipher keys, 16 bytes each; excluded
        from repr. With them every xDLMS APDU after the AARQ is authenticated and encrypted (general-glo-ciphering).
    system_title: our 8-byte client system title (the GCM nonce's fixed part; 3 letters of manufacturer + 5 bytes).
    frame_counter: the meter's Data object holding the last invocation counter it accepted from us, read with the
        public client before an HLS association so we never reuse one (meters refuse replays); None: start at 1.
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
    auth: Literal["none", "lls", "hls-gmac"] = "none"
    password: bytes | None = field(default=None, repr=False)
    auth_key: bytes | None = field(default=None, repr=False)
    cipher_key: bytes | None = field(default=None, repr=False)
    system_title: bytes = b"UCH00001"
    frame_counter: Obis | None = FRAME_COUNTER
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
        if self.auth not in ("none", "lls", "hls-gmac"):
            raise ConfigurationError(f"auth must be none, lls or hls-gmac, got {self.auth!r}")
        if self.auth == "lls" and not self.password:
            raise ConfigurationError("auth lls needs a password")
        if self.auth == "hls-gmac" and not (
            self.auth_key and self.cipher_key and len(self.auth_key) == 16 and len(self.cipher_key) == 16
        ):
            raise ConfigurationError("auth hls-gmac needs a 16-byte auth_key and cipher_key (AES-128, suite 0)")
        if len(self.system_title) != 8:
            raise ConfigurationError("system_title must be 8 bytes")
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
