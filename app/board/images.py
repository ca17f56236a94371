"""Item images through the relay: fetched from Toast's URL once, resized, kept.

Each source URL is fetched once (concurrent asks share the fetch) and resized to
every size class at once, so the original is not needed again. Results are kept
in a bounded memory cache and, with ``RELAY_DATA_DIR``, on disk; a failure is
remembered for a while so a broken image does not make every screen ask again.
"""

from __future__ import annotations

import asyncio
import hashlib
import io
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path

from cachetools import LRUCache
from PIL import Image, ImageOps

from app.board.fetch import ImageRefused
from app.clock import Clock
from app.errors import NotFound
from app.files import atomic_write
from app.menu.render import make_etag

SIZES = {"s": 160, "m": 320, "l": 640}
"""Size classes (longest side in pixels) the board asks for by screen height."""
MAX_PIXELS = 40_000_000
"""Larger sources are refused before decoding (a decompression bomb guard)."""
FAILURE_TTL = 300.0
MEMORY_BYTES = 64 * 1024 * 1024
_EXT = {"image/jpeg": "jpg", "image/png": "png"}
_log = logging.getLogger("toast_relay.images")

Fetch = Callable[[str], Awaitable[tuple[bytes, str]]]


@dataclass(frozen=True, slots=True)
class Picture:
    body: bytes
    media_type: str
    etag: bytes

    @classmethod
    def of(cls, body: bytes, media_type: str) -> Picture:
        return cls(body, media_type, make_etag(body).encode())


def resize(data: bytes) -> dict[str, Picture]:
    """Every size class of the image in ``data`` (JPEG, or PNG when it has transparency)."""
    try:
        with Image.open(io.BytesIO(data)) as source:
            if source.width * source.height > MAX_PIXELS:
                raise ImageRefused("the image has too many pixels")
            image = ImageOps.exif_transpose(source)
            alpha = image.mode in ("RGBA", "LA") or (image.mode == "P"
                                                     and "transparency" in image.info)
            image = image.convert("RGBA" if alpha else "RGB")
    except (OSError, ValueError, Image.DecompressionBombError, SyntaxError):
        raise ImageRefused("the image cannot be decoded") from None
    out: dict[str, Picture] = {}
    for name, side in SIZES.items():
        copy = image.copy()
        copy.thumbnail((side, side), Image.Resampling.LANCZOS)
        buf = io.BytesIO()
        if alpha:
            copy.save(buf, "PNG", optimize=True)
        else:
            copy.save(buf, "JPEG", quality=82, optimize=True, progressive=True)
        out[name] = Picture.of(buf.getvalue(), "image/png" if alpha else "image/jpeg")
    return out


class ImageStore:
    def __init__(self, fetch: Fetch, *, clock: Clock, directory: Path | None = None,
                 close: Callable[[], Awaitable[None]] | None = None) -> None:
        self._fetch = fetch
        self._clock = clock
        self._directory = directory
        self._close = close
        self._memory: LRUCache[tuple[str, str], Picture] = LRUCache(
            maxsize=MEMORY_BYTES, getsizeof=lambda p: len(p.body))
        self._loading: dict[str, asyncio.Future[dict[str, Picture]]] = {}
        self._failed: dict[str, tuple[float, str]] = {}

    async def get(self, url: str, size: str) -> Picture:
        """The ``size`` class of the image at ``url``; ``NotFound`` when it cannot be had."""
        key = hashlib.sha1(url.encode(), usedforsecurity=False).hexdigest()
        hit = self._memory.get((key, size))
        if hit is None and self._directory is not None:
            hit = await asyncio.to_thread(self._read, key, size)
        if hit is not None:
            self._memory[(key, size)] = hit
            return hit
        failed = self._failed.get(key)
        if failed is not None and self._clock.monotonic() < failed[0]:
            raise NotFound(f"this item's image is not available ({failed[1]})")
        loading = self._loading.get(key)
        if loading is None:
            loading = self._loading[key] = asyncio.ensure_future(self._load(key, url))
            loading.add_done_callback(lambda _: self._loading.pop(key, None))
        try:
            pictures = await asyncio.shield(loading)
        except ImageRefused as exc:
            raise NotFound(f"this item's image is not available ({exc})") from None
        return pictures[size]

    async def _load(self, key: str, url: str) -> dict[str, Picture]:
        try:
            data, _ = await self._fetch(url)
            pictures = await asyncio.to_thread(resize, data)
        except ImageRefused as exc:
            self._failed[key] = (self._clock.monotonic() + FAILURE_TTL, str(exc))
            _log.warning("image not fetched", extra={"reason": str(exc)})
            raise
        self._failed.pop(key, None)
        for size, picture in pictures.items():
            self._memory[(key, size)] = picture
        if self._directory is not None:
            await asyncio.to_thread(self._write, key, pictures)
        return pictures

    def _path(self, key: str, size: str, media_type: str) -> Path:
        assert self._directory is not None
        return self._directory / f"{key}-{size}.{_EXT[media_type]}"

    def _read(self, key: str, size: str) -> Picture | None:
        for media_type in _EXT:
            path = self._path(key, size, media_type)
            try:
                return Picture.of(path.read_bytes(), media_type)
            except OSError:
                continue
        return None

    def _write(self, key: str, pictures: dict[str, Picture]) -> None:
        try:
            for size, picture in pictures.items():
                atomic_write(self._path(key, size, picture.media_type), picture.body)
        except OSError as exc:  # a full disk must not break the board: memory still has it
            _log.warning("image not saved", extra={"reason": exc.strerror})

    async def close(self) -> None:
        if self._close is not None:
            await self._close()
