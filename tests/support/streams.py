"""Many ``/events`` streams from one asyncio loop over raw loopback sockets (a thread per
stream, as ``SseReader`` uses, does not scale to hundreds)."""

from __future__ import annotations

import asyncio
import re

import orjson

WAIT = 30.0
"""Seconds a stream may take to say anything the test waits for."""
UPDATE = re.compile(rb"event: update\ndata: (\{[^\n]*\})\n\n")
OPEN_AT_ONCE = 50


class Stream:
    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter,
                 status: int) -> None:
        self.reader = reader
        self.writer = writer
        self.status = status
        self._buffer = b""

    async def next_update(self) -> dict[str, str]:
        """The next ``event: update``'s data (heartbeats and chunk framing skipped)."""
        async with asyncio.timeout(WAIT):
            while True:
                found = UPDATE.search(self._buffer)
                if found is not None:
                    self._buffer = self._buffer[found.end():]
                    data: dict[str, str] = orjson.loads(found.group(1))
                    return data
                chunk = await self.reader.read(4096)
                if not chunk:
                    raise EOFError("the stream ended")
                self._buffer += chunk

    async def ended(self) -> bool:
        """True once the server has closed the stream (read to its end)."""
        async with asyncio.timeout(WAIT):
            while await self.reader.read(4096):
                pass
        return True

    def close(self) -> None:
        self.writer.close()


async def open_stream(port: int, path: str, key: str) -> Stream:
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    writer.write(f"GET {path} HTTP/1.1\r\nHost: relay\r\nX-API-Key: {key}\r\n"
                 "Accept: text/event-stream\r\n\r\n".encode())
    head = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), WAIT)
    return Stream(reader, writer, int(head.split(b" ", 2)[1]))


async def open_streams(port: int, path: str, key: str, n: int) -> list[Stream]:
    """``n`` streams, each with its opening update read (so each is subscribed)."""
    gate = asyncio.Semaphore(OPEN_AT_ONCE)

    async def one() -> Stream:
        async with gate:
            stream = await open_stream(port, path, key)
            if stream.status == 200:
                await stream.next_update()
            return stream

    return list(await asyncio.gather(*(one() for _ in range(n))))
