"""TokenManager: single-flight login, proactive refresh, budgets, backoff, 401, both modes."""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from pathlib import Path
from urllib.parse import parse_qs

import httpx
import pytest

from app.errors import ToastAuthError, ToastRateLimited, ToastUnavailable
from app.toast.jwt import token_expiry
from app.toast.limiter import UpstreamLimiter
from app.toast.token import TokenManager
from app.toast.token_state import expiry_margin
from tests.support.toast_fakes import (
    BASE,
    CLIENT_ID,
    SECRET,
    FakeAuth,
    RecordingClock,
    SharedStore,
    credentials,
    drive,
    manager,
)


async def _start_refresher(tokens: TokenManager) -> asyncio.Task[None]:
    task = asyncio.create_task(tokens.run_refresher())
    for _ in range(50):
        await asyncio.sleep(0)
    return task


async def _stop(task: asyncio.Task[None]) -> None:
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task


async def test_machine_login_sends_json_and_uses_jwt_exp(
    clock: RecordingClock, auth: FakeAuth, http: httpx.AsyncClient
) -> None:
    """Machine mode POSTs JSON credentials and takes expiry from the JWT exp, not expiresIn."""
    tokens = manager(clock, http)
    token = await tokens.get_token()
    request = auth.requests[0]
    assert request.url.path == "/authentication/v1/authentication/login"
    assert request.headers["content-type"] == "application/json"
    assert json.loads(request.content) == {
        "clientId": CLIENT_ID, "clientSecret": SECRET, "userAccessType": "TOAST_MACHINE_CLIENT"}
    assert token == auth.token
    assert tokens.status()["expiresAt"] == "2023-11-15T22:13:20Z"  # exp = start + 86400


async def test_expires_in_only_matters_without_a_jwt_exp(
    clock: RecordingClock, auth: FakeAuth, http: httpx.AsyncClient
) -> None:
    """When the JWT exp and expiresIn disagree, the token expires at exp (the authority)."""
    auth.lifetime = 7200
    auth.expires_in = 86400
    tokens = manager(clock, http)
    token = await tokens.get_token()
    assert token_expiry(token) == clock.now() + 7200
    await clock.advance(7200 - 10)
    assert await tokens.get_token() == token
    await clock.advance(10)
    assert await tokens.get_token() != token


async def test_legacy_login_is_form_encoded_and_uses_expires_in(
    clock: RecordingClock, auth: FakeAuth, http: httpx.AsyncClient
) -> None:
    """Legacy mode POSTs client_credentials form fields; an opaque token expires by expires_in."""
    auth.jwt = False
    auth.lifetime = 3600
    tokens = manager(clock, http, credentials=credentials("legacy"))
    assert await tokens.get_token() == "opaque-1"
    request = auth.requests[0]
    assert request.url.path == "/usermgmt/v1/oauth/token"
    assert request.headers["content-type"] == "application/x-www-form-urlencoded"
    assert parse_qs(request.content.decode()) == {
        "grant_type": ["client_credentials"], "client_id": [CLIENT_ID],
        "client_secret": [SECRET]}
    await clock.advance(3600)
    assert await tokens.get_token() == "opaque-2"


async def test_hundred_concurrent_first_callers_share_one_login(
    clock: RecordingClock, auth: FakeAuth, http: httpx.AsyncClient
) -> None:
    """100 concurrent first requests wait on the same in-flight login: 1 login in all."""
    tokens = manager(clock, http)
    got = await asyncio.gather(*(tokens.get_token() for _ in range(100)))
    assert len(auth.requests) == 1
    assert set(got) == {auth.token}


async def test_concurrent_first_callers_on_a_shared_store_share_one_login(
    clock: RecordingClock, auth: FakeAuth, http: httpx.AsyncClient
) -> None:
    """Concurrent first requests on a replica of a shared store wait on one login: 1 in all."""
    tokens = manager(clock, http, store=SharedStore())
    got = await drive(clock, asyncio.gather(*(tokens.get_token() for _ in range(20))))
    assert len(auth.requests) == 1
    assert set(got) == {auth.token}


