"""Settings: every PRODUCT.md name, and one clear line for each bad value."""

from __future__ import annotations

import pytest

from app.config import ALL_RESTAURANTS, load_settings
from app.errors import ConfigError

GUID = "6f2b5e7a-0000-4000-8000-000000000001"
BASE = {
    "TOAST_API_URL": "https://ws-api.toasttab.com",
    "TOAST_CLIENT_ID": "client",
    "TOAST_CLIENT_SECRET": "super-secret-value",
    "RELAY_API_KEYS": "screen-key-0123456789,other-key-0123456789",
}


def settings_error(**changes: str | None) -> str:
    env = dict(BASE)
    for k, v in changes.items():
        if v is None:
            env.pop(k, None)
        else:
            env[k] = v
    with pytest.raises(ConfigError) as info:
        load_settings(env)
    return info.value.detail


def test_defaults_follow_product_table() -> None:
    """Unset settings take the defaults PRODUCT.md lists."""
    s = load_settings(BASE)
    assert s.toast_user_access_type == "TOAST_MACHINE_CLIENT"
    assert s.toast_auth_mode == "machine"
    assert s.toast_token_refresh_window == 60
    assert s.toast_logins_per_hour == 2
    assert s.relay_refresh_interval == 60 and s.relay_stock_interval == 60
    assert s.relay_stale_max == 7 * 86400
    assert s.relay_log_format == "json" and s.relay_data_dir is None


def test_bare_hostname_means_https() -> None:
    """TOAST_API_URL without a scheme is taken as https."""
    s = load_settings({**BASE, "TOAST_API_URL": "ws-sandbox-api.eng.toasttab.com/"})
    assert s.toast_api_url == "https://ws-sandbox-api.eng.toasttab.com"


def test_comma_keys_read_everything() -> None:
    """A comma list of keys gives each key every allowed restaurant."""
    s = load_settings(BASE)
    assert s.relay_api_keys == {
        "screen-key-0123456789": frozenset({ALL_RESTAURANTS}),
        "other-key-0123456789": frozenset({ALL_RESTAURANTS}),
    }


def test_json_keys_are_scoped() -> None:
    """A JSON object maps each key to its restaurants or "*"."""
    raw = '{"screen-key-0123456789": ["downtown"], "admin-like-key-012345": "*"}'
    s = load_settings({**BASE, "RELAY_API_KEYS": raw})
    assert s.relay_api_keys["screen-key-0123456789"] == frozenset({"downtown"})


def test_restaurants_aliases_and_list() -> None:
    """RELAY_RESTAURANTS takes a GUID list or an alias object, GUIDs lower-cased."""
    listed = load_settings({**BASE, "RELAY_RESTAURANTS": GUID.upper()})
    assert listed.relay_restaurants == {GUID: GUID}
    aliased = load_settings({**BASE, "RELAY_RESTAURANTS": f'{{"downtown": "{GUID}"}}'})
    assert aliased.relay_restaurants == {"downtown": GUID}


def test_alias_must_fit_in_a_url() -> None:
    """An alias a URL could not carry as-is is refused at start-up with one line."""
    with pytest.raises(ConfigError, match="RELAY_RESTAURANTS alias 'down town'"):
        load_settings({**BASE, "RELAY_RESTAURANTS": f'{{"down town": "{GUID}"}}'})


def test_durations_accept_units() -> None:
    """Durations accept plain seconds or s/m/h/d suffixes."""
    s = load_settings({**BASE, "RELAY_STALE_MAX": "2d", "RELAY_REFRESH_INTERVAL": "90s",
                       "RELAY_STOCK_INTERVAL": "2m"})
    assert (s.relay_stale_max, s.relay_refresh_interval, s.relay_stock_interval) == (
        172800, 90, 120)


