"""The admin console over real sockets: cookie flags, CSRF refusals, sign-out revocation,
the sign-in throttle beside a quick /healthz, and the JSON admin API left as it was."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.support.board import relay_env
from tests.support.console import ADMIN, sign_in, signed_in
from tests.support.procs import Procs
from tests.support.stack import running_stack

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Procs, str, str]]:
    tmp: Path = tmp_path_factory.mktemp("console")
    with running_stack(tmp, env_for=relay_env, RELAY_ADMIN_KEY=ADMIN,
                       RELAY_DATA_DIR=str(tmp / "data")) as stack:
        yield stack.procs, stack.sim, stack.url


@pytest.fixture
def relay(stack: tuple[Procs, str, str]) -> str:
    url: str = stack[2]
    return url


def cookie_header(answer: httpx.Response) -> str:
    value: str | None = answer.headers.get("set-cookie")
    assert value, "no cookie set"
    return value


def test_the_session_cookie_is_httponly_strict_and_keyless(relay: str) -> None:
    """Sign-in sets one cookie: HttpOnly, SameSite=Strict, Path=/admin, 12 h, not Secure over
    plain http, and without the admin key in it."""
    answer = sign_in(httpx.Client(base_url=relay))
    assert answer.status_code == 303
    cookie = cookie_header(answer)
    flags = {f.strip().lower() for f in cookie.split(";")[1:]}
    assert {"httponly", "samesite=strict", "path=/admin", "max-age=43200"} <= flags
    assert "secure" not in flags
    assert ADMIN not in cookie


def test_the_cookie_is_secure_behind_a_trusted_https_proxy(relay: str) -> None:
    """X-Forwarded-Proto: https from a trusted proxy (127.0.0.1 by default) makes the
    cookie Secure."""
    client = httpx.Client(base_url=relay)
    answer = client.post("/admin/sign-in", data={"key": ADMIN},
                         headers={"X-Forwarded-Proto": "https",
                                  "Origin": "https://" + relay.removeprefix("http://")})
    assert answer.status_code == 303
    assert "secure" in cookie_header(answer).lower()


def test_an_untrusted_forwarded_proto_is_ignored(stack: tuple[Procs, str, str]) -> None:
    """From an address outside RELAY_TRUSTED_PROXIES, X-Forwarded-Proto changes nothing:
    the cookie is not Secure and an https Origin is another origin (403)."""
    procs, sim, _ = stack
    _, other = procs.relay(relay_env(sim, RELAY_ADMIN_KEY=ADMIN,
                                     RELAY_TRUSTED_PROXIES="10.255.255.1"))
    client = httpx.Client(base_url=other)
    spoofed = client.post("/admin/sign-in", data={"key": ADMIN}, headers={
        "X-Forwarded-Proto": "https", "Origin": "https://" + other.removeprefix("http://")})
    assert spoofed.status_code == 403
    plain = client.post("/admin/sign-in", data={"key": ADMIN},
                        headers={"X-Forwarded-Proto": "https", "Origin": other})
    assert plain.status_code == 303 and "secure" not in cookie_header(plain).lower()


def test_console_pages_carry_a_strict_policy(relay: str) -> None:
    """Every console page: scripts from the relay only (none inline), never framed."""
    client, _ = signed_in(relay)
    for path in ("/admin/", "/admin/console/screens", "/admin/console/new?restaurant=harbor",
                 "/admin/console/history/harbor"):
        answer = client.get(path)
        assert answer.status_code == 200, path
        policy = answer.headers["content-security-policy"]
        assert "script-src 'self';" in policy and "unsafe-inline" not in policy
        assert "frame-ancestors 'none'" in policy
        assert answer.headers["x-frame-options"] == "DENY"
        assert "<script>" not in answer.text


@pytest.mark.parametrize(("token", "origin", "why"), [
    (None, "same", "no CSRF token"),
    ("wrong", "same", "a wrong CSRF token"),
    ("right", "http://evil.lan", "another origin"),
    ("right", None, "no Origin or Referer"),
])
def test_a_change_without_both_csrf_checks_is_403(relay: str, token: str | None,
                                                   origin: str | None, why: str) -> None:
    """A state-changing request with the session cookie is refused (403) with {why}, and
    changes nothing."""
    client, csrf = signed_in(relay)
    data = {"name": "forged", "version": "0", "restaurant": "harbor"}
    if token is not None:
        data["csrf"] = csrf if token == "right" else token
    headers = {"Origin": relay if origin == "same" else origin} if origin else {}
    answer = client.post("/admin/console/screens", data=data, headers=headers)
    assert answer.status_code == 403, why
    assert httpx.get(f"{relay}/admin/screens/forged",
                     headers={"X-API-Key": ADMIN}).status_code == 404


def test_a_cross_origin_sign_in_is_refused(relay: str) -> None:
    """A sign-in form posted from another site is 403 even with the right key."""
    answer = httpx.post(f"{relay}/admin/sign-in", data={"key": ADMIN},
                        headers={"Origin": "http://evil.lan"})
    assert answer.status_code == 403 and "set-cookie" not in answer.headers


def test_the_cookie_does_not_open_the_json_api(relay: str) -> None:
    """The JSON admin API still wants X-API-Key: a session cookie alone is 401 there, and
    the key alone works without any CSRF token."""
    client, _ = signed_in(relay)
    assert client.get("/admin/status").status_code == 401
    put = httpx.put(f"{relay}/admin/screens/api-made", headers={"X-API-Key": ADMIN},
                    json={"restaurant": "harbor"})
    assert put.status_code == 200


def test_sign_out_revokes_the_cookie_everywhere(relay: str) -> None:
    """After sign-out a copy of the old cookie no longer opens a page or makes a change."""
    client, csrf = signed_in(relay)
    stolen = dict(client.cookies)
    out = client.post("/admin/sign-out", data={"csrf": csrf}, headers={"Origin": relay})
    assert out.status_code == 303
    thief = httpx.Client(base_url=relay, cookies=stolen)
    assert 'id="sign-in"' in thief.get("/admin/").text
    answer = thief.post("/admin/console/refresh/harbor", data={"csrf": csrf},
                        headers={"Origin": relay})
    assert answer.status_code == 401


def test_a_planted_cookie_is_not_signed_in(relay: str) -> None:
    """A session id chosen before sign-in (fixation) is replaced: signing in issues a new
    cookie, and the planted one stays signed out."""
    client = httpx.Client(base_url=relay)
    client.cookies.set("relay_console", "planted.9999999999.00", path="/admin")
    answer = sign_in(client)
    assert "planted" not in cookie_header(answer)
    planted = httpx.Client(base_url=relay, cookies={"relay_console": "planted.9999999999.00"})
    assert 'id="sign-in"' in planted.get("/admin/").text


def test_a_stale_version_gets_a_clear_message(relay: str) -> None:
    """Two editors based on the same version: the second save is 412 with a message
    naming the versions, and the first one's change stays."""
    client, csrf = signed_in(relay)
    base = {"csrf": csrf, "name": "race", "restaurant": "harbor", "available": "all"}
    assert client.post("/admin/console/screens", data={**base, "version": "0"},
                       headers={"Origin": relay}).status_code == 303
    first = client.post("/admin/console/screens", data={**base, "version": "1", "title": "A"},
                        headers={"Origin": relay})
    assert first.status_code == 303
    second = client.post("/admin/console/screens", data={**base, "version": "1",
                                                         "title": "B"},
                         headers={"Origin": relay})
    assert second.status_code == 412
    assert "now at version 2" in second.text and "based on version 1" in second.text
    stored = httpx.get(f"{relay}/admin/screens/race", headers={"X-API-Key": ADMIN}).json()
    assert stored["definition"]["title"] == "A"