async def test_refresher_logs_in_at_start_then_only_inside_the_window(
    clock: RecordingClock, auth: FakeAuth, http: httpx.AsyncClient
) -> None:
    """The background task logs in without a request, then refreshes in the last 60 s only."""
    tokens = manager(clock, http)
    task = await _start_refresher(tokens)
    assert auth.login_times == [0.0]
    first = auth.token
    await clock.advance(86400 - 61)
    assert len(auth.requests) == 1
    await clock.advance(30)
    await _stop(task)
    assert len(auth.requests) == 2
    assert 86400 - 60 < auth.login_times[1] < 86400
    assert await tokens.get_token() != first


async def test_same_token_inside_window_retries_later_not_in_a_loop(
    clock: RecordingClock, auth: FakeAuth, http: httpx.AsyncClient
) -> None:
    """When Toast hands back the same token, the refresher tries again later in the window."""
    auth.new_token_before = 30  # Toast's clock is a little behind ours
    tokens = manager(clock, http, logins_per_hour=5)
    task = await _start_refresher(tokens)
    first = auth.token
    await clock.advance(86400 - 1)
    await _stop(task)
    times = [t - 86400 for t in auth.login_times[1:]]
    assert len(times) == 2  # one same-token answer, then a new token
    assert times[0] >= -60 and times[1] > times[0] + 5
    assert tokens.status()["lastLogin"] == {"at": tokens.status()["lastLogin"]["at"],  # type: ignore[index]
                                            "result": "ok"}
    assert await tokens.get_token() != first


async def test_budget_caps_same_token_retries_while_token_is_valid(
    clock: RecordingClock, auth: FakeAuth, http: httpx.AsyncClient
) -> None:
    """Never more than logins_per_hour logins in an hour while a valid token is held."""
    auth.lifetime = 1800
    auth.new_token_before = 0  # Toast keeps returning the same token until it expires
    tokens = manager(clock, http, logins_per_hour=2)
    task = await _start_refresher(tokens)
    await clock.advance(1800 - 6)
    assert len(auth.requests) == 2
    assert tokens.status()["loginsLastHour"] == 2
    await clock.advance(1)  # unusable now: a login is allowed beyond the budget
    assert len(auth.requests) == 3  # ... and Toast still answers with the dying token
    await clock.advance(59)  # so the next one waits 60 s rather than looping
    assert len(auth.requests) == 3
    await clock.advance(1)
    await _stop(task)
    assert len(auth.requests) == 4
    assert auth.serial == 2
    assert tokens.ready()[0]


async def test_wrong_credentials_back_off_and_show_in_ready(
    clock: RecordingClock, auth: FakeAuth, http: httpx.AsyncClient
) -> None:
    """Rejected credentials raise a clear error, retry after 30 s, 60 s, ... and fail /readyz."""
    auth.reject = True
    tokens = manager(clock, http)
    with pytest.raises(ToastAuthError) as exc:
        await tokens.get_token()
    assert "TOAST_CLIENT_ID" in str(exc.value) and "next try in 30 s" in str(exc.value)
    assert exc.value.request_id == "req-401"
    with pytest.raises(ToastAuthError):
        await tokens.get_token()  # inside the backoff: no second login
    assert len(auth.requests) == 1
    ok, reason = tokens.ready()
    assert not ok and "rejected the client id/secret" in reason
    task = await _start_refresher(tokens)
    await clock.advance(30)
    assert auth.login_times == [0, 30]
    await clock.advance(60)
    assert auth.login_times == [0, 30, 90]
    auth.reject = False
    await clock.advance(120)
    await _stop(task)
    assert auth.login_times == [0, 30, 90, 210]
    assert tokens.ready()[0] and tokens.status()["error"] is None


async def test_unreachable_toast_raises_unavailable_and_is_not_ready(
    clock: RecordingClock, auth: FakeAuth, http: httpx.AsyncClient
) -> None:
    """A connection failure at login raises ToastUnavailable and makes ready() False."""
    auth.connect_error = True
    tokens = manager(clock, http)
    with pytest.raises(ToastUnavailable, match="cannot reach Toast"):
        await tokens.get_token()
    assert tokens.ready() == (False, tokens.status()["error"])


async def test_login_429_waits_for_retry_after(
    clock: RecordingClock, auth: FakeAuth, http: httpx.AsyncClient
) -> None:
    """A 429 on the login holds further logins for at least its Retry-After."""
    auth.fail_status = 429
    tokens = manager(clock, http)
    with pytest.raises(ToastRateLimited) as exc:
        await tokens.get_token()
    assert "next try in 120 s" in str(exc.value)
    await clock.advance(119)
    with pytest.raises(ToastRateLimited):
        await tokens.get_token()
    assert len(auth.requests) == 1


