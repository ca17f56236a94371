"""Settings built from the environment, every problem reported as one line.

The CLI prints that line and exits, never a traceback.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pydantic import ValidationError

from app.config.settings import Settings
from app.errors import ConfigError


def one_line(exc: ValidationError) -> str:
    """The first problem of ``exc`` as ``NAME problem; fix``, NAME the variable's name."""
    err = exc.errors()[0]
    loc = err.get("loc") or ()
    name = str(loc[0]).upper() if loc else ""
    msg = str(err.get("msg", "is invalid"))
    msg = msg.removeprefix("Value error, ")
    if err.get("type") == "missing":
        return f"{name} is not set; set it in the environment or in .env"
    if not name:
        return msg
    if err.get("type") == "literal_error":
        return f"{name} {msg[0].lower()}{msg[1:]}"
    return f"{name} {msg}" if not msg.startswith(name) else msg


def load_settings(env: Mapping[str, str] | None = None, **overrides: Any) -> Settings:
    """Build ``Settings`` from ``env`` (or the process environment and ``.env``).

    Raises ``ConfigError`` with one line naming the variable and what to do.
    """
    try:
        if env is None:
            return Settings(**overrides)
        values: dict[str, Any] = {k.lower(): v for k, v in env.items() if k.lower() in
                                  Settings.model_fields}
        values.update(overrides)
        return Settings(_env_file=None, **values)
    except ValidationError as exc:
        raise ConfigError(one_line(exc)) from None
