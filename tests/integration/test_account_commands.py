"""`toast-relay check --account` and `setup --account` against the simulator's two clients
over 127.0.0.1: the sections and exit codes of check, the table setup appends, a running
relay serving that account after POST /admin/reload, and the refusals."""

from __future__ import annotations

import json
import os
import stat
import subprocess
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from app.config import account_toml
from app.config.accounts_file import read_accounts_file
from app.sim.sample import (
    AGENCY_BAKERY_GUID,
    AGENCY_CLIENT_ID,
    AGENCY_CLIENT_SECRET,
    AGENCY_TAQUERIA_GUID,
    SAMPLE_CLIENT_ID,
    SAMPLE_CLIENT_SECRET,
    SAMPLE_RESTAURANT_GUID,
)
from tests.support.procs import RELAY
from tests.support.relay_env import KEY, relay_env
from tests.support.stack import RunningStack, running_stack
from tests.support.terminal import converse
from tests.support.waits import wait_for

pytestmark = pytest.mark.integration
ADMIN = "admin-key-0123456789abcdef"
AGENCY = {"taqueria": AGENCY_TAQUERIA_GUID, "bakery": AGENCY_BAKERY_GUID}
AGENCY_KEY = "agency-screen-key-0123456789"


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningStack]:
    with running_stack(tmp_path_factory.mktemp("account-commands"), relays=0) as stack:
        yield stack


def run(args: list[str], env: dict[str, str], cwd: Path) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("TOAST_", "RELAY_"))}
    return subprocess.run([RELAY, *args], env={**clean, **env}, cwd=cwd, capture_output=True,
                          text=True, timeout=60, stdin=subprocess.DEVNULL)


def logins(sim: str, client: str) -> int:
    by_client = httpx.get(f"{sim}/_sim/calls").json().get("by_client", {})
    return int(by_client.get(client, {}).get("calls", {}).get("login", 0))


def agency_file(folder: Path, sim: str, secret: str = AGENCY_CLIENT_SECRET) -> Path:
    path = folder / "accounts.toml"
    path.write_text(account_toml("agency", {
        "api_url": sim, "client_id": AGENCY_CLIENT_ID, "client_secret": secret,
        "restaurants": AGENCY, "screen_keys": [AGENCY_KEY]}))
    path.chmod(0o600)
    return path


def default_env(sim: str, **extra: str) -> dict[str, str]:
    return relay_env(sim, RELAY_RESTAURANTS=json.dumps({"harbor": SAMPLE_RESTAURANT_GUID}),
                     **extra)


def test_check_covers_every_account_under_its_name(stack: RunningStack, tmp_path: Path) -> None:
    """With an accounts file and no --account, check checks `default` then `agency`, each
    under its name with its own restaurants, and exits 0."""
    env = default_env(stack.sim, RELAY_ACCOUNTS_FILE=str(agency_file(tmp_path, stack.sim)))
    r = run(["check"], env, tmp_path)
    assert r.returncode == 0, r.stdout + r.stderr
    default, agency = r.stdout.split("== account agency")
    assert "== account default" in default and "Harbor Lights Kitchen" in default
    assert "Taquería Sol" in agency and "Rise & Crumb Bakery" in agency
    assert "Taquería" not in default and "Harbor" not in agency


def test_check_one_account_logs_in_as_that_account(stack: RunningStack, tmp_path: Path) -> None:
    """check --account agency --login checks that account only, with exactly one login of
    the agency's client and none of the default one."""
    env = default_env(stack.sim, RELAY_ACCOUNTS_FILE=str(agency_file(tmp_path, stack.sim)))
    agency, sample = logins(stack.sim, AGENCY_CLIENT_ID), logins(stack.sim, SAMPLE_CLIENT_ID)
    r = run(["check", "--account", "agency", "--login"], env, tmp_path)
    assert r.returncode == 0, r.stdout + r.stderr
    assert "== account agency" in r.stdout and "== account default" not in r.stdout
    assert "Taquería Sol" in r.stdout and "--login" in r.stdout
    assert logins(stack.sim, AGENCY_CLIENT_ID) == agency + 1
    assert logins(stack.sim, SAMPLE_CLIENT_ID) == sample


def test_check_fails_for_the_failing_account_only(stack: RunningStack, tmp_path: Path) -> None:
    """An account whose secret Toast rejects: its section fails, the other passes, exit 1,
    the last line names it, and the rejected secret is never echoed."""
    path = agency_file(tmp_path, stack.sim, secret="wrong-agency-secret-123")
    r = run(["check"], default_env(stack.sim, RELAY_ACCOUNTS_FILE=str(path)), tmp_path)
    assert r.returncode == 1
    default, agency = r.stdout.split("== account agency")
    assert "FAIL" not in default and "FAIL login" in agency
    assert r.stdout.strip().splitlines()[-1] == "1 of 2 account(s) failed: agency"
    assert "wrong-agency-secret-123" not in r.stdout + r.stderr


