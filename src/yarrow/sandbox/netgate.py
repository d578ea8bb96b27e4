"""The only way out of a jail with network: a relay to the configured SSRF proxy.

A jail always has its own network namespace with nothing but loopback, so it cannot reach the host,
the LAN or the metadata address directly. When a run is granted network, the service opens a
listening socket *inside* the jail's namespace (``setns`` on a service thread, before the
interpreter starts) at ``127.0.0.1:3128`` and relays every connection to the SSRF proxy, which
decides what may be fetched. The run's ``HTTP_PROXY``/``HTTPS_PROXY`` point at that address.
"""

from __future__ import annotations

import contextlib
import ctypes
import logging
import os
import select
import socket
import threading
from collections.abc import Iterator
from typing import Any
from urllib.parse import urlsplit

from yarrow.errors import ConfigurationError

logger = logging.getLogger(__name__)

CLONE_NEWNET = 0x40000000
#: Address of the relay inside every jail.
RELAY_HOST = "127.0.0.1"
RELAY_PORT = 3128

_libc = ctypes.CDLL(None, use_errno=True)


def _setns(fd: int) -> None:
    if _libc.setns(fd, CLONE_NEWNET) != 0:
        err = ctypes.get_errno()
        raise OSError(err, os.strerror(err))


def listen_in_namespace(netns_path: str, host: str, port: int) -> socket.socket:
    """A listening TCP socket created inside the network namespace at ``netns_path``.

    The calling thread enters the namespace only for the ``socket()`` call and returns to its own
    before this function returns (or raises).
    """
    own = os.open(f"/proc/self/task/{threading.get_native_id()}/ns/net", os.O_RDONLY)
    target = os.open(netns_path, os.O_RDONLY)
    try:
        _setns(target)
        try:
            listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        finally:
            _setns(own)  # an exception here leaves the thread in the jail's namespace: fatal
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind((host, port))
        listener.listen(16)
        return listener
    finally:
        os.close(own)
        os.close(target)


class ProxyGate:
    """Relays a jail's connections to one upstream proxy.

    Args:
        proxy_url: the SSRF proxy, ``http://host:port``.
        max_connections: concurrent connections one run may hold open.
        connect_timeout: seconds to reach the upstream proxy.
    """

    def __init__(
        self, proxy_url: str, *, max_connections: int = 16, connect_timeout: float = 5.0
    ) -> None:
        parts = urlsplit(proxy_url)
        if parts.scheme != "http" or not parts.hostname:
            raise ConfigurationError(f"Sandbox proxy must be an http:// URL, got {proxy_url!r}.")
        self.upstream = (parts.hostname, parts.port or 3128)
        self._max_connections = max_connections
        self._connect_timeout = connect_timeout

    def environment(self) -> dict[str, str]:
        """Proxy variables for the run (upper and lower case, as clients differ)."""
        url = f"http://{RELAY_HOST}:{RELAY_PORT}"
        names = ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY")
        return {n: url for name in names for n in (name, name.lower())}

    @contextlib.contextmanager
    def attach(self, netns_path: str) -> Iterator[None]:
        """Serve the relay inside ``netns_path`` until the context exits."""
        listener = listen_in_namespace(netns_path, RELAY_HOST, RELAY_PORT)
        stop_r, stop_w = os.pipe()
        thread = threading.Thread(
            target=self._serve, args=(listener, stop_r), name="sandbox-netgate", daemon=True
        )
        thread.start()
        try:
            yield
        finally:
            os.write(stop_w, b"x")
            thread.join(timeout=5)
            listener.close()
            os.close(stop_r)
            os.close(stop_w)

    def _serve(self, listener: socket.socket, stop_fd: int) -> None:
        pairs: dict[socket.socket, socket.socket] = {}
        try:
            while True:
                watched: list[Any] = [listener, stop_fd, *pairs]
                readable, _, _ = select.select(watched, [], [])
                if stop_fd in readable:
                    return
                for sock in readable:
                    if sock is listener:
                        self._accept(listener, pairs)
                    elif isinstance(sock, socket.socket) and sock in pairs:
                        self._pump(sock, pairs)
        finally:
            for sock in pairs:
                sock.close()

    def _accept(self, listener: socket.socket, pairs: dict[socket.socket, socket.socket]) -> None:
        client, _ = listener.accept()
        if len(pairs) // 2 >= self._max_connections:
            client.close()
            return
        try:
            upstream = socket.create_connection(self.upstream, timeout=self._connect_timeout)
        except OSError as exc:
            logger.warning("sandbox proxy %s:%d unreachable: %s", *self.upstream, exc)
            client.close()
            return
        upstream.settimeout(None)
        pairs[client] = upstream
        pairs[upstream] = client

    def _pump(self, sock: socket.socket, pairs: dict[socket.socket, socket.socket]) -> None:
        peer = pairs[sock]
        try:
            data = sock.recv(65536)
            if data:
                peer.sendall(data)
                return
        except OSError:
            pass
        for end in (sock, peer):
            pairs.pop(end, None)
            end.close()
