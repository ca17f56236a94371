"""Item images: the SSRF-safe fetcher, resizing, and the fetch-once store."""

from __future__ import annotations

import asyncio
import io
import stat
from pathlib import Path

import httpx
import pytest
import respx
from PIL import Image

from app.board.fetch import Fetcher, ImageRefused, address_allowed
from app.board.images import SIZES, ImageStore, resize
from app.clock import FakeClock
from app.errors import NotFound

PUBLIC = "93.184.216.34"


def jpeg(width: int = 800, height: int = 600) -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", (width, height), (200, 80, 40)).save(buf, "JPEG")
    return buf.getvalue()


@pytest.mark.parametrize(("address", "allowed"), [
    (PUBLIC, True), ("2606:2800:220:1:248:1893:25c8:1946", True),
    ("127.0.0.1", False), ("10.1.2.3", False), ("192.168.1.10", False), ("172.16.0.1", False),
    ("169.254.169.254", False), ("100.64.0.1", False), ("::1", False), ("fd00::1", False),
    ("fe80::1", False), ("::ffff:127.0.0.1", False), ("0.0.0.0", False), ("224.0.0.1", False),  # noqa: S104  # refused, not bound
    ("not-an-ip", False),
])
def test_only_public_addresses_by_default(address: str, allowed: bool) -> None:
    """Loopback, private, link-local (cloud metadata), shared and reserved are refused."""
    assert address_allowed(address) is allowed


@pytest.mark.parametrize("address", [
    "::7f00:1", "::127.0.0.1", "[::127.0.0.1]", "::a9fe:a9fe",  # IPv4-compatible
    "::ffff:0:7f00:1", "::ffff:0:a9fe:a9fe",  # IPv4-translated (SIIT)
    "64:ff9b::a9fe:a9fe", "64:ff9b::7f00:1", "64:ff9b::a00:1",  # NAT64 of metadata, loopback
    "64:ff9b:1::a9fe:a9fe",  # local-use NAT64
    "2002:a9fe:a9fe::", "2002:7f00:1::1", "2002:c0a8:101::1",  # 6to4 of private ones
    "192.0.0.8", "192.0.0.170",  # IETF protocol assignments
])
def test_ipv4_embedded_in_ipv6_and_protocol_addresses_are_refused(address: str) -> None:
    """An IPv6 form that carries a non-public IPv4 address, and 192.0.0.0/24, are refused."""
    assert not address_allowed(address)


@pytest.mark.parametrize("address", ["64:ff9b::5db8:d822", "2002:5db8:d822::1"])
def test_ipv6_forms_of_public_ipv4_addresses_pass(address: str) -> None:
    """NAT64 and 6to4 forms of a public IPv4 address stay allowed (as the address is)."""
    assert address_allowed(address)


async def test_image_url_naming_an_embedded_loopback_is_refused() -> None:
    """http://[::127.0.0.1]/... is refused before any connection, whatever DNS says."""
    with pytest.raises(ImageRefused, match="loopback, private or reserved"):
        await fetch("http://[::127.0.0.1]/a.jpg", "::127.0.0.1")


def test_allow_private_lifts_only_the_private_rule() -> None:
    """RELAY_IMAGE_ALLOW_PRIVATE admits loopback and LAN hosts, never multicast or 0.0.0.0."""
    assert address_allowed("127.0.0.1", allow_private=True)
    assert address_allowed("10.0.0.5", allow_private=True)
    assert not address_allowed("0.0.0.0", allow_private=True)  # noqa: S104  # refused
    assert not address_allowed("239.1.1.1", allow_private=True)


def resolver(*answers: str):  # type: ignore[no-untyped-def]
    async def resolve(host: str, port: int) -> list[str]:
        return list(answers)
    return resolve


async def fetch(url: str, *answers: str, allow_private: bool = False,
                max_bytes: int = 1_000_000) -> tuple[bytes, str]:
    async with httpx.AsyncClient() as http:
        fetcher = Fetcher(http, resolve=resolver(*answers), allow_private=allow_private,
                          max_bytes=max_bytes)
        return await fetcher(url)


@respx.mock
async def test_fetch_connects_to_the_checked_address() -> None:
    """The request goes to the resolved, checked IP with the original Host header."""
    route = respx.get(f"http://{PUBLIC}:80/img/a.jpg").mock(
        return_value=httpx.Response(200, content=b"jpegbytes",
                                    headers={"content-type": "image/jpeg"}))
    body, media_type = await fetch("http://images.example/img/a.jpg", PUBLIC)
    assert (body, media_type) == (b"jpegbytes", "image/jpeg")
    assert route.calls[0].request.headers["host"] == "images.example"