def test_check_an_unknown_account_lists_the_known_ones(stack: RunningStack,
                                                       tmp_path: Path) -> None:
    """check --account nope: one line listing the accounts, exit 2, no Toast call."""
    env = default_env(stack.sim, RELAY_ACCOUNTS_FILE=str(agency_file(tmp_path, stack.sim)))
    before = httpx.get(f"{stack.sim}/_sim/calls").json()["total"]
    r = run(["check", "--account", "nope"], env, tmp_path)
    assert r.returncode == 2 and r.stdout == ""
    assert len(r.stderr.strip().splitlines()) == 1 and "default, agency" in r.stderr
    assert httpx.get(f"{stack.sim}/_sim/calls").json()["total"] == before


def setup_agency(stack: RunningStack, folder: Path, accounts: Path,
                 *args: str) -> subprocess.CompletedProcess[str]:
    env = {"TOAST_API_URL": stack.sim, "TOAST_CLIENT_ID": AGENCY_CLIENT_ID,
           "TOAST_CLIENT_SECRET": AGENCY_CLIENT_SECRET, "RELAY_DATA_DIR": str(folder / "data")}
    return run(["setup", "--yes", "--account", "agency", "--accounts-file", str(accounts),
                "--public-url", "http://tv.test:8080", *args], env, folder)


def test_setup_appends_an_account_a_running_relay_then_serves(stack: RunningStack,
                                                              tmp_path: Path) -> None:
    """setup --account agency appends its table (secret in secrets/agency, 0600) to the
    accounts file of a running relay; after POST /admin/reload the relay serves the agency's
    restaurants with the new key, reusing setup's token (1 agency login in all), while the
    default key is refused them (403) and the new key is refused the default's (403)."""
    accounts = tmp_path / "accounts.toml"
    accounts.write_text("# the agency's accounts\n")
    accounts.chmod(0o600)
    relay_proc, url = stack.start_relay(RELAY_ACCOUNTS_FILE=str(accounts), RELAY_ADMIN_KEY=ADMIN,
                                        RELAY_DATA_DIR=str(tmp_path / "data"))
    before = logins(stack.sim, AGENCY_CLIENT_ID)
    r = setup_agency(stack, tmp_path, accounts)
    assert r.returncode == 0, r.stdout + r.stderr
    table = read_accounts_file(accounts)["agency"]
    key = table["screen_keys"][0]
    assert table["restaurants"] == {"taqueria-sol": AGENCY_TAQUERIA_GUID,
                                    "rise-crumb-bakery": AGENCY_BAKERY_GUID}
    assert table["client_secret_file"] == "secrets/agency" and "client_secret" not in table
    secret = tmp_path / "secrets" / "agency"
    assert stat.S_IMODE(secret.stat().st_mode) == 0o600
    assert stat.S_IMODE(accounts.stat().st_mode) == 0o600
    assert f"http://tv.test:8080/board/taqueria-sol?key={key}" in r.stdout
    assert "http://tv.test:8080/webhooks/toast/agency" in r.stdout
    assert "kill -HUP" in r.stdout and "/admin/reload" in r.stdout
    assert AGENCY_CLIENT_SECRET not in r.stdout + r.stderr + accounts.read_text()
    assert table["admin_key"] not in r.stdout

    done = httpx.post(f"{url}/admin/reload", headers={"X-API-Key": ADMIN}, timeout=60)
    assert done.status_code == 200 and done.json()["added"] == ["agency"], done.text
    menu = httpx.get(f"{url}/menu/taqueria-sol", params={"key": key}, timeout=15)
    assert menu.status_code == 200 and menu.json()["restaurant"]["name"] == "Taquería Sol"
    wait_for(lambda: httpx.get(f"{url}/menu/rise-crumb-bakery", params={"key": key},
                               timeout=15).status_code == 200, 15, "the bakery's menu")
    assert httpx.get(f"{url}/menu/taqueria-sol", params={"key": KEY}).status_code == 403
    assert httpx.get(f"{url}/menu/harbor", params={"key": key}).status_code == 403
    assert logins(stack.sim, AGENCY_CLIENT_ID) == before + 1
    assert AGENCY_CLIENT_SECRET not in relay_proc.output()


