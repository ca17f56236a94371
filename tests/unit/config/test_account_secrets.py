"""Account secrets: client_secret_file read as the secret (one trailing newline aside), a
warning when others may read it, and no secret in any error or warning."""

from __future__ import annotations

import logging
import os
from pathlib import Path
from typing import Any

import pytest

from tests.support.accounts_files import (
    ENV_DEFAULT,
    HARBOR_GUIDS,
    accounts_of,
    accounts_problem,
    harbor,
    lake,
)


def _with_secret_file(folder: Path, content: bytes, mode: int = 0o600) -> dict[str, Any]:
    secret = folder / "harbor.secret"
    secret.write_bytes(content)
    secret.chmod(mode)
    return harbor(client_secret=None, client_secret_file=str(secret))


@pytest.mark.parametrize(
    ("content", "secret"),
    [
        (b"s3cret-from-file", "s3cret-from-file"),
        (b"s3cret-from-file\n", "s3cret-from-file"),
        (b"s3cret-from-file\r\n", "s3cret-from-file"),
        (b"s3cret-from-file\n\n", "s3cret-from-file\n"),
        (b" s3cret with spaces \n", " s3cret with spaces "),
    ],
)
def test_the_secret_file_is_the_secret_less_one_trailing_newline(
        tmp_path: Path, content: bytes, secret: str) -> None:
    """One trailing "\\n" or "\\r\\n" is not part of the secret; everything else is."""
    fields = _with_secret_file(tmp_path, content)
    settings = accounts_of(tmp_path, {"harbor": fields})["harbor"]
    assert settings.toast_client_secret.get_secret_value() == secret