async def test_concurrent_401s_share_one_relogin(
    clock: RecordingClock, auth: FakeAuth, http: httpx.AsyncClient
) -> None:
    """Many 401s for the same token invalidate it and cause exactly one new login."""
    auth.new_token_before = 86400  # a re-login gets a new token
    tokens = manager(clock, http)
    old = await tokens.get_token()
    new = await drive(clock, asyncio.gather(*(tokens.handle_unauthorized(old)
                                             for _ in range(20))))
    assert len(auth.requests) == 2
    assert set(new) == {auth.token} and auth.token != old
    assert await tokens.handle_unauthorized(old) == auth.token  # a late 401 for the old one
    assert len(auth.requests) == 2


async def test_repeated_401_on_a_young_token_does_not_loop(
    clock: RecordingClock, auth: FakeAuth, http: httpx.AsyncClient
) -> None:
    """A second 401 within 30 min of a 401 re-login raises instead of logging in again."""
    tokens = manager(clock, http)
    first = await tokens.get_token()
    again = await drive(clock, tokens.handle_unauthorized(first))  # Toast returns the same token
    assert again == first and len(auth.requests) == 2
    with pytest.raises(ToastAuthError, match="not logging in again"):
        await tokens.handle_unauthorized(again)
    assert len(auth.requests) == 2
    await clock.advance(1800)
    assert await tokens.handle_unauthorized(again) == first
    assert len(auth.requests) == 3


async def test_401s_on_an_old_token_stay_within_two_logins_an_hour(
    clock: RecordingClock, auth: FakeAuth, http: httpx.AsyncClient
) -> None:
    """Ten 401s spread over an hour on a token older than 30 min cause at most 2 logins."""
    tokens = manager(clock, http)
    token = await tokens.get_token()
    await clock.advance(3 * 3600)  # the token is now hours old (and still valid)
    before = len(auth.requests)
    for _ in range(10):
        with contextlib.suppress(ToastAuthError):
            token = await tokens.handle_unauthorized(token)
        await clock.advance(360)
    assert len(auth.requests) - before <= 2


async def test_token_file_is_private_and_reused_after_restart(
    clock: RecordingClock, auth: FakeAuth, http: httpx.AsyncClient, tmp_path: object
) -> None:
    """The token file has mode 0600, and a new process reuses its valid token without login."""
    from pathlib import Path

    path = Path(str(tmp_path)) / "data" / "token.json"
    token = await manager(clock, http, token_file=path).get_token()
    assert path.stat().st_mode & 0o777 == 0o600
    assert [p.name for p in path.parent.iterdir()] == ["token.json"]  # no temp files left
    restarted = manager(clock, http, token_file=path)
    assert await restarted.get_token() == token
    assert len(auth.requests) == 1
    assert restarted.status()["loginsLastHour"] == 1


async def test_token_file_of_other_credentials_or_expired_is_ignored(
    clock: RecordingClock, auth: FakeAuth, http: httpx.AsyncClient, tmp_path: object
) -> None:
    """A stored token for a different client id, or past its expiry, is not used."""
    from pathlib import Path

    from pydantic import SecretStr

    from app.toast.login import Credentials

    path = Path(str(tmp_path)) / "token.json"
    await manager(clock, http, token_file=path).get_token()
    other = Credentials(client_id="someone-else", client_secret=SecretStr("x"))
    await manager(clock, http, token_file=path, credentials=other).get_token()
    assert len(auth.requests) == 2
    await clock.advance(86400)
    await manager(clock, http, token_file=path, credentials=other).get_token()
    assert len(auth.requests) == 3


async def test_401_removes_the_token_from_the_file(
    clock: RecordingClock, auth: FakeAuth, http: httpx.AsyncClient, tmp_path: object
) -> None:
    """An invalidated token is not written back for the next process to reuse."""
    from pathlib import Path

    path = Path(str(tmp_path)) / "token.json"
    auth.connect_error = False
    tokens = manager(clock, http, token_file=path)
    old = await tokens.get_token()
    auth.connect_error = True
    with pytest.raises(ToastUnavailable):
        await drive(clock, tokens.handle_unauthorized(old))
    assert old not in path.read_text()


