"""`toast-relay demo`'s second account: the accounts file it writes."""

from __future__ import annotations

import stat
from pathlib import Path

from app.config import load_accounts, load_settings
from app.demo import DEMO_AGENCY_KEY, DEMO_AGENCY_RESTAURANTS, write_demo_accounts
from tests.support.accounts_files import ENV_DEFAULT


def test_the_demo_accounts_file_is_private_and_loads(tmp_path: Path) -> None:
    """The demo's accounts file is 0600 and gives the account `agency` its own restaurants
    and key beside the TOAST_* account `default`."""
    path = write_demo_accounts(tmp_path, 18081)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    loaded = load_accounts(load_settings({"RELAY_ACCOUNTS_FILE": str(path), **ENV_DEFAULT}))
    assert list(loaded) == ["default", "agency"]
    assert loaded["agency"].relay_restaurants == DEMO_AGENCY_RESTAURANTS
    assert list(loaded["agency"].relay_api_keys) == [DEMO_AGENCY_KEY]
