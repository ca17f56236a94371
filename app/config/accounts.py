"""Placeholder until the accounts file lands: one account from the environment."""

from __future__ import annotations

from app.config.settings import Settings

DEFAULT_ACCOUNT = "default"


def load_accounts(base: Settings) -> dict[str, Settings]:
    return {DEFAULT_ACCOUNT: base}
