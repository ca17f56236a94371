"""What ``toast-relay setup`` writes: aliases, fresh keys, and the ``.env`` text and file.

Pure except for ``write_private``. The file holds the client secret, so it is created
mode 0600 and never replaces an existing file unless asked to.
"""

from __future__ import annotations

import json
import os
import re
import secrets
import unicodedata
from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from app.config import RESTAURANT_REF_PATTERN, is_alias
from app.discover import Reachable
from app.files import atomic_write, private_dir

_MAX_ALIAS = 40
_REF = re.compile(RESTAURANT_REF_PATTERN)
_PLAIN = re.compile(r"^[A-Za-z0-9._~:/@+,=-]*$")
"""Characters every .env reader (python-dotenv, docker compose, systemd) takes as is."""


def slug(text: str) -> str:
    """``"Maple Leaf Café"`` → ``"maple-leaf-cafe"``: ASCII letters and digits, dashes."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")[:_MAX_ALIAS].strip("-")


def usable_alias(alias: str) -> bool:
    """An alias the relay accepts in a URL path and will not take for a malformed GUID."""
    return is_alias(alias) and bool(_REF.fullmatch(alias))


def propose_aliases(restaurants: Iterable[Reachable],
                    taken: Collection[str] = ()) -> dict[str, str]:
    """Alias → GUID: the name's slug; the location added where names repeat; then a number
    (also past the ``taken`` aliases, which other accounts use)."""
    chosen = list(restaurants)
    names = [slug(r.name) for r in chosen]
    out: dict[str, str] = {}
    for r, base in zip(chosen, names, strict=True):
        if names.count(base) > 1 and r.location:
            base = slug(f"{r.name} {r.location}")
        if not base:
            base = "restaurant"
        elif not usable_alias(base):  # hex, dashes and digits: the relay would see a bad GUID
            base = f"r-{base}" if usable_alias(f"r-{base}") else "restaurant"
        alias, n = base, 2
        while alias in out or alias in taken:
            alias, n = f"{base}-{n}", n + 1
        out[alias] = r.guid
    return out


def new_key() -> str:
    """A fresh random key (32 URL-safe characters) for screens or the admin routes."""
    return secrets.token_urlsafe(24)


def new_redis_password() -> str:
    """A Redis password that goes into ``redis://:PASSWORD@host`` as it is: URL-safe
    characters only (no ``/ + @ :``), and no ``$``, which docker compose would expand."""
    return secrets.token_urlsafe(32)


def quote(value: str) -> str:
    """``value`` as a .env value: bare when plain, else single-quoted (``\\`` and ``'``
    escaped as python-dotenv reads them)."""
    if _PLAIN.fullmatch(value):
        return value
    return "'" + value.replace("\\", "\\\\").replace("'", "\\'") + "'"


@dataclass(frozen=True)
class EnvValues:
    api_url: str
    client_id: str
    client_secret: str = ""
    auth_mode: str = "machine"
    restaurants: Mapping[str, str] | None = None
    screen_key: str = ""
    admin_key: str = ""
    data_dir: Path = Path("data")
    redis_password: str = ""

    def __repr__(self) -> str:  # never the secret or the keys
        return f"EnvValues(api_url={self.api_url!r}, client_id={self.client_id!r})"


def render_env(v: EnvValues, now: datetime | None = None) -> str:
    stamp = (now or datetime.now(UTC)).strftime("%Y-%m-%d %H:%M UTC")
    restaurants = json.dumps(dict(v.restaurants or {}), ensure_ascii=True)
    lines = [
        f"# Written by `toast-relay setup` on {stamp}. It holds the Toast client secret:",
        "# keep it private (mode 0600). Every setting is described in .env.example.",
        "",
        f"TOAST_API_URL={quote(v.api_url)}",
        f"TOAST_CLIENT_ID={quote(v.client_id)}",
        f"TOAST_CLIENT_SECRET={quote(v.client_secret)}",
        f"TOAST_AUTH_MODE={v.auth_mode}",
        "",
        "# Alias -> restaurant GUID: screens use /menu/<alias> and /board/<alias>.",
        f"RELAY_RESTAURANTS={quote(restaurants)}",
        "",
        "# The key players send (?key= or the X-API-Key header); it reads every restaurant",
        "# above. The admin key opens /admin/. Both were generated for this relay.",
        f"RELAY_API_KEYS={quote(v.screen_key)}",
        f"RELAY_ADMIN_KEY={quote(v.admin_key)}",
        "",
        "# Saved menus and the Toast token (setup saved the token here: the relay reuses it).",
        f"RELAY_DATA_DIR={quote(str(v.data_dir))}",
        "",
        "# Toast webhooks: paste each subscription's secret here, comma-separated (the Menus",
        "# and the Stock subscription each have their own), then restart the relay.",
        "# RELAY_WEBHOOK_SECRET=",
        "",
        "# docker compose only (docker-compose.yml reads these; the relay ignores them):",
        "# the bundled Redis's password, generated URL-safe so REDIS_URL takes it as is,",
        "# and the host name and e-mail for a Let's Encrypt certificate (unset: nginx",
        "# serves a self-signed one).",
        f"REDIS_PASSWORD={quote(v.redis_password)}",
        "# RELAY_DOMAIN=relay.example.com",
        "# ACME_EMAIL=you@example.com",
        "",
    ]
    return "\n".join(lines)


def write_private(path: Path, text: str, *, force: bool) -> None:
    """Write ``text`` to ``path`` as mode 0600. Without ``force`` an existing file is left
    alone (FileExistsError), checked by the create itself so nothing races it."""
    if force:
        atomic_write(path, text.encode("utf-8"))
        return
    private_dir(path.parent)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    os.fchmod(fd, 0o600)  # whatever the umask
    with os.fdopen(fd, "w", encoding="utf-8") as f:
        f.write(text)
        f.flush()
        os.fsync(f.fileno())
