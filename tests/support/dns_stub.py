"""A one-name DNS server on 127.0.0.1 for tests: answers A queries for one name with
an address the test can change, TTL 1 s, like Docker's resolver for a service name."""

from __future__ import annotations

import socket
import struct
import threading
from collections.abc import Iterator
from contextlib import contextmanager


class DnsStub:
    def __init__(self, name: str, address: str) -> None:
        self.name = name.lower().rstrip(".")
        self.address = address
        self.queries = 0
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.sock.bind(("127.0.0.1", 0))
        self.sock.settimeout(0.2)
        self.port: int = self.sock.getsockname()[1]
        self._stop = threading.Event()

    def answer(self, query: bytes) -> bytes:
        """The reply to one query: our address for an A question about our name, else none."""
        qid = query[:2]
        labels, i = [], 12
        while query[i]:
            labels.append(query[i + 1:i + 1 + query[i]].decode().lower())
            i += 1 + query[i]
        qtype = struct.unpack("!H", query[i + 1:i + 3])[0]
        question = query[12:i + 5]
        if ".".join(labels) == self.name and qtype == 1:
            record = struct.pack("!HHHIH", 0xC00C, 1, 1, 1, 4) + socket.inet_aton(self.address)
            return qid + struct.pack("!HHHHH", 0x8180, 1, 1, 0, 0) + question + record
        return qid + struct.pack("!HHHHH", 0x8183, 1, 0, 0, 0) + question  # NXDOMAIN

    def serve(self) -> None:
        while not self._stop.is_set():
            try:
                query, peer = self.sock.recvfrom(512)
            except TimeoutError:
                continue
            self.queries += 1
            self.sock.sendto(self.answer(query), peer)

    @contextmanager
    def running(self) -> Iterator[DnsStub]:
        thread = threading.Thread(target=self.serve, daemon=True)
        thread.start()
        try:
            yield self
        finally:
            self._stop.set()
            thread.join(timeout=2)
            self.sock.close()