@pytest.mark.parametrize(("url", "answers", "reason"), [
    ("ftp://images.example/a.jpg", [PUBLIC], "http and https"),
    ("file:///etc/passwd", [PUBLIC], "http and https"),
    ("http://images.example/a.jpg", ["127.0.0.1"], "loopback"),
    ("http://images.example/a.jpg", [PUBLIC, "10.0.0.1"], "loopback"),
    ("http://images.example/a.jpg", [], "loopback"),
])
async def test_refused_before_connecting(url: str, answers: list[str], reason: str) -> None:
    """Bad schemes and any non-public resolved address are refused without a request."""
    with respx.mock(assert_all_called=False) as mock, pytest.raises(ImageRefused, match=reason):
        await fetch(url, *answers)
    assert not mock.calls


@respx.mock
async def test_redirect_to_a_private_address_is_refused() -> None:
    """Every redirect hop is resolved and checked again."""
    respx.get(f"http://{PUBLIC}:80/a.jpg").mock(return_value=httpx.Response(
        302, headers={"location": "http://169.254.169.254/latest/meta-data"}))

    async def resolve(host: str, port: int) -> list[str]:
        return [host] if host[0].isdigit() else [PUBLIC]

    async with httpx.AsyncClient() as http:
        with pytest.raises(ImageRefused, match="loopback, private"):
            await Fetcher(http, resolve=resolve)("http://images.example/a.jpg")


@pytest.mark.parametrize(("response", "reason"), [
    (httpx.Response(200, content=b"<html>", headers={"content-type": "text/html"}),
     "not a raster image"),
    (httpx.Response(200, content=b"<svg/>", headers={"content-type": "image/svg+xml"}),
     "not a raster image"),
    (httpx.Response(200, content=b"x" * 2000, headers={"content-type": "image/png"}),
     "too large"),
    (httpx.Response(404), "answered 404"),
])
async def test_bad_answers_are_refused(response: httpx.Response, reason: str) -> None:
    """Only a 200 raster image within the size bound is accepted."""
    with respx.mock:
        respx.get(f"http://{PUBLIC}:80/a.jpg").mock(return_value=response)
        with pytest.raises(ImageRefused, match=reason):
            await fetch("http://images.example/a.jpg", PUBLIC, max_bytes=1000)


def test_resize_makes_every_size_class() -> None:
    """Each size class fits its longest side; opaque images become JPEG."""
    pictures = resize(jpeg(1600, 900))
    for name, side in SIZES.items():
        with Image.open(io.BytesIO(pictures[name].body)) as im:
            assert max(im.size) == side and im.format == "JPEG"
    assert pictures["s"].etag != pictures["l"].etag


def test_resize_refuses_what_is_not_an_image() -> None:
    """Bytes Pillow cannot decode are ImageRefused, not a crash."""
    with pytest.raises(ImageRefused):
        resize(b"GIF89a not really")


async def test_kept_images_are_private(tmp_path: Path) -> None:
    """Every resized image kept on disk is mode 0600, like everything under RELAY_DATA_DIR."""
    async def good(url: str) -> tuple[bytes, str]:
        return jpeg(), "image/jpeg"

    await ImageStore(good, clock=FakeClock(), directory=tmp_path).get("http://x/a.jpg", "s")
    kept = list(tmp_path.iterdir())
    assert len(kept) == len(SIZES)
    assert all(stat.S_IMODE(p.stat().st_mode) == 0o600 for p in kept)


async def test_store_fetches_once_and_remembers_failures(tmp_path: Path) -> None:
    """Concurrent asks share one fetch; a failure is not retried until its TTL passes."""
    calls: list[str] = []

    async def good(url: str) -> tuple[bytes, str]:
        calls.append(url)
        await asyncio.sleep(0)
        return jpeg(), "image/jpeg"

    clock = FakeClock()
    store = ImageStore(good, clock=clock, directory=tmp_path)
    a, b = await asyncio.gather(store.get("http://x/a.jpg", "s"), store.get("http://x/a.jpg", "l"))
    assert calls == ["http://x/a.jpg"] and a.media_type == "image/jpeg" and a != b
    assert await store.get("http://x/a.jpg", "m") is not None and len(calls) == 1

    async def never(url: str) -> tuple[bytes, str]:
        raise AssertionError("kept on disk: no fetch")
    again = ImageStore(never, clock=clock, directory=tmp_path)
    assert (await again.get("http://x/a.jpg", "s")).body == a.body

    async def bad(url: str) -> tuple[bytes, str]:
        calls.append(url)
        raise ImageRefused("the image host answered 404")
    failing = ImageStore(bad, clock=clock)
    for _ in range(3):
        with pytest.raises(NotFound, match="404"):
            await failing.get("http://x/b.jpg", "s")
    assert calls.count("http://x/b.jpg") == 1
    await clock.advance(301)
    with pytest.raises(NotFound):
        await failing.get("http://x/b.jpg", "s")
    assert calls.count("http://x/b.jpg") == 2