async def test_secret_and_token_never_leak(
    clock: RecordingClock, auth: FakeAuth, http: httpx.AsyncClient,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """Neither the secret nor the token shows in logs, reprs, status, ready() or errors."""
    caplog.set_level("DEBUG")
    tokens = manager(clock, http)
    task = await _start_refresher(tokens)
    token = await tokens.get_token()
    texts = [repr(tokens), repr(credentials()), str(tokens.status()), str(tokens.ready())]
    auth.reject = True
    auth.echo_secret_in_error = True
    await clock.advance(86400)
    await _stop(task)
    with pytest.raises(ToastAuthError) as exc:
        await tokens.get_token()
    texts += [str(exc.value), exc.value.detail, str(tokens.status()), str(tokens.ready()),
              caplog.text]
    assert "rejected" in caplog.text
    for text in texts:
        assert SECRET not in text
        assert token not in text


async def test_from_settings_puts_the_token_file_in_the_data_dir(
    clock: RecordingClock, auth: FakeAuth, http: httpx.AsyncClient, tmp_path: object
) -> None:
    """from_settings takes mode, window, budget and RELAY_DATA_DIR/token.json from Settings."""
    from pathlib import Path

    from app.config import load_settings

    settings = load_settings({
        "TOAST_API_URL": BASE, "TOAST_CLIENT_ID": CLIENT_ID, "TOAST_CLIENT_SECRET": SECRET,
        "TOAST_AUTH_MODE": "legacy", "RELAY_API_KEYS": "k" * 20,
        "RELAY_DATA_DIR": str(tmp_path)})
    limiter = UpstreamLimiter(clock)
    tokens = TokenManager.from_settings(settings, http, clock, limiter)
    await drive(clock, tokens.get_token())
    assert auth.requests[0].url.path == "/usermgmt/v1/oauth/token"
    assert limiter.usage().last_window == 1  # the login went through the limiter
    assert (Path(str(tmp_path)) / "token.json").exists()
    assert tokens.status()["mode"] == "legacy"


async def test_token_file_without_token_keeps_login_times(tmp_path: object) -> None:
    """After a 401 drops the token, the file still carries the login budget to the next run."""
    import logging
    from pathlib import Path

    from app.store.tokens import FileTokenStore, StoredToken

    store = FileTokenStore(Path(str(tmp_path)) / "token.json", "owner", logging.getLogger())
    await store.save(StoredToken("", 0.0, 0.0, (1.0, 2.0)))
    loaded = await store.load()
    assert loaded is not None and loaded.access_token == "" and loaded.login_times == (1.0, 2.0)


@pytest.mark.parametrize("window", [2.0, 3.0, 10.0, 60.0])
async def test_short_window_never_leaves_the_relay_without_a_token(
    clock: RecordingClock, auth: FakeAuth, http: httpx.AsyncClient, window: float
) -> None:
    """With 12 s tokens, the expiry margin follows the window: a usable token at every step."""
    auth.lifetime = 12.0
    auth.new_token_before = window
    tokens = manager(clock, http, refresh_window=window, logins_per_hour=10_000)
    task = await _start_refresher(tokens)
    for _ in range(240):  # one simulated minute in quarter seconds
        await clock.advance(0.25)
        assert tokens.ready()[0], (clock.monotonic(), tokens.status())
    await _stop(task)
    assert expiry_margin(window) == min(5.0, window / 4)


async def test_damaged_token_file_is_logged_once_and_replaced(
    clock: RecordingClock, auth: FakeAuth, http: httpx.AsyncClient, tmp_path: Path,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """A damaged token file is named once in the log with what the relay does (log in again),
    then replaced by the new token; the directory it is created in is 0700."""
    path = tmp_path / "data" / "token.json"
    path.parent.mkdir()
    path.write_bytes(b'{"owner": "machine:')
    with caplog.at_level(logging.WARNING):
        tokens = manager(clock, http, token_file=path)
        token = await tokens.get_token()
        await manager(clock, http, token_file=path).get_token()
    lines = [r.getMessage() for r in caplog.records if str(path) in r.getMessage()]
    assert len(lines) == 1 and "logs in to Toast again" in lines[0], caplog.text
    assert json.loads(path.read_bytes())["accessToken"] == token
    fresh = tmp_path / "new" / "token.json"
    await manager(clock, http, token_file=fresh).get_token()
    assert fresh.parent.stat().st_mode & 0o777 == 0o700
