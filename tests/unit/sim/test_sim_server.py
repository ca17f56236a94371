"""The simulator server's settings from its environment."""

from __future__ import annotations

import pytest

from app.sim.server import token_lifetime_from_env


def test_token_lifetime_env() -> None:
    """SIM_TOKEN_LIFETIME sets the lifetime (plain seconds or with a unit); default one day."""
    assert token_lifetime_from_env({}) == 86400
    assert token_lifetime_from_env({"SIM_TOKEN_LIFETIME": "90"}) == 90
    assert token_lifetime_from_env({"SIM_TOKEN_LIFETIME": "2m"}) == 120
    with pytest.raises(ValueError, match="SIM_TOKEN_LIFETIME"):
        token_lifetime_from_env({"SIM_TOKEN_LIFETIME": "0"})