def test_setup_refuses_a_name_already_in_the_file(stack: RunningStack, tmp_path: Path) -> None:
    """setup --account with a name the file has: one line, exit 2, before any login, the
    file unchanged."""
    accounts = agency_file(tmp_path, stack.sim)
    before_text, before = accounts.read_text(), logins(stack.sim, AGENCY_CLIENT_ID)
    r = setup_agency(stack, tmp_path, accounts)
    assert r.returncode == 2 and "already in" in r.stderr
    assert len(r.stderr.strip().splitlines()) == 1 and "Traceback" not in r.stderr
    assert accounts.read_text() == before_text
    assert logins(stack.sim, AGENCY_CLIENT_ID) == before


def test_setup_refuses_what_the_file_would_not_load(stack: RunningStack, tmp_path: Path) -> None:
    """Credentials whose restaurants another account of the file already has: the loader's
    one line naming the account, exit 2, nothing written (no table, no secret file)."""
    accounts = tmp_path / "accounts.toml"
    accounts.write_text(account_toml("agency", {
        "api_url": stack.sim, "client_id": SAMPLE_CLIENT_ID,
        "client_secret": SAMPLE_CLIENT_SECRET, "restaurants": [AGENCY_TAQUERIA_GUID],
        "screen_keys": [AGENCY_KEY]}))
    before = accounts.read_text()
    r = run(["setup", "--yes", "--account", "second", "--accounts-file", str(accounts)],
            {"TOAST_API_URL": stack.sim, "TOAST_CLIENT_ID": AGENCY_CLIENT_ID,
             "TOAST_CLIENT_SECRET": AGENCY_CLIENT_SECRET}, tmp_path)
    assert r.returncode == 2, r.stdout + r.stderr
    line = r.stderr.strip()
    assert "\n" not in line and "'second'" in line and AGENCY_TAQUERIA_GUID in line
    assert "not changed" in line and AGENCY_CLIENT_SECRET not in r.stdout + r.stderr
    assert accounts.read_text() == before and not (tmp_path / "secrets").exists()


@pytest.mark.parametrize(("args", "expected"), [
    (["--account", "Agency!"], "1-40 lower-case"),
    (["--account", "agency"], "--accounts-file PATH or set RELAY_ACCOUNTS_FILE"),
    (["--account", "agency", "--env-file", "x.env"], "drop --env-file"),
    (["--accounts-file", "a.toml"], "--accounts-file goes with --account"),
])
def test_setup_account_flag_refusals(tmp_path: Path, args: list[str], expected: str) -> None:
    """Unusable flags: one line naming the problem and the fix, exit 2, nothing written."""
    env = {"TOAST_API_URL": "http://127.0.0.1:9", "TOAST_CLIENT_ID": "x",
           "TOAST_CLIENT_SECRET": "y"}
    r = run(["setup", "--yes", *args], env, tmp_path)
    assert r.returncode == 2 and expected in r.stderr
    assert len(r.stderr.strip().splitlines()) == 1
    assert list(tmp_path.iterdir()) == []


def test_interactive_setup_asks_for_the_new_accounts_credentials(stack: RunningStack,
                                                                  tmp_path: Path) -> None:
    """At a terminal, with the account `default`'s TOAST_* in the environment, setup
    --account asks for the new client's id and secret (not taking those), skips an alias
    another account uses, and appends a table that loads with the default account beside
    it."""
    accounts = tmp_path / "accounts.toml"
    accounts.write_text(account_toml("first", {
        "api_url": stack.sim, "client_id": AGENCY_CLIENT_ID, "client_secret": "unused-here",
        "restaurants": {"taqueria": "c0dd7491-0000-4000-8000-0000000000aa"},
        "screen_keys": [AGENCY_KEY]}))
    env = {**{k: v for k, v in os.environ.items() if not k.startswith(("TOAST_", "RELAY_"))},
           **default_env(stack.sim), "RELAY_ACCOUNTS_FILE": str(accounts)}
    session = converse([RELAY, "setup", "--account", "agency"], env, tmp_path, [
        ("Toast API host", stack.sim),
        ("Client ID", AGENCY_CLIENT_ID),
        ("Client secret", AGENCY_CLIENT_SECRET),
        ("Which to serve", "1"),
        ("Alias for Taquer", "taqueria"),
        ("Alias for Taquer", "sol"),
        ("The relay's address", "https://relay.example.com"),
    ])
    assert session.returncode == 0, session.screen
    assert "another account of the accounts file uses it" in session.screen
    assert AGENCY_CLIENT_SECRET not in session.screen
    assert f"[{SAMPLE_CLIENT_ID}]" not in session.screen and "taken from" not in session.screen
    assert read_accounts_file(accounts)["agency"]["restaurants"] == {"sol": AGENCY_TAQUERIA_GUID}
    assert "https://relay.example.com/webhooks/toast/agency" in session.screen
    r = run(["check", "--account", "agency"], default_env(
        stack.sim, RELAY_ACCOUNTS_FILE=str(accounts)), tmp_path)
    assert r.returncode == 0, r.stdout + r.stderr
