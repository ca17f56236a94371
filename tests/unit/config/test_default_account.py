"""The TOAST_* settings beside RELAY_ACCOUNTS_FILE: the account `default` when its
credentials are given (then complete), none otherwise; without a file, unchanged."""

from __future__ import annotations

import pytest

from app.config import load_settings
from app.errors import ConfigError
from tests.support.accounts_files import ENV_DEFAULT

FILE = {"RELAY_ACCOUNTS_FILE": "/etc/toast-relay/accounts.toml"}
BESIDE = (" (TOAST_CLIENT_ID or TOAST_CLIENT_SECRET is set, so TOAST_* describe the account "
          "`default`; unset both for no such account)")


def test_with_a_file_the_toast_variables_may_be_left_out() -> None:
    """RELAY_ACCOUNTS_FILE alone is a valid start: no account `default`, empty TOAST_*."""
    s = load_settings(FILE)
    assert not s.describes_account
    assert (s.toast_api_url, s.toast_client_id, s.relay_api_keys) == ("", "", {})
    assert s.toast_client_secret.get_secret_value() == ""
    assert str(s.relay_accounts_file) == FILE["RELAY_ACCOUNTS_FILE"]


def test_blank_toast_variables_beside_a_file_mean_no_default_account() -> None:
    """`TOAST_CLIENT_ID=` lines left blank (a .env, Compose) count as unset beside a file."""
    blanks = {name: " " for name in ENV_DEFAULT}
    assert not load_settings({**FILE, **blanks}).describes_account


def test_a_blank_accounts_file_is_none() -> None:
    """`RELAY_ACCOUNTS_FILE=` left blank: one account from TOAST_*, as without it."""
    s = load_settings({**ENV_DEFAULT, "RELAY_ACCOUNTS_FILE": ""})
    assert s.relay_accounts_file is None and s.describes_account


@pytest.mark.parametrize("missing", sorted(ENV_DEFAULT))
def test_credentials_beside_a_file_make_a_complete_default_account(missing: str) -> None:
    """A client id or secret beside a file describes `default`: the other three are then
    required, each missing one named in the line load_settings gives without a file."""
    env = {k: v for k, v in {**FILE, **ENV_DEFAULT}.items() if k != missing}
    with pytest.raises(ConfigError) as info:
        load_settings(env)
    assert info.value.detail == f"{missing} is not set; set it in the environment or in .env" \
                                f"{BESIDE}"
    assert load_settings({**FILE, **ENV_DEFAULT}).describes_account


@pytest.mark.parametrize("missing", sorted(ENV_DEFAULT))
def test_without_a_file_each_toast_variable_is_required_as_before(missing: str) -> None:
    """No accounts file: a missing TOAST_*/RELAY_API_KEYS is the same line as ever."""
    with pytest.raises(ConfigError) as info:
        load_settings({k: v for k, v in ENV_DEFAULT.items() if k != missing})
    assert info.value.detail == f"{missing} is not set; set it in the environment or in .env"


def test_a_filled_in_webhook_interval_is_not_the_operators() -> None:
    """The 30-minute interval webhooks bring is not counted as RELAY_REFRESH_INTERVAL set
    (accounts inherit only an interval the operator set)."""
    filled = load_settings({**ENV_DEFAULT, "RELAY_WEBHOOK_SECRET": "hook"})
    assert filled.relay_refresh_interval == 1800
    assert "relay_refresh_interval" not in filled.model_fields_set
    chosen = load_settings({**ENV_DEFAULT, "RELAY_WEBHOOK_SECRET": "hook",
                            "RELAY_REFRESH_INTERVAL": "1800"})
    assert "relay_refresh_interval" in chosen.model_fields_set


@pytest.mark.parametrize("orphan", ["RELAY_API_KEYS", "TOAST_API_URL"])
def test_a_default_accounts_setting_without_its_credentials_is_refused(orphan: str) -> None:
    """Beside a file, RELAY_API_KEYS or TOAST_API_URL without TOAST_* credentials has no
    account to go to: one line says so instead of ignoring it."""
    with pytest.raises(ConfigError) as info:
        load_settings({**FILE, orphan: ENV_DEFAULT[orphan]})
    assert info.value.detail.startswith(f"{orphan} is set but TOAST_CLIENT_ID and "
                                        "TOAST_CLIENT_SECRET are not")
