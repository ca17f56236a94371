"""``toast-relay sim --clients FILE``: API clients from a TOML file, checked at start."""

from __future__ import annotations

import re
from pathlib import Path

import httpx
import pytest

from app.cli import main
from app.clock import FakeClock
from app.sim.app import create_sim_app
from app.sim.clients import default_credentials, load_clients
from app.sim.sample import (
    AGENCY_CLIENT_ID,
    AGENCY_TAQUERIA_GUID,
    SAMPLE_CLIENT_ID,
    SAMPLE_RESTAURANT_GUID,
)
from app.sim.server import clients_banner
from app.sim.state import SimState
from tests.support.sim_auth import LOGIN, headers

UNKNOWN_GUID = "7d3c2b1a-0f9e-4d8c-b7a6-958473625140"
SECRET = "file-secret-do-not-print"
GOOD = f"""
[clients.harbor-only]
secret = "{SECRET}"
restaurants = ["{SAMPLE_RESTAURANT_GUID}"]

[clients.own-kitchen]
secret = "{SECRET}-2"
restaurants = ["{UNKNOWN_GUID.upper()}", "{AGENCY_TAQUERIA_GUID}"]
partner = false
"""


def _file(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "clients.toml"
    path.write_text(text, encoding="utf-8")
    return path


def _state(tmp_path: Path) -> SimState:
    clients = load_clients(_file(tmp_path, GOOD))
    return SimState(clock=FakeClock(), credentials=clients.credentials,
                    restaurants=clients.restaurants)


def test_built_in_clients_are_the_demo_the_standard_and_the_agency() -> None:
    """Without a file the simulator knows three clients; the agency's are two restaurants."""
    creds = default_credentials()
    assert set(creds) == {SAMPLE_CLIENT_ID, "demo-standard-client", AGENCY_CLIENT_ID}
    assert creds[AGENCY_CLIENT_ID].partner
    assert SAMPLE_RESTAURANT_GUID not in creds[AGENCY_CLIENT_ID].restaurants


def test_a_file_replaces_the_built_in_clients(tmp_path: Path) -> None:
    """Only the file's clients log in, each with its restaurants and partner flag."""
    state = _state(tmp_path)
    assert set(state.credentials) == {"harbor-only", "own-kitchen"}
    assert state.credentials["harbor-only"].restaurants == {SAMPLE_RESTAURANT_GUID}
    assert not state.credentials["own-kitchen"].partner
    assert state.check_secret("own-kitchen", f"{SECRET}-2") is not None
    assert SECRET not in repr(load_clients(_file(tmp_path, GOOD)))


async def test_an_unknown_guid_becomes_a_small_generated_restaurant(tmp_path: Path) -> None:
    """A GUID the simulator does not know is served with a generated menu to its client."""
    state = _state(tmp_path)
    transport = httpx.ASGITransport(app=create_sim_app(state))
    async with httpx.AsyncClient(transport=transport, base_url="http://sim") as sim:
        login = await sim.post(LOGIN, json={"clientId": "own-kitchen",
                                            "clientSecret": f"{SECRET}-2",
                                            "userAccessType": "TOAST_MACHINE_CLIENT"})
        token = login.json()["token"]["accessToken"]
        menus = await sim.get("/menus/v2/menus", headers=headers(token, UNKNOWN_GUID))
        assert menus.status_code == 200 and menus.json()["restaurantGuid"] == UNKNOWN_GUID
        other = await sim.get("/menus/v2/metadata", headers=headers(token))
        assert other.status_code == 403


def test_full_reset_rebuilds_the_files_clients(tmp_path: Path) -> None:
    """reset(full=True) restores the file's clients, not the built-in ones."""
    state = _state(tmp_path)
    state.credentials["harbor-only"].restaurants.add(UNKNOWN_GUID)
    state.reset(full=True)
    assert state.credentials["harbor-only"].restaurants == {SAMPLE_RESTAURANT_GUID}
    assert UNKNOWN_GUID in state.restaurants


def test_banner_lists_clients_and_restaurants_never_secrets(tmp_path: Path) -> None:
    """The start banner names each client, its kind and restaurants, and no secret."""
    clients = load_clients(_file(tmp_path, GOOD))
    state = SimState(clock=FakeClock(), credentials=clients.credentials,
                     restaurants=clients.restaurants)
    text = clients_banner(state, clients)
    assert "own-kitchen (standard API access; secret in " in text
    assert f"{SAMPLE_RESTAURANT_GUID}  Harbor Lights Kitchen" in text
    assert "Taquería Sol" in text and SECRET not in text
    built_in = clients_banner(SimState(clock=FakeClock()))
    assert f"{AGENCY_CLIENT_ID} (partner API; secret in docs/getting-started.md)" in built_in
    assert "secret-not-for-production" not in built_in


@pytest.mark.parametrize(("text", "expected"), [
    ("[clients", "not valid TOML"),
    ("", "no clients; add at least one [clients.ID]"),
    ("[other]\nx = 1\n", "unknown top-level key 'other'"),
    ("[clients.a]\nrestaurants = []\nsecret = 'x'\n", "client 'a': restaurants must be"),
    (f"[clients.a]\nrestaurants = ['{SAMPLE_RESTAURANT_GUID}']\n",
     "client 'a': secret must be a non-empty string"),
    ("[clients.a]\nsecret = 'x'\nrestaurants = ['harbor']\n", "'harbor' is not a restaurant"),
    (f"[clients.a]\nsecret = 'x'\nrestaurants = ['{SAMPLE_RESTAURANT_GUID}']\npartner = 1\n",
     "partner must be true or false"),
    (f"[clients.a]\nsecret = 'x'\nrestaurants = ['{SAMPLE_RESTAURANT_GUID}']\nsecrte = 'y'\n",
     "unknown field 'secrte'"),
    ("clients = 3\n", "no clients"),
])
def test_a_bad_file_is_one_line_naming_the_problem(tmp_path: Path, text: str,
                                                   expected: str) -> None:
    """Each mistake in a clients file is one line naming the file, the client and the fix."""
    path = _file(tmp_path, text.replace("'x'", f"'{SECRET}'"))
    with pytest.raises(ValueError, match=re.escape(expected)) as err:
        load_clients(path)
    message = str(err.value)
    assert str(path) in message
    assert "\n" not in message and SECRET not in message


def test_a_missing_file_is_named(tmp_path: Path) -> None:
    """A clients file that cannot be read says so, with its path."""
    with pytest.raises(ValueError, match="cannot be read"):
        load_clients(tmp_path / "absent.toml")


def test_cli_refuses_a_bad_file_with_exit_2(tmp_path: Path,
                                            capsys: pytest.CaptureFixture[str]) -> None:
    """``toast-relay sim --clients BAD`` prints one line and exits 2 before serving."""
    path = _file(tmp_path, f"[clients.a]\nsecret = '{SECRET}'\nrestaurants = ['nope']\n")
    assert main(["sim", "--clients", str(path), "--port", "1"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "'nope' is not a restaurant GUID" in err
    assert SECRET not in err
