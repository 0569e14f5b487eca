"""The drivers' exception tree: raised only for a whole link or association, never for one value.

A value that cannot be read is a record with a quality flag (drivers.record), not an exception.
"""


class DriverError(Exception):
    """Root of every error a driver raises."""


class LinkError(DriverError):
    """The link itself failed: port missing or busy, socket refused or closed. The line reconnects with backoff."""


class LinkTimeout(LinkError):
    """Nothing (or not enough) arrived before the deadline on the whole link or association."""


class FramingError(DriverError):
    """Bytes arrived but do not form a valid frame (bad CRC/FCS, wrong length, wrong address)."""


class AuthenticationError(DriverError):
    """The meter refused the association or the password. Must not be retried hot: a meter may lock the port."""


class ProtocolError(DriverError):
    """The meter answered something the protocol does not allow at this point."""


class ConfigurationError(DriverError):
    """The driver was given settings it cannot use (unknown model map, impossible address)."""
