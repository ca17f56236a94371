"""What setup writes: aliases from names, keys, a .env every reader takes, mode 0600."""

from __future__ import annotations

import json
import re
import stat
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from dotenv import dotenv_values

from app.config import load_settings
from app.discover import Reachable
from app.setup_env import (
    EnvValues,
    new_key,
    new_redis_password,
    propose_aliases,
    quote,
    render_env,
    slug,
    usable_alias,
    write_private,
)

G1, G2, G3 = (f"{n}0dd7491-1f6d-5316-a0d3-afe13f97e29c" for n in "abc")


@pytest.mark.parametrize(("name", "expected"), [
    ("Harbor Lights Kitchen", "harbor-lights-kitchen"),
    ("Maple Leaf Café", "maple-leaf-cafe"),
    ("  Joe's  Bar & Grill!! ", "joe-s-bar-grill"),
    ("寿司", ""),
])
def test_slug(name: str, expected: str) -> None:
    """Names become lower-case ASCII words joined by dashes (accents folded)."""
    assert slug(name) == expected


def test_aliases_from_names_locations_then_numbers() -> None:
    """Each restaurant gets its name's slug; repeated names add the location, then a number."""
    aliases = propose_aliases([
        Reachable(G1, "Harbor Lights", "Old Port"), Reachable(G2, "Harbor Lights", "Wharf"),
        Reachable(G3, "Harbor Lights", "Wharf")])
    assert aliases == {"harbor-lights-old-port": G1, "harbor-lights-wharf": G2,
                       "harbor-lights-wharf-2": G3}


def test_aliases_never_look_like_a_guid_or_come_out_empty() -> None:
    """A name that slugs to hex-and-digits (a malformed GUID to the relay) or to nothing
    still gets an alias the relay accepts."""
    aliases = propose_aliases([Reachable(G1, "Cafe 1234"), Reachable(G2, "deadbeef-12"),
                               Reachable(G3, "寿司")])
    assert all(usable_alias(a) for a in aliases)
    assert list(aliases.values()) == [G1, G2, G3]
    assert "restaurant" in aliases


def test_keys_are_fresh_and_long() -> None:
    """Keys are random, 32 URL-safe characters, different every time."""
    keys = {new_key() for _ in range(20)}
    assert len(keys) == 20 and all(len(k) == 32 for k in keys)


@pytest.mark.parametrize("value", ["plain-Value_1", "a b#c", "it's", "back\\slash'q",
                                   '{"a": "b"}', "XwEW<<vR*k6;#Fp8"])
def test_quoted_values_read_back_unchanged(tmp_path: Path, value: str) -> None:
    """A value written by quote() reads back exactly (python-dotenv, as pydantic-settings)."""
    path = tmp_path / ".env"
    path.write_text(f"X={quote(value)}\n")
    assert dotenv_values(path)["X"] == value


def test_rendered_env_loads_as_the_relay_reads_it(tmp_path: Path) -> None:
    """The .env setup writes gives the relay the credentials, aliases, keys and data dir."""
    secret = "s3cr#t 'with' quotes"
    env = EnvValues(api_url="https://ws-api.toasttab.com", client_id="client-1",
                    client_secret=secret, restaurants={"harbor": G1, "maple": G2},
                    screen_key=new_key(), admin_key=new_key(), data_dir=tmp_path / "data")
    path = tmp_path / ".env"
    path.write_text(render_env(env))
    values = {k: v for k, v in dotenv_values(path).items() if v is not None}
    settings = load_settings(values)
    assert settings.toast_client_secret.get_secret_value() == secret
    assert settings.relay_restaurants == {"harbor": G1, "maple": G2}
    assert list(settings.relay_api_keys) == [env.screen_key]
    assert settings.relay_data_dir == tmp_path / "data"
    assert "RELAY_WEBHOOK_SECRET" not in values
    assert secret not in repr(env) and env.screen_key not in repr(env)
    assert json.loads(values["RELAY_RESTAURANTS"]) == {"harbor": G1, "maple": G2}


def test_written_private_and_never_over_an_existing_file(tmp_path: Path) -> None:
    """The file is created mode 0600; an existing one is left alone unless forced (and a
    forced write is 0600 too)."""
    path = tmp_path / ".env"
    write_private(path, "A=1\n", force=False)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    with pytest.raises(FileExistsError):
        write_private(path, "A=2\n", force=False)
    assert path.read_text() == "A=1\n"
    path.chmod(0o644)
    write_private(path, "A=3\n", force=True)
    assert path.read_text() == "A=3\n" and stat.S_IMODE(path.stat().st_mode) == 0o600


def test_redis_password_fits_a_redis_url_as_is(tmp_path: Path) -> None:
    """The generated Redis password is URL-safe and without `$`, lands in .env as
    REDIS_PASSWORD, and REDIS_URL built from it (as compose does) keeps it intact."""
    passwords = {new_redis_password() for _ in range(50)}
    assert len(passwords) == 50
    assert all(re.fullmatch(r"[A-Za-z0-9_-]{43}", p) for p in passwords)
    env = EnvValues(api_url="https://ws-api.toasttab.com", client_id="client-1",
                    client_secret="s", screen_key=new_key(), admin_key=new_key(),
                    redis_password=passwords.pop())
    path = tmp_path / ".env"
    path.write_text(render_env(env))
    written = dotenv_values(path)["REDIS_PASSWORD"]
    assert written == env.redis_password
    url = urlsplit(f"redis://:{written}@redis:6379/0")
    assert (url.password, url.hostname, url.port) == (env.redis_password, "redis", 6379)
