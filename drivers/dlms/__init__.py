"""DLMS/COSEM meters under the СПОДЭС profile: HDLC (RS-485, optical mode E, TCP gateways) and the TCP wrapper.

Must not be imported by the portal. Public API: DlmsSession, DlmsSettings, ScalerCache, probe_hdlc_address.
"""

from drivers.dlms.probe import probe_hdlc_address
from drivers.dlms.scalers import ScalerCache
from drivers.dlms.session import DlmsSession
from drivers.dlms.settings import DlmsSettings

__all__ = ["DlmsSession", "DlmsSettings", "ScalerCache", "probe_hdlc_address"]
