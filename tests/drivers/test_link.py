"""The byte links themselves: a failing socket is a LinkError, whichever method meets it."""

from __future__ import annotations

import socket
import struct
import time

import pytest

from drivers.errors import LinkError
from drivers.link import TcpLink


def test_a_connection_reset_while_discarding_input_is_a_link_error() -> None:
    with socket.create_server(("127.0.0.1", 0)) as server:
        link = TcpLink(host="127.0.0.1", port=server.getsockname()[1])
        link.open()
        try:
            peer, _ = server.accept()
            peer.sendall(b"late reply")
            peer.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            peer.close()  # linger 0: the peer resets the connection instead of closing it
            time.sleep(0.1)
            with pytest.raises(LinkError):
                link.discard_input()
        finally:
            link.close()