def test_a_relative_secret_file_is_found_beside_the_accounts_file(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """client_secret_file = "harbor.secret" means the accounts file's folder, wherever the
    relay starts."""
    _with_secret_file(tmp_path, b"beside-the-file\n")
    monkeypatch.chdir("/")
    fields = harbor(client_secret=None, client_secret_file="harbor.secret")
    settings = accounts_of(tmp_path, {"harbor": fields})["harbor"]
    assert settings.toast_client_secret.get_secret_value() == "beside-the-file"


def test_an_empty_secret_file_is_refused(tmp_path: Path) -> None:
    """A secret file holding nothing (or just the newline) names the file and the fix."""
    fields = _with_secret_file(tmp_path, b"\n")
    detail = accounts_problem(tmp_path, {"harbor": fields})
    assert f"account 'harbor': client_secret_file {tmp_path / 'harbor.secret'} is empty; " \
           "put the client secret in it" in detail


def _unreadable(folder: Path) -> Path:
    """A secret path the relay's user cannot read: mode 000, or (as root, who reads any
    file) a directory in its place."""
    path = folder / "harbor.secret"
    path.write_text("unreadable-secret\n")
    path.chmod(0)
    if os.access(path, os.R_OK):
        path.unlink()
        path.mkdir()
    return path


def test_an_unreadable_secret_file_names_the_path_and_the_reason(tmp_path: Path) -> None:
    """A secret file that cannot be read: the account, the path, the system's reason, the fix."""
    path = _unreadable(tmp_path)
    reason = "Is a directory" if path.is_dir() else "Permission denied"
    detail = accounts_problem(tmp_path, {"harbor": harbor(client_secret=None,
                                                          client_secret_file=str(path))})
    assert detail == (f"RELAY_ACCOUNTS_FILE {tmp_path / 'accounts.toml'}: account 'harbor': "
                      f"client_secret_file {path} cannot be read ({reason}); make it readable "
                      "by the relay's user")


def test_a_missing_secret_file_names_the_path(tmp_path: Path) -> None:
    """A secret file that does not exist: the path and "No such file or directory"."""
    missing = tmp_path / "nowhere" / "harbor.secret"
    detail = accounts_problem(tmp_path, {"harbor": harbor(client_secret=None,
                                                          client_secret_file=str(missing))})
    assert f"client_secret_file {missing} cannot be read (No such file or directory)" in detail


def test_a_secret_file_others_may_read_is_warned_about(
        tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    """Mode 0644: loaded, with one warning naming the account, the path and chmod 600."""
    fields = _with_secret_file(tmp_path, b"group-readable-secret\n", mode=0o644)
    with caplog.at_level(logging.WARNING, logger="toast_relay"):
        accounts_of(tmp_path, {"harbor": fields})
    warnings = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert len(warnings) == 1
    assert "account 'harbor'" in warnings[0] and str(tmp_path / "harbor.secret") in warnings[0]
    assert "mode 0644" in warnings[0] and "chmod 600" in warnings[0]
    assert "group-readable-secret" not in warnings[0]


def test_a_private_secret_file_is_not_warned_about(
        tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    """Mode 0600 (or 0400): no warning."""
    fields = _with_secret_file(tmp_path, b"private-secret\n", mode=0o400)
    with caplog.at_level(logging.WARNING, logger="toast_relay"):
        accounts_of(tmp_path, {"harbor": fields})
    assert [r for r in caplog.records if r.levelno >= logging.WARNING] == []


SECRETS = {
    "client": "Zq7-client-secret-SENTINEL-1",
    "screen": "Zq7-screen-key-SENTINEL-2",
    "admin": "Zq7-admin-key-SENTINEL-3",
    "hook": "Zq7-webhook-secret-SENTINEL-4",
    "global": "Zq7-global-admin-SENTINEL-5",
}


def _leaky_cases(folder: Path) -> list[tuple[dict[str, dict[str, Any]], dict[str, str]]]:
    """Accounts (and environment) each refused while holding every distinctive secret."""
    full = harbor(client_secret=SECRETS["client"], screen_keys=[SECRETS["screen"]],
                  admin_key=SECRETS["admin"], webhook_secrets=[SECRETS["hook"]])
    env = {**ENV_DEFAULT, "RELAY_ADMIN_KEY": SECRETS["global"]}
    secret_file = folder / "secret"
    secret_file.write_text(SECRETS["client"] + "\n")
    secret_file.chmod(0o644)
    return [
        ({"harbor": {**full, "auth_mode": "oauth"}}, env),
        ({"harbor": {**full, "client_secret": SECRETS["client"] + "-replace-with"}}, env),
        ({"harbor": {**full, "screen_keys": [SECRETS["screen"], "short"]}}, env),
        ({"harbor": {**full, "screen_keys": {SECRETS["screen"]: ["elsewhere"]}}}, env),
        ({"harbor": {**full, "webhook_secrets": [SECRETS["hook"] + ",x"]}}, env),
        ({"harbor": {**full, "webhook_secrets": [SECRETS["hook"] + "-replace-with"]}}, env),
        ({"harbor": full, "lake": lake(screen_keys=[SECRETS["screen"]])}, env),
        ({"harbor": full, "lake": lake(admin_key=SECRETS["admin"])}, env),
        ({"harbor": full, "lake": lake(screen_keys=[SECRETS["admin"]])}, env),
        ({"harbor": {**full, "admin_key": SECRETS["global"]}}, env),
        ({"harbor": {**full, "screen_keys": [SECRETS["global"]]}}, env),
        ({"harbor": {**full, "client_secret": None, "client_secret_file": str(secret_file),
                     "restaurants": {"x": HARBOR_GUIDS[0] + "0"}}}, env),
        ({"harbor": {**full, "admin_key": SECRETS["admin"][:10]}}, env),
    ]


def test_no_secret_in_any_error_or_warning(
        tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    """Client secrets, screen keys, admin keys and webhook secrets appear in no error line
    and no warning, whichever rule refuses them."""
    seen: list[str] = []
    with caplog.at_level(logging.DEBUG):
        for accounts, env in _leaky_cases(tmp_path):
            seen.append(accounts_problem(tmp_path, accounts, **env))
    seen.extend(r.getMessage() for r in caplog.records)
    assert len(seen) > len(_leaky_cases(tmp_path))  # the 0644 file's warning is among them
    for line in seen:
        for secret in SECRETS.values():
            assert secret not in line, line


def test_no_secret_in_an_accounts_settings_repr(tmp_path: Path) -> None:
    """A loaded account's settings show no client secret, key or webhook secret in repr."""
    full = harbor(client_secret=SECRETS["client"], screen_keys=[SECRETS["screen"]],
                  admin_key=SECRETS["admin"], webhook_secrets=[SECRETS["hook"]])
    accounts = accounts_of(tmp_path, {"harbor": full},
                           **{**ENV_DEFAULT, "RELAY_ADMIN_KEY": SECRETS["global"]})
    for settings in accounts.values():
        for secret in SECRETS.values():
            assert secret not in repr(settings)
