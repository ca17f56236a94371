"""The ``Settings`` model: every setting, its default, its bounds and its meaning.

Field docstrings are the configuration reference (``python -m app.config_doc``);
the validators reject a bad value with a message that says what to write instead.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import Field, ModelWrapValidatorHandler, SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

import app.config.checks as checks
import app.config.default_account as default_account
from app.config.default_account import DEFAULT_ACCOUNT_FIELDS, is_blank
from app.config.parsing import (
    KeyScopes,
    normalize_base_url,
    parse_api_keys,
    parse_duration,
    parse_origins,
    parse_restaurants,
    split_list,
)

WEBHOOK_REFRESH_INTERVAL = 1800.0
"""Metadata check interval when webhooks are on and RELAY_REFRESH_INTERVAL is not set."""

Seconds = Annotated[float, NoDecode]


class Settings(BaseSettings):
    """Every setting, read from the environment (names in upper case) or ``.env``.

    Each field's docstring is its meaning in the configuration reference
    (``python -m app.config_doc`` writes docs/configuration.md from this class).
    """

    model_config = SettingsConfigDict(
        env_file=".env", env_file_encoding="utf-8", extra="ignore", case_sensitive=False,
        use_attribute_docstrings=True,
    )

    # Empty defaults left unchecked: they mean "not set", which _toast_account judges.
    toast_api_url: str = Field("", validate_default=False)
    """Toast base URL (`https://ws-api.toasttab.com`, a sandbox host, or the simulator); a
    bare hostname means https."""
    toast_client_id: str = Field("", validate_default=False)
    """The Toast API client's id, from Toast Web."""
    toast_client_secret: SecretStr = Field(SecretStr(""), validate_default=False)
    """The Toast API client's secret, from Toast Web; never logged, shown or exported."""
    toast_user_access_type: str = "TOAST_MACHINE_CLIENT"
    """Sent with the login."""
    toast_auth_mode: Literal["machine", "legacy"] = "machine"
    """`machine` (JSON login at `/authentication/v1/authentication/login`) or `legacy`
    (form-encoded `client_credentials` at `/usermgmt/v1/oauth/token`)."""
    toast_token_refresh_window: Seconds = 60.0
    """Seconds before expiry inside which the token is refreshed proactively (Toast only
    issues a new token in the last minute); 2 to 3600. A token stops being sent 5 s before
    it expires (a quarter of the window when the window is shorter than 20 s), so the
    refresh always comes first."""
    toast_logins_per_hour: int = Field(2, ge=1)
    """Login budget while a valid token exists (Toast asks for no more than 2)."""
    toast_timeout: Seconds = 10.0
    """Seconds to wait for Toast per request."""

    relay_api_keys: Annotated[KeyScopes, NoDecode] = Field(
        default_factory=dict, repr=False, validate_default=False)
    """Screen keys (16+ characters): a comma list (each key reads every allowed
    restaurant), or a JSON object key → list of GUIDs/aliases or `"*"`."""
    relay_admin_key: SecretStr | None = None
    """Key for `/admin/*` (16+ characters); unset, the admin routes answer 401."""
    relay_metrics_key: SecretStr | None = None
    """When set, `/metrics` answers only to this key: `Authorization: Bearer …`
    (Prometheus' `authorization: {credentials_file: …}`), `X-API-Key` or `?key=`; not the
    admin key. Unset, `/metrics` is open: keep it off the internet."""
    relay_session_secret: SecretStr | None = None
    """Signs the admin console's session cookies (32+ characters); unset, one is generated
    and kept in Redis (with `REDIS_URL`) or `RELAY_DATA_DIR`, so replicas share it."""
    relay_restaurants: Annotated[dict[str, str], NoDecode] = Field(default_factory=dict)
    """Allowlist: a comma list of GUIDs, or a JSON object alias → GUID (so screens can use
    `/menu/downtown`); these are warmed at start-up and always polled. Unset: any GUID a
    key allows."""
    relay_refresh_interval: Seconds = 60.0
    """Seconds between `/menus/v2/metadata` checks per active restaurant; with webhooks on
    (`RELAY_WEBHOOK_SECRET`) this is only the backup and defaults to 1800 (Toast's advice).
    Stretched automatically when many restaurants would exceed Toast's 15-minute budget
    (`/admin/status` → `budget`)."""
    relay_stock_interval: Seconds = 60.0
    """Seconds between stock checks per active restaurant (stretched alike)."""
    relay_stale_max: Seconds = 7 * 86400.0
    """How long the last good copy may be served while Toast fails."""
    relay_idle_after: Seconds = 86400.0
    """A restaurant nobody asked for this long stops being polled."""
    relay_not_found_ttl: Seconds = 300.0
    """How long a restaurant Toast refused (403/404) is answered 404 without asking Toast
    again."""
    relay_first_load_wait: Seconds = 10.0
    """Longest a screen waits for a restaurant's first load before a 503 `not_ready` with
    `Retry-After`."""
    relay_passthrough_ttl: Seconds = 30.0
    """How long a `/toast/...` pass-through answer is reused."""
    relay_csv_escape_formulas: bool = True
    """CSV text cells starting with `=`, `+`, `-` or `@` get a leading `'` so a spreadsheet
    shows them as text instead of running them ("CSV injection"); `false` for consumers
    that need the raw text."""
    relay_data_dir: Path | None = None
    """Where last-good menus, the token, screens and the change history survive restarts;
    directories the relay creates there are 0700, files 0600; a damaged or unreadable saved
    file is logged once with its path and ignored (menu: loaded from Toast; token: a new
    login), then replaced. Unset: nothing survives a restart."""
    relay_webhook_secret: SecretStr | None = None
    """Toast webhook signing secrets, a comma list (one per subscription: menus and stock
    have different ones); turns on `POST /webhooks/toast`. Unset: webhooks off."""
    relay_events_max_connections: int = Field(5000, ge=1)
    """Open `/events` streams per process (not in `RELAY_LIMIT_CONCURRENCY`); past it a new
    stream gets 503 (boards then poll). One replica holds 5,000 (docs/deployment.md)."""
    relay_events_heartbeat: Seconds = 15.0
    """Seconds between `: ping` comments on an idle `/events` stream (spread: not all at once)."""
    redis_url: SecretStr | None = None
    """Several replicas act as one relay through this Redis (`redis://` or `rediss://`,
    password in the URL; needs `pip install 'toast-relay[redis]'`, included in the Docker
    image). Redis then holds the Toast token: protect it. Unset: one process, state in
    memory (and `RELAY_DATA_DIR`)."""
    relay_accounts_file: Path | None = None
    """A TOML file naming several Toast accounts (docs/accounts.md); the `TOAST_*` variables
    then describe the account named `default`, if set (`TOAST_API_URL`, `TOAST_CLIENT_ID`,
    `TOAST_CLIENT_SECRET` and `RELAY_API_KEYS` are required only for it)."""
    relay_log_format: Literal["json", "text"] = "json"
    """`json` (one object per line) or `text` (for humans)."""
    relay_access_log: bool = True
    """One access line per request (`false` turns them off)."""
    relay_metrics_restaurants: int = Field(100, ge=0)
    """`/metrics` has per-restaurant series while at most this many restaurants are
    tracked, only aggregates beyond (0: always aggregates)."""
    relay_trusted_proxies: str = "127.0.0.1"
    """Proxies whose `X-Forwarded-*` headers are honoured (comma list)."""
    relay_limit_concurrency: int = Field(1000, ge=1)
    """Requests in progress past which the relay answers 503 at once (the JSON error body,
    `"error": "overloaded"`); open `/events` streams and idle connections do not count."""
    relay_keepalive_timeout: Seconds = 5.0
    """Seconds an idle keep-alive connection stays open after an answer."""
    relay_root_path: str = ""
    """Serve under a sub-path, e.g. `/toast` (requests with and without the prefix both
    route, so the proxy may strip it or not)."""
    relay_image_allow_private: bool = False
    """Let `/image` fetch item images from loopback and private addresses (never needed
    for Toast's own image host; the demo's simulator serves its images on 127.0.0.1)."""
    relay_history_size: int = Field(100, ge=1, le=10000)
    """Menu versions kept per restaurant for `/admin/changes`."""
    relay_cors_origins: Annotated[tuple[str, ...], NoDecode] = ("*",)
    """Origins whose pages (players' HTML widgets) may read the screen routes: `*`, a
    comma list such as `https://apps.signage.example,http://10.0.0.5:8000` (`null` for
    pages opened from a file), or empty for none; never with credentials, never on admin
    routes."""

    @field_validator("toast_api_url", mode="before")
    @classmethod
    def _url(cls, v: object) -> str:
        return normalize_base_url(str(v))

    @field_validator("toast_client_id")
    @classmethod
    def _client_id(cls, v: str) -> str:
        if not v.strip():
            raise ValueError("is empty; copy the client id from Toast Web")
        return v.strip()

    @field_validator("toast_client_secret")
    @classmethod
    def _secret(cls, v: SecretStr) -> SecretStr:
        checks.check_client_secret(v.get_secret_value())
        return v

    @field_validator("relay_session_secret")
    @classmethod
    def _session_secret(cls, v: SecretStr | None) -> SecretStr | None:
        if v is None or not v.get_secret_value():
            return None
        checks.check_session_secret(v.get_secret_value())
        return v

    @field_validator("relay_admin_key", "relay_metrics_key")
    @classmethod
    def _admin_key(cls, v: SecretStr | None) -> SecretStr | None:
        if v is not None:
            checks.check_random_key(v.get_secret_value())
        return v

    @field_validator("relay_api_keys", mode="before")
    @classmethod
    def _keys(cls, v: object) -> KeyScopes:
        return v if isinstance(v, dict) else parse_api_keys(str(v))

    @field_validator("relay_cors_origins", mode="before")
    @classmethod
    def _origins(cls, v: object) -> tuple[str, ...]:
        return tuple(v) if isinstance(v, list | tuple) else parse_origins(str(v))

    @field_validator("relay_restaurants", mode="before")
    @classmethod
    def _restaurants(cls, v: object) -> dict[str, str]:
        return v if isinstance(v, dict) else parse_restaurants(str(v))

    @field_validator(
        "toast_token_refresh_window", "toast_timeout", "relay_refresh_interval",
        "relay_stock_interval", "relay_stale_max", "relay_idle_after", "relay_not_found_ttl",
        "relay_events_heartbeat", "relay_passthrough_ttl", "relay_keepalive_timeout",
        "relay_first_load_wait",
        mode="before",
    )
    @classmethod
    def _duration(cls, v: object) -> float:
        seconds = parse_duration(v)
        if seconds <= 0:
            raise ValueError("must be more than 0 seconds")
        return seconds

    @field_validator("toast_token_refresh_window")
    @classmethod
    def _window(cls, v: float) -> float:
        checks.check_refresh_window(v)
        return v

    @field_validator("relay_webhook_secret")
    @classmethod
    def _webhook_secret(cls, v: SecretStr | None) -> SecretStr | None:
        if v is None or not v.get_secret_value().strip():
            return None
        checks.check_webhook_secrets(split_list(v.get_secret_value()))
        return v

    @model_validator(mode="wrap")
    @classmethod
    def _webhook_defaults(cls, data: Any, handler: ModelWrapValidatorHandler[Settings]
                          ) -> Settings:
        # With webhooks on, metadata polling is only the backup: Toast recommends
        # checking every 30 minutes (docs/toast-api.md, webhooks). An explicit setting always wins.
        filled = False
        if isinstance(data, dict) and data.get("relay_refresh_interval") in (None, ""):
            filled = not is_blank(data.get("relay_webhook_secret"))
            if filled:
                data = {**data, "relay_refresh_interval": WEBHOOK_REFRESH_INTERVAL}
        settings = handler(data)
        if filled:
            # Not the operator's setting, so accounts in RELAY_ACCOUNTS_FILE do not inherit it.
            settings.model_fields_set.discard("relay_refresh_interval")
        return settings

    @model_validator(mode="before")
    @classmethod
    def _blank_means_unset(cls, data: Any) -> Any:
        return default_account.without_blanks(data) if isinstance(data, dict) else data

    @model_validator(mode="after")
    def _toast_account(self) -> Settings:
        # Without RELAY_ACCOUNTS_FILE these settings are the relay's one account; with it they
        # are the account `default`, which exists only when its credentials are given.
        given = (self.toast_api_url, self.toast_client_id,
                 self.toast_client_secret.get_secret_value(), self.relay_api_keys)
        default_account.check_toast_account(dict(zip(DEFAULT_ACCOUNT_FIELDS, given, strict=True)),
                                   accounts_file=self.relay_accounts_file is not None)
        return self

    @property
    def describes_account(self) -> bool:
        """True when the TOAST_* settings name a Toast client (always, without an accounts file)."""
        return bool(self.toast_client_id)

    def webhook_secrets(self) -> list[str]:
        """The configured webhook secrets (one per Toast subscription); empty = webhooks off."""
        raw = self.relay_webhook_secret
        return split_list(raw.get_secret_value()) if raw is not None else []

    @field_validator("relay_data_dir")
    @classmethod
    def _data_dir(cls, v: Path | None) -> Path | None:
        if v is not None:
            checks.check_data_dir(v)
        return v

    @field_validator("redis_url")
    @classmethod
    def _redis_url(cls, v: SecretStr | None) -> SecretStr | None:
        if v is None or not v.get_secret_value().strip():
            return None
        checks.check_redis_url(v.get_secret_value())
        return v

    @field_validator("relay_root_path")
    @classmethod
    def _root_path(cls, v: str) -> str:
        v = v.strip().rstrip("/")
        if v and not v.startswith("/"):
            raise ValueError("must start with /, e.g. /toast")
        return v