@pytest.mark.parametrize(
    ("changes", "names"),
    [
        ({"TOAST_CLIENT_SECRET": None}, "TOAST_CLIENT_SECRET is not set"),
        ({"TOAST_CLIENT_SECRET": "  "}, "TOAST_CLIENT_SECRET is empty"),
        ({"RELAY_API_KEYS": None}, "RELAY_API_KEYS is not set"),
        ({"RELAY_API_KEYS": "short"}, "RELAY_API_KEYS a key is shorter than 16"),
        ({"RELAY_API_KEYS": '["a-key-that-is-long-enough"]'}, "neither a comma list nor"),
        ({"RELAY_API_KEYS": "{not json"}, "RELAY_API_KEYS is not valid JSON"),
        ({"RELAY_API_KEYS": '{"screen-key-0123456789": 5}'}, "must be a list of restaurants"),
        ({"TOAST_API_URL": "ftp://x"}, "TOAST_API_URL is not a URL"),
        ({"TOAST_API_URL": "not a url"}, "TOAST_API_URL is not a URL"),
        ({"TOAST_AUTH_MODE": "oauth"}, "TOAST_AUTH_MODE"),
        ({"RELAY_RESTAURANTS": "downtown"}, "not a restaurant GUID"),
        ({"RELAY_STALE_MAX": "forever"}, "RELAY_STALE_MAX expected seconds"),
        ({"RELAY_REFRESH_INTERVAL": "0"}, "RELAY_REFRESH_INTERVAL must be more than 0"),
        ({"TOAST_LOGINS_PER_HOUR": "0"}, "TOAST_LOGINS_PER_HOUR"),
        ({"RELAY_LOG_FORMAT": "xml"}, "RELAY_LOG_FORMAT"),
        ({"RELAY_API_KEYS": "replace-with-a-long-random-screen-key"}, "placeholder"),
        ({"TOAST_CLIENT_SECRET": "replace-with-your-toast-client-secret"}, "placeholder"),
        ({"RELAY_ADMIN_KEY": "admin-change-me-please"}, "RELAY_ADMIN_KEY must be a random"),
        ({"RELAY_METRICS_KEY": "short"}, "RELAY_METRICS_KEY must be a random"),
        ({"RELAY_CORS_ORIGINS": "relay.example.com"}, "RELAY_CORS_ORIGINS 'relay.example.com' "
                                                      "is not an origin"),
        ({"RELAY_CORS_ORIGINS": "https://a.example/path"}, "RELAY_CORS_ORIGINS"),
        ({"RELAY_DATA_DIR": "/proc/no-such-dir"}, "RELAY_DATA_DIR /proc/no-such-dir cannot"),
    ],
)
def test_bad_settings_give_one_named_line(changes: dict[str, str | None], names: str) -> None:
    """Each bad setting gives one line that names the variable and the problem."""
    detail = settings_error(**changes)
    assert names in detail
    assert "\n" not in detail


def test_cors_origins_are_written_as_browsers_send_them() -> None:
    """RELAY_CORS_ORIGINS: * by default; a list is normalised (case, default port, slash)."""
    assert load_settings(BASE).relay_cors_origins == ("*",)
    assert load_settings({**BASE, "RELAY_CORS_ORIGINS": ""}).relay_cors_origins == ()
    listed = load_settings({**BASE, "RELAY_CORS_ORIGINS":
                            "https://Apps.Example:443/, http://10.0.0.5:8000, null"})
    assert listed.relay_cors_origins == ("https://apps.example", "http://10.0.0.5:8000", "null")


def test_secret_never_in_repr_or_errors() -> None:
    """The client secret and the screen keys show in no repr and no configuration error."""
    s = load_settings(BASE)
    assert "super-secret-value" not in repr(s)
    assert "screen-key-0123456789" not in repr(s)
    detail = settings_error(RELAY_API_KEYS="short")
    assert "super-secret-value" not in detail


@pytest.mark.parametrize("window", ["1", "1.5s", "7200"])
def test_refresh_window_that_cannot_work_is_refused(window: str) -> None:
    """A refresh window under 2 s (no time to log in) or over an hour stops start-up."""
    with pytest.raises(ConfigError, match=r"^TOAST_TOKEN_REFRESH_WINDOW must be at"):
        load_settings({**BASE, "TOAST_TOKEN_REFRESH_WINDOW": window})
    short = load_settings({**BASE, "TOAST_TOKEN_REFRESH_WINDOW": "3"})
    assert short.toast_token_refresh_window == 3


def test_redis_url_must_be_redis_or_rediss_and_is_never_echoed() -> None:
    """A bad REDIS_URL is one line naming the expected form, without the password in it."""
    detail = settings_error(REDIS_URL="http://:hunter2-secret@cache:6379/0")
    assert detail.startswith("REDIS_URL") and "rediss://" in detail
    assert "hunter2-secret" not in detail
    for url in ("redis://:pw@cache:6379/0", "rediss://user:pw@cache.example:6380/1"):
        s = load_settings({**BASE, "REDIS_URL": url})
        assert s.redis_url is not None and "pw" not in repr(s.redis_url)


def test_redis_url_without_the_extra_names_the_install(monkeypatch: pytest.MonkeyPatch) -> None:
    """REDIS_URL set while redis-py is missing: one line saying what to install."""
    import app.store.redis_link

    # Stands in for an environment without the optional extra (the guarded import's None).
    monkeypatch.setattr(app.store.redis_link, "aioredis", None)
    with pytest.raises(ConfigError) as info:
        app.store.redis_link.connect("redis://127.0.0.1:6379/0")
    assert "pip install 'toast-relay[redis]'" in info.value.detail


def test_keys_are_namespaced_by_toast_host_and_client() -> None:
    """Two Toast accounts (or hosts) never share keys in one Redis."""
    from app.store.redis_link import namespace

    a = namespace("https://ws-api.toasttab.com", "client-a")
    assert a == "toast-relay:ws-api.toasttab.com:client-a:"
    assert a != namespace("https://ws-sandbox-api.eng.toasttab.com", "client-a")
    assert a != namespace("https://ws-api.toasttab.com", "client-b")
