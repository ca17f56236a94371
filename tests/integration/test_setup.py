"""`toast-relay setup` against the simulator over 127.0.0.1, in both access modes, without
and with a terminal: the .env it writes, the logins it costs, and the relay started after it."""

from __future__ import annotations

import json
import os
import stat
import subprocess
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from dotenv import dotenv_values

from app.sim.sample import (
    SAMPLE_CLIENT_ID,
    SAMPLE_CLIENT_SECRET,
    SAMPLE_RESTAURANT_GUID,
    SECOND_RESTAURANT_GUID,
    STANDARD_CLIENT_ID,
    STANDARD_CLIENT_SECRET,
)
from tests.support.procs import RELAY, Procs, free_port
from tests.support.stack import running_stack
from tests.support.terminal import converse
from tests.support.waits import wait_for

pytestmark = pytest.mark.integration
BOTH = {"harbor-lights-kitchen": SAMPLE_RESTAURANT_GUID, "maple-leaf-cafe": SECOND_RESTAURANT_GUID}


@pytest.fixture(scope="module")
def sim_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    with running_stack(tmp_path_factory.mktemp("setup-sim"), relays=0) as stack:
        yield stack.sim


def base_env(**toast: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TOAST_", "RELAY_", "REDIS_"))}
    return {**env, **toast}


def credentials(sim_url: str, standard: bool = False) -> dict[str, str]:
    return base_env(TOAST_API_URL=sim_url,
                    TOAST_CLIENT_ID=STANDARD_CLIENT_ID if standard else SAMPLE_CLIENT_ID,
                    TOAST_CLIENT_SECRET=STANDARD_CLIENT_SECRET if standard
                    else SAMPLE_CLIENT_SECRET)


def setup(cwd: Path, env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([RELAY, "setup", *args], env=env, cwd=cwd, capture_output=True,
                          text=True, timeout=60, stdin=subprocess.DEVNULL)


def calls(sim_url: str) -> dict[str, int]:
    counted: dict[str, int] = httpx.get(f"{sim_url}/_sim/calls").json()["calls"]
    return counted


def written(path: Path) -> dict[str, str]:
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    return {k: v for k, v in dotenv_values(path).items() if v is not None}


def test_partner_setup_then_the_relay_starts_without_a_login(sim_url: str,
                                                              tmp_path: Path) -> None:
    """Non-interactive setup for a partner client: 1 login, every partner restaurant with an
    alias, a private .env, player and webhook URLs printed; the relay started from that
    folder then serves both restaurants with 0 logins (it reuses the saved token)."""
    before = calls(sim_url)
    r = setup(tmp_path, credentials(sim_url), "--yes", "--public-url", "http://tv.test:8080")
    assert r.returncode == 0, r.stdout + r.stderr
    assert calls(sim_url)["login"] == before.get("login", 0) + 1
    env = written(tmp_path / ".env")
    assert json.loads(env["RELAY_RESTAURANTS"]) == BOTH
    key = env["RELAY_API_KEYS"]
    assert len(key) >= 32 and env["RELAY_ADMIN_KEY"] != key
    assert env["RELAY_DATA_DIR"] == str(tmp_path / "data")
    assert f"http://tv.test:8080/board/maple-leaf-cafe?key={key}" in r.stdout
    assert "http://tv.test:8080/webhooks/toast" in r.stdout
    assert SAMPLE_CLIENT_SECRET not in r.stdout + r.stderr
    assert env["RELAY_ADMIN_KEY"] not in r.stdout
    logins = calls(sim_url)["login"]
    port = free_port()
    with Procs(tmp_path) as procs:
        relay = procs.start([RELAY, "serve", "--port", str(port)], base_env(),
                            "relay.log", cwd=tmp_path)
        url = f"http://127.0.0.1:{port}"
        relay.wait_http(f"{url}/healthz")
        menu = httpx.get(f"{url}/menu/maple-leaf-cafe", params={"key": key}, timeout=15)
        assert menu.status_code == 200 and menu.json()["restaurant"]["name"] == "Maple Leaf Café"
        wait_for(lambda: httpx.get(f"{url}/readyz").json()["restaurants"]["servable"] >= 2, 15,
                 "both restaurants to be servable")
        assert calls(sim_url)["login"] == logins
        assert "reusing the stored Toast token" in relay.output()


def test_standard_setup_with_a_restaurant_lists_its_group(sim_url: str, tmp_path: Path) -> None:
    """Standard API access with --restaurant: the partners API refuses (403), setup lists the
    management group through that restaurant and serves all of it, with 1 login."""
    before = calls(sim_url)
    r = setup(tmp_path, credentials(sim_url, standard=True), "--yes",
              "--restaurant", SECOND_RESTAURANT_GUID.upper())
    assert r.returncode == 0, r.stdout + r.stderr
    assert json.loads(written(tmp_path / ".env")["RELAY_RESTAURANTS"]) == BOTH
    after = calls(sim_url)
    assert after["login"] == before.get("login", 0) + 1
    assert after["groups"] == before.get("groups", 0) + 1
    assert "Manage webhooks" in r.stdout and "menus_updated" in r.stdout
    assert STANDARD_CLIENT_SECRET not in r.stdout + r.stderr


def test_standard_setup_without_a_restaurant_names_the_flag(sim_url: str,
                                                             tmp_path: Path) -> None:
    """Standard API access and no GUID: one line naming --restaurant, exit 2, no .env."""
    r = setup(tmp_path, credentials(sim_url, standard=True), "--yes")
    assert r.returncode == 2
    assert "--restaurant" in r.stderr and len(r.stderr.strip().splitlines()) == 1
    assert "Traceback" not in r.stderr and not (tmp_path / ".env").exists()


def test_missing_credentials_name_the_variable(tmp_path: Path) -> None:
    """--yes without TOAST_CLIENT_SECRET: one line naming it, exit 2, nothing sent anywhere."""
    env = base_env(TOAST_API_URL=f"http://127.0.0.1:{free_port()}", TOAST_CLIENT_ID="x")
    r = setup(tmp_path, env, "--yes")
    assert r.returncode == 2 and "TOAST_CLIENT_SECRET is not set" in r.stderr
    assert len(r.stderr.strip().splitlines()) == 1


def test_rejected_credentials_one_line_no_secret(sim_url: str, tmp_path: Path) -> None:
    """Credentials Toast rejects: one line naming the settings, exit 1, no .env, the secret
    never echoed."""
    env = {**credentials(sim_url), "TOAST_CLIENT_SECRET": "wrong-secret-value-123"}
    r = setup(tmp_path, env, "--yes")
    assert r.returncode == 1 and "TOAST_CLIENT_SECRET" in r.stderr
    assert len(r.stderr.strip().splitlines()) == 1 and "Traceback" not in r.stderr
    assert "wrong-secret-value-123" not in r.stdout + r.stderr
    assert not (tmp_path / ".env").exists()


def test_an_existing_env_file_is_kept_without_force(sim_url: str, tmp_path: Path) -> None:
    """An existing .env stops setup before any login (exit 1, naming --force); with
    --force it is replaced, mode 0600, and a second run reuses the saved token (0 logins)."""
    target = tmp_path / "relay.env"
    target.write_text("KEEP=1\n")
    before = calls(sim_url)
    r = setup(tmp_path, credentials(sim_url), "--yes", "--env-file", str(target))
    assert r.returncode == 1 and "--force" in r.stderr
    assert len(r.stderr.strip().splitlines()) == 1
    assert target.read_text() == "KEEP=1\n"
    assert calls(sim_url).get("login", 0) == before.get("login", 0)
    forced = setup(tmp_path, credentials(sim_url), "--yes", "--env-file", str(target),
                   "--force")
    assert forced.returncode == 0, forced.stderr
    assert "KEEP" not in written(target) and "set -a; ." in forced.stdout
    logins = calls(sim_url)["login"]
    again = setup(tmp_path, credentials(sim_url), "--yes", "--env-file", str(target),
                  "--force")
    assert again.returncode == 0 and "reusing the token saved" in again.stdout
    assert calls(sim_url)["login"] == logins


def test_interactive_setup_at_a_terminal(sim_url: str, tmp_path: Path) -> None:
    """At a terminal setup asks for the host, id, secret (not echoed), a GUID (standard
    access), which restaurants and their aliases, and the public address; 1 login."""
    before = calls(sim_url)
    session = converse([RELAY, "setup"], base_env(), tmp_path, [
        ("Toast API host", sim_url),
        ("Client ID", STANDARD_CLIENT_ID),
        ("Client secret", STANDARD_CLIENT_SECRET),
        ("GUID of one restaurant", SAMPLE_RESTAURANT_GUID),
        ("Which to serve", "2"),
        ("Alias for Maple", "maple"),
        ("The relay's address", "https://relay.example.com"),
    ])
    assert session.returncode == 0, session.screen
    assert STANDARD_CLIENT_SECRET not in session.screen
    env = written(tmp_path / ".env")
    assert json.loads(env["RELAY_RESTAURANTS"]) == {"maple": SECOND_RESTAURANT_GUID}
    assert env["TOAST_CLIENT_SECRET"] == STANDARD_CLIENT_SECRET
    assert f"https://relay.example.com/board/maple?key={env['RELAY_API_KEYS']}" in \
        session.screen
    assert "https://relay.example.com/webhooks/toast" in session.screen
    assert calls(sim_url)["login"] == before.get("login", 0) + 1