def test_the_generated_secret_is_private(stack: tuple[Procs, str, str]) -> None:
    """Without RELAY_SESSION_SECRET the relay keeps a generated one in RELAY_DATA_DIR, 0600."""
    signed_in(stack[2])
    secret = stack[0].tmp / "data" / "session-secret"
    assert secret.stat().st_mode & 0o777 == 0o600


def test_wrong_keys_are_slowed_then_429_while_healthz_stays_quick(
        stack: tuple[Procs, str, str]) -> None:
    """From one client: three wrong keys answered at once, two slowed (1 s, 2 s), then
    429 with Retry-After, even for the right key; /healthz answers quickly meanwhile."""
    procs, sim, _ = stack
    _, url = procs.relay(relay_env(sim, RELAY_ADMIN_KEY=ADMIN))
    client = httpx.Client(base_url=url, timeout=30)
    for _ in range(3):
        assert sign_in(client, "wrong-key-0123456789abcdef").status_code == 401
    started = time.monotonic()
    assert sign_in(client, "wrong-key-0123456789abcdef").status_code == 401
    assert time.monotonic() - started >= 0.9
    slowed: list[int] = []
    attempt = threading.Thread(target=lambda: slowed.append(
        sign_in(httpx.Client(base_url=url, timeout=30),
                "wrong-key-0123456789abcdef").status_code))
    attempt.start()
    checks = 0
    while attempt.is_alive() and checks < 500:  # for as long as the slowed attempt waits
        started = time.monotonic()
        assert httpx.get(f"{url}/healthz").status_code == 200
        assert time.monotonic() - started < 0.5
        checks += 1
    attempt.join(10)
    assert checks >= 3
    assert slowed == [401]
    refused = sign_in(client)
    assert refused.status_code == 429 and int(refused.headers["retry-after"]) > 60
    assert "set-cookie" not in refused.headers
    assert ADMIN not in refused.text
