"""Webhook settings: a comma list of secrets, and the 30-minute backup poll when they are on."""

from __future__ import annotations

import pytest

from app.config import load_settings
from app.errors import ConfigError

BASE = {"TOAST_API_URL": "http://toast.test", "TOAST_CLIENT_ID": "id",
        "TOAST_CLIENT_SECRET": "secret-value", "RELAY_API_KEYS": "k" * 20}


def test_webhooks_off_by_default_and_poll_every_minute() -> None:
    """Without RELAY_WEBHOOK_SECRET there are no secrets and metadata is checked every 60 s."""
    s = load_settings(BASE)
    assert s.webhook_secrets() == [] and s.relay_refresh_interval == 60


def test_webhooks_on_make_the_check_a_30_minute_backup() -> None:
    """With secrets set, the default metadata check is every 30 minutes (Toast's advice)."""
    s = load_settings({**BASE, "RELAY_WEBHOOK_SECRET": " menus-secret , stock-secret "})
    assert s.webhook_secrets() == ["menus-secret", "stock-secret"]
    assert s.relay_refresh_interval == 1800


def test_explicit_interval_wins_over_the_webhook_default() -> None:
    """RELAY_REFRESH_INTERVAL set by the operator is kept when webhooks are on."""
    s = load_settings({**BASE, "RELAY_WEBHOOK_SECRET": "s", "RELAY_REFRESH_INTERVAL": "5m"})
    assert s.relay_refresh_interval == 300


def test_placeholder_secret_is_refused_in_one_line() -> None:
    """The .env.example placeholder is refused, naming the variable."""
    with pytest.raises(ConfigError, match="RELAY_WEBHOOK_SECRET"):
        load_settings({**BASE, "RELAY_WEBHOOK_SECRET": "replace-with-menus-secret"})


def test_event_stream_settings() -> None:
    """Event stream limits: connections per process and the heartbeat, validated."""
    s = load_settings({**BASE, "RELAY_EVENTS_MAX_CONNECTIONS": "50",
                       "RELAY_EVENTS_HEARTBEAT": "20s"})
    assert (s.relay_events_max_connections, s.relay_events_heartbeat) == (50, 20)
    with pytest.raises(ConfigError, match="RELAY_EVENTS_MAX_CONNECTIONS"):
        load_settings({**BASE, "RELAY_EVENTS_MAX_CONNECTIONS": "0"})
