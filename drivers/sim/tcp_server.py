"""A simulated TCP port in front of devices: a meter with its own IP port, or a serial gateway (no pacing).

Must not know any protocol: a `splitter` cuts request frames, each device decides whether it is addressed.
"""

from __future__ import annotations

import functools
import socket
import threading
from collections.abc import Callable, Sequence
from types import TracebackType
from typing import Self

from drivers.link import wait_readable
from drivers.sim.device import LineStats, SimulatedDevice, Splitter, reply_delay


class SimulatedTcpServer:
    """Devices behind a TCP port: a meter with its own IP port or a serial gateway (no pacing).

    One thread per client connection; frames are handled one at a time across connections, as a gateway does.
    """

    def __init__(
        self,
        devices: Sequence[SimulatedDevice],
        *,
        splitter: Splitter,
        host: str = "127.0.0.1",
        port: int = 0,
        turnaround_s: float = 0.0,
    ) -> None:
        self.devices = list(devices)
        self.splitter = splitter
        self.host, self._requested_port, self.turnaround_s = host, port, turnaround_s
        self.stats = LineStats()
        self._listener: socket.socket | None = None
        self._threads: set[threading.Thread] = set()
        self._conns: set[socket.socket] = set()
        self._registry = threading.Lock()  # guards _threads and _conns: clients come and go while serving
        self._stopping = threading.Event()
        self._bus = threading.Lock()  # one frame at a time across connections; also guards stats

    @property
    def port(self) -> int:
        if self._listener is None:
            raise RuntimeError("the server is not started")
        return int(self._listener.getsockname()[1])

    def start(self) -> Self:
        listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind((self.host, self._requested_port))
        listener.listen(8)
        self._listener = listener
        self._stopping.clear()
        self._spawn(self._accept, "sim-tcp accept")
        return self

    def stop(self) -> None:
        self._stopping.set()
        with self._registry:
            threads, conns = list(self._threads), list(self._conns)
        for thread in threads:
            thread.join(timeout=5)
        for conn in conns:
            conn.close()
        with self._registry:
            self._threads.clear()
            self._conns.clear()
        if self._listener is not None:
            self._listener.close()
            self._listener = None

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()

    def _spawn(self, target: Callable[[], None], name: str) -> None:
        thread = threading.Thread(target=target, name=name, daemon=True)
        # Started under the lock: stop() copies the set under it too, and join() on a thread that was added but
        # not yet started raises RuntimeError (seen when a client connected just as a test stopped the server).
        with self._registry:
            self._threads.add(thread)
            thread.start()

    def _accept(self) -> None:
        assert self._listener is not None
        while not self._stopping.is_set():
            if not wait_readable([self._listener.fileno()], 0.1):
                continue
            conn, _ = self._listener.accept()
            conn.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            with self._registry:
                self._conns.add(conn)
            self._spawn(functools.partial(self._serve_client, conn), "sim-tcp client")

    def _serve_client(self, conn: socket.socket) -> None:
        """Serve one client; when it leaves, close its socket and forget it (reconnecting clients must not leak)."""
        try:
            self._serve(conn)
        finally:
            conn.close()
            with self._registry:
                self._conns.discard(conn)
                self._threads.discard(threading.current_thread())

    def _serve(self, conn: socket.socket) -> None:
        buf = b""
        while not self._stopping.is_set():
            try:
                if not wait_readable([conn.fileno()], 0.1):
                    continue
                data = conn.recv(4096)
            except OSError:
                return
            if not data:
                return
            with self._bus:  # one LineStats for every client thread: += is not atomic
                self.stats.bytes_in += len(data)
            buf += data
            while (cut := self.splitter(buf)) is not None:
                frame, buf = cut
                if not self._answer(conn, frame):
                    return

    def _answer(self, conn: socket.socket, frame: bytes) -> bool:
        with self._bus:
            self.stats.requests += 1
            replies = [(device, reply) for device in self.devices if (reply := device.handle(frame)) is not None]
            if not replies:
                return True
            device, reply = replies[0]
            delay = self.turnaround_s + reply_delay(device)
            if delay > 0 and self._stopping.wait(delay):
                return False
            try:
                conn.sendall(reply)
            except OSError:
                return False
            self.stats.responses += 1
            self.stats.bytes_out += len(reply)
        return True
