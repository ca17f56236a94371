"""The admin console on two relay replicas sharing one real redis-server: one generated
session secret, sessions any replica serves, a sign-out that ends the session on both."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.support.board import relay_env
from tests.support.console import ADMIN, csrf_of, sign_in
from tests.support.procs import Proc
from tests.support.redis_server import RedisServer, redis_server
from tests.support.stack import RunningStack, running_stack

pytestmark = pytest.mark.integration
WRONG = "wrong-key-0123456789abcdef"


class Pair:
    """Replicas A and B on one Redis, no RELAY_SESSION_SECRET and no RELAY_DATA_DIR."""

    def __init__(self, stack: RunningStack, redis: RedisServer) -> None:
        self.stack = stack
        (self.proc_a, self.proc_b), (self.a, self.b) = stack.relays, stack.urls
        self.redis = redis

    def start(self, n: int) -> list[tuple[Proc, str]]:
        """``n`` more replicas on the same Redis, each answering /healthz."""
        urls = self.stack.start_relays(n)
        return list(zip(self.stack.relays[-n:], urls, strict=True))

    @property
    def procs(self) -> list[Proc]:
        return [self.proc_a, self.proc_b]


@pytest.fixture
def rds(tmp_path: Path) -> Iterator[RedisServer]:
    """A fresh redis-server for this test (fails under CI=true when it is not installed)."""
    yield from redis_server(tmp_path)


@pytest.fixture
def pair(tmp_path: Path, rds: RedisServer) -> Iterator[Pair]:
    """Two replicas against the simulator on one Redis, stopped by PID afterwards."""
    with running_stack(tmp_path, relays=2, redis=rds, env_for=relay_env,
                       RELAY_ADMIN_KEY=ADMIN, RELAY_LOG_FORMAT="text") as stack:
        yield Pair(stack, rds)


def redis_keys(server: RedisServer, pattern: str) -> dict[str, tuple[str, int]]:
    """The relay's keys matching ``pattern``: each key's value and its TTL in seconds."""
    import redis as redis_py

    with redis_py.Redis.from_url(server.url, decode_responses=True) as client:
        return {str(k): (str(client.get(k)), int(client.ttl(k)))
                for k in client.keys(f"toast-relay:*{pattern}")}


def client_of(base_url: str, cookie: str | None = None) -> httpx.Client:
    client = httpx.Client(base_url=base_url, timeout=30)
    if cookie is not None:
        client.cookies.set("relay_console", cookie)
    return client


def signed_in_page(page: httpx.Response) -> bool:
    """Whether a GET /admin/ answer is the overview (signed in), not the sign-in form."""
    assert page.status_code == 200, page.text
    return 'action="/admin/sign-out"' in page.text


def test_a_session_made_on_one_replica_works_and_ends_on_the_other(pair: Pair) -> None:
    """Sign in on A; the cookie is signed in on B; signing out on B refuses it on A too."""
    a = client_of(pair.a)
    answer = sign_in(a)
    assert answer.status_code == 303, answer.text
    cookie = a.cookies["relay_console"]
    assert signed_in_page(a.get("/admin/"))
    b = client_of(pair.b, cookie)
    page_b = b.get("/admin/")
    assert signed_in_page(page_b)
    assert not signed_in_page(client_of(pair.b).get("/admin/"))
    bye = b.post("/admin/sign-out", data={"csrf": csrf_of(page_b.text)},
                 headers={"Origin": pair.b})
    assert bye.status_code == 303, bye.text
    stolen = client_of(pair.a, cookie)
    assert not signed_in_page(stolen.get("/admin/"))
    refused = stolen.post("/admin/sign-out", data={"csrf": csrf_of(page_b.text)},
                          headers={"Origin": pair.a})
    assert refused.status_code == 401
    assert not signed_in_page(client_of(pair.b, cookie).get("/admin/"))


def test_the_secret_is_generated_once_kept_in_redis_and_never_logged(pair: Pair) -> None:
    """Both replicas sign with the one secret Redis keeps; it appears in no log, and the
    session in Redis sits under a hash of its id with a 12 h expiry."""
    for url in (pair.a, pair.b):
        assert sign_in(client_of(url)).status_code == 303
    secrets = redis_keys(pair.redis, "console:session-secret")
    assert len(secrets) == 1
    (secret, ttl), = secrets.values()
    assert len(secret) >= 32 and ttl == -1
    sessions = redis_keys(pair.redis, "console:session:*")
    assert len(sessions) == 2
    assert all(43_000 < ttl <= 43_200 for _, ttl in sessions.values())
    for proc in pair.procs:
        assert secret not in proc.output()
    # A cookie made by either replica verifies on the other: one secret, not two.
    for first, second in ((pair.a, pair.b), (pair.b, pair.a)):
        maker = client_of(first)
        assert sign_in(maker).status_code == 303
        assert signed_in_page(client_of(second, maker.cookies["relay_console"]).get("/admin/"))



def test_with_redis_down_the_console_says_so(pair: Pair) -> None:
    """While Redis is down a console page is a clear 503, not a 500; boards keep serving."""
    a = client_of(pair.a)
    assert sign_in(a).status_code == 303
    pair.redis.kill()
    page = a.get("/admin/")
    assert page.status_code == 503, page.text
    assert sign_in(client_of(pair.b)).status_code == 503
    assert httpx.get(f"{pair.a}/healthz", timeout=10).status_code == 200
    assert all("unexpected error" not in proc.output() for proc in pair.procs)


def test_after_redis_lost_everything_the_replicas_agree_on_a_secret_again(pair: Pair) -> None:
    """Redis restarted empty (no persistence): a replica started then and the ones already
    running sign with one secret again, within seconds."""
    for url in (pair.a, pair.b):
        assert sign_in(client_of(url)).status_code == 303
    pair.redis.kill()
    pair.redis.start()
    (_, c), = pair.start(1)
    for maker, reader in ((c, pair.a), (pair.a, c), (pair.b, c)):
        deadline = time.monotonic() + 20
        while True:
            client = client_of(maker)
            answer = sign_in(client)
            if answer.status_code == 303 and signed_in_page(
                    client_of(reader, client.cookies["relay_console"]).get("/admin/")):
                break
            assert time.monotonic() < deadline, f"{maker}'s cookie never worked on {reader}"
            time.sleep(0.5)


def test_wrong_keys_count_across_replicas(pair: Pair) -> None:
    """Wrong keys spread over A and B add up: three at once, the next two slowed, then 429
    with Retry-After on both, even for the right key."""
    a, b = client_of(pair.a), client_of(pair.b)
    for client in (a, b, a):
        assert sign_in(client, WRONG).status_code == 401
    for client, wait in ((b, 0.9), (a, 1.9)):
        started = time.monotonic()
        assert sign_in(client, WRONG).status_code == 401
        assert time.monotonic() - started >= wait
    for client in (b, a):
        refused = sign_in(client)
        assert refused.status_code == 429 and int(refused.headers["retry-after"]) > 800
