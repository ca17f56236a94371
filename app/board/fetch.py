"""Fetching an item image from the URL Toast gives, without becoming an SSRF proxy.

The URL comes from Toast's menu data, so it is treated as untrusted: http(s) only;
the host is resolved here and every address it resolves to must be public (never
loopback, private, link-local, multicast or reserved, nor an IPv6 form carrying
such an IPv4 address: mapped, compatible, NAT64, 6to4), and the connection goes to
the address that was checked (the Host header and TLS name stay the original host),
so a second DNS answer cannot swap in an internal address. Redirects are followed
by hand, each hop checked the same way. Size, time and content type are bounded.
``RELAY_IMAGE_ALLOW_PRIVATE=true`` (off by default; the demo and tests use it for
the simulator's images on 127.0.0.1) lifts only the address rule.
"""

from __future__ import annotations

import asyncio
import ipaddress
import socket
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from urllib.parse import urljoin, urlsplit

import httpx

Resolver = Callable[[str, int], Awaitable[list[str]]]
MAX_BYTES = 8 * 1024 * 1024
MAX_REDIRECTS = 3
IMAGE_TYPES = frozenset({"image/jpeg", "image/png", "image/gif", "image/webp"})
"""Raster types Pillow reads; SVG is refused (it can carry scripts)."""


class ImageRefused(Exception):
    """The image cannot be fetched (bad URL, refused address, error, too big, not an image)."""


async def system_resolver(host: str, port: int) -> list[str]:
    infos = await asyncio.get_running_loop().getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return list(dict.fromkeys(str(info[4][0]) for info in infos))


_COMPATIBLE = ipaddress.ip_network("::/96")
"""IPv4-compatible (``::a.b.c.d``, deprecated), apart from ``::`` and ``::1``."""
_TRANSLATED = ipaddress.ip_network("::ffff:0:0:0/96")
_NAT64 = ipaddress.ip_network("64:ff9b::/96")
_NAT64_LOCAL = ipaddress.ip_network("64:ff9b:1::/48")
"""Local-use NAT64 (RFC 8215): where the IPv4 address sits depends on the site's prefix
length, so the whole range is treated as private."""
_NOT_PUBLIC_V4 = (ipaddress.ip_network("192.0.0.0/24"), ipaddress.ip_network("192.88.99.0/24"))
"""IETF protocol assignments and the old 6to4 relay anycast, which some Pythons'
``is_global`` still calls global."""


def embedded_ipv4(ip: ipaddress.IPv6Address) -> ipaddress.IPv4Address | None:
    """The IPv4 address an IPv6 form stands for: mapped, translated, compatible, NAT64
    (``64:ff9b::/96``) or 6to4 (``2002::/16``); None for any other IPv6 address.

    A connection to one of these can reach that IPv4 host (through the kernel, a NAT64
    gateway or a 6to4 relay), so it is judged by the IPv4 address it carries.
    """
    if ip.ipv4_mapped is not None:
        return ip.ipv4_mapped
    if ip.sixtofour is not None:
        return ip.sixtofour
    if ip in _NAT64 or ip in _TRANSLATED or (ip in _COMPATIBLE and int(ip) > 1):
        return ipaddress.IPv4Address(int(ip) & 0xFFFF_FFFF)
    return None


def address_allowed(address: str, *, allow_private: bool = False) -> bool:
    """Whether the relay may connect to ``address`` for an image."""
    try:
        ip = ipaddress.ip_address(address.strip("[]").split("%", 1)[0])
    except ValueError:
        return False
    if isinstance(ip, ipaddress.IPv6Address):
        if ip in _NAT64_LOCAL:
            return allow_private
        ip = embedded_ipv4(ip) or ip
    if ip.is_multicast or ip.is_unspecified:
        return False
    if allow_private:
        return True
    return ip.is_global and not any(ip in net for net in _NOT_PUBLIC_V4)


@dataclass(frozen=True, slots=True)
class Fetcher:
    http: httpx.AsyncClient
    resolve: Resolver = system_resolver
    allow_private: bool = False
    timeout: float = 10.0
    max_bytes: int = MAX_BYTES

    async def __call__(self, url: str) -> tuple[bytes, str]:
        """The image's bytes and media type; ``ImageRefused`` on any problem."""
        try:
            async with asyncio.timeout(self.timeout):
                return await self._fetch(url)
        except TimeoutError:
            raise ImageRefused("the image host did not answer in time") from None
        except httpx.HTTPError as exc:
            raise ImageRefused(f"the image host failed ({type(exc).__name__})") from None

    async def _target(self, url: str) -> tuple[str, dict[str, str], dict[str, str]]:
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ImageRefused("only http and https image URLs are fetched")
        host = parts.hostname
        try:
            port = parts.port or (443 if parts.scheme == "https" else 80)
        except ValueError:
            raise ImageRefused("the image URL has a bad port") from None
        try:
            addresses = await self.resolve(host, port)
        except OSError:
            raise ImageRefused(f"{host} does not resolve") from None
        if not addresses or not all(address_allowed(a, allow_private=self.allow_private)
                                    for a in addresses):
            raise ImageRefused(f"{host} resolves to an address the relay does not fetch from "
                               "(loopback, private or reserved)")
        ip = addresses[0]
        netloc = f"[{ip}]:{port}" if ":" in ip else f"{ip}:{port}"
        target = parts._replace(netloc=netloc, fragment="").geturl()
        host_header = host if parts.port is None else f"{host}:{parts.port}"
        extensions = {"sni_hostname": host} if parts.scheme == "https" else {}
        return target, {"Host": host_header, "Accept": "image/*"}, extensions

    async def _fetch(self, url: str) -> tuple[bytes, str]:
        for _ in range(MAX_REDIRECTS + 1):
            target, headers, extensions = await self._target(url)
            request = self.http.build_request("GET", target, headers=headers,
                                              extensions=extensions)
            response = await self.http.send(request, stream=True, follow_redirects=False)
            try:
                if response.is_redirect and "location" in response.headers:
                    url = urljoin(url, response.headers["location"])
                    continue
                return await self._read(response)
            finally:
                await response.aclose()
        raise ImageRefused("the image URL redirects too often")

    async def _read(self, response: httpx.Response) -> tuple[bytes, str]:
        if response.status_code != 200:
            raise ImageRefused(f"the image host answered {response.status_code}")
        media_type = response.headers.get("content-type", "").split(";")[0].strip().lower()
        if media_type not in IMAGE_TYPES:
            raise ImageRefused(f"not a raster image ({media_type or 'no content type'})")
        declared = response.headers.get("content-length", "")
        if declared.isdigit() and int(declared) > self.max_bytes:
            raise ImageRefused("the image is too large")
        body = bytearray()
        async for chunk in response.aiter_bytes():
            body += chunk
            if len(body) > self.max_bytes:
                raise ImageRefused("the image is too large")
        return bytes(body), media_type
