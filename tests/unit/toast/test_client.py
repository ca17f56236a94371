"""ToastClient: headers, retries with backoff on the fake clock, 429, 401, errors, limits."""

from __future__ import annotations

import asyncio
import random
from collections.abc import AsyncIterator
from dataclasses import dataclass

import httpx
import pytest
import respx

from app.errors import (
    ToastAuthError,
    ToastBadResponse,
    ToastForbidden,
    ToastNotFound,
    ToastRateLimited,
    ToastTimeout,
    ToastUnavailable,
)
from app.toast.client import RetryPolicy, ToastClient, endpoint_name, make_http_client
from app.toast.limiter import UpstreamLimiter
from tests.support.toast_fakes import (
    BASE,
    OTHER_RESTAURANT,
    RESTAURANT,
    FakeAuth,
    RecordingClock,
    drive,
    manager,
)

MENUS = "/menus/v2/menus"
METADATA = "/menus/v2/metadata"
LOGIN = "/authentication/v1/authentication/login"


@dataclass
class Rig:
    router: respx.MockRouter
    client: ToastClient
    auth: FakeAuth
    clock: RecordingClock
    observed: list[tuple[str, str, float]]


@pytest.fixture
async def rig(clock: RecordingClock, auth: FakeAuth) -> AsyncIterator[Rig]:
    router = respx.MockRouter(base_url=BASE, assert_all_called=False)
    router.post(LOGIN).mock(side_effect=auth)
    observed: list[tuple[str, str, float]] = []
    async with httpx.AsyncClient(transport=httpx.MockTransport(router.async_handler)) as http:
        client = ToastClient(
            http=http, base_url=BASE, tokens=manager(clock, http),
            limiter=UpstreamLimiter(clock), clock=clock, rng=random.Random(7),
            observer=lambda name, outcome, secs: observed.append((name, outcome, secs)))
        yield Rig(router, client, auth, clock, observed)


def _error(status: int | str, request_id: str = "req-1") -> dict[str, object]:
    return {"status": status, "code": 10, "message": "went wrong", "requestId": request_id,
            "developerMessage": None, "errors": []}


async def test_sends_bearer_token_and_restaurant_header(rig: Rig) -> None:
    """Each GET carries ``Authorization: Bearer <token>`` and the restaurant GUID header."""
    route = rig.router.get(METADATA).respond(200, json={"lastUpdated": "2025-02-15T12:30:00Z"})
    assert await rig.client.metadata(RESTAURANT) == "2025-02-15T12:30:00Z"
    request = route.calls.last.request
    assert request.headers["Authorization"] == f"Bearer {rig.auth.token}"
    assert request.headers["Toast-Restaurant-External-ID"] == RESTAURANT
    assert rig.observed == [("metadata", "200", 0.0)]


async def test_5xx_retries_with_exponential_backoff_on_the_clock(rig: Rig) -> None:
    """503, 502, 500 then 200: three growing backoff sleeps on the fake clock, then success."""
    rig.router.get(METADATA).mock(side_effect=[
        httpx.Response(503), httpx.Response(502), httpx.Response(500),
        httpx.Response(200, json={"lastUpdated": "t"})])
    assert await drive(rig.clock, rig.client.metadata(RESTAURANT)) == "t"
    assert len(rig.clock.slept) == 3
    for n, delay in enumerate(rig.clock.slept):
        ceiling = 0.5 * 2 ** n
        assert ceiling / 2 <= delay <= ceiling  # half fixed, half jitter
    assert [o for _, o, _ in rig.observed] == ["503", "502", "500", "200"]


async def test_5xx_gives_up_after_the_policy_with_details(rig: Rig) -> None:
    """After ``attempts`` sends of 503: ToastUnavailable with status, endpoint and requestId."""
    route = rig.router.get(METADATA).respond(503, json=_error(503, "req-503"))
    with pytest.raises(ToastUnavailable) as exc:
        await drive(rig.clock, rig.client.metadata(RESTAURANT))
    assert route.call_count == 4
    assert exc.value.upstream_status == 503 and exc.value.request_id == "req-503"
    assert exc.value.endpoint == METADATA and RESTAURANT in str(exc.value)


async def test_timeouts_and_connect_errors_are_retried(rig: Rig) -> None:
    """A read timeout and a connection error are retried; the third try succeeds."""
    rig.router.get(METADATA).mock(side_effect=[
        httpx.ReadTimeout("slow"), httpx.ConnectError("refused"),
        httpx.Response(200, json={"lastUpdated": "t"})])
    assert await drive(rig.clock, rig.client.metadata(RESTAURANT)) == "t"
    assert [o for _, o, _ in rig.observed] == ["timeout", "connect_error", "200"]


async def test_timeouts_end_in_toast_timeout(rig: Rig) -> None:
    """Timeouts on every attempt end in ToastTimeout (504 for screens)."""
    rig.router.get(METADATA).mock(side_effect=httpx.ReadTimeout("slow"))
    with pytest.raises(ToastTimeout):
        await drive(rig.clock, rig.client.metadata(RESTAURANT))


async def test_429_waits_for_retry_after(rig: Rig) -> None:
    """A 429 with Retry-After: 5 holds the next send for 5 s (plus a little jitter)."""
    sent: list[float] = []

    def answer(request: httpx.Request) -> httpx.Response:
        sent.append(rig.clock.monotonic())
        if len(sent) == 1:
            return httpx.Response(429, headers={"Retry-After": "5"}, json=_error("429"))
        return httpx.Response(200, json={"lastUpdated": "t"})

    rig.router.get(METADATA).mock(side_effect=answer)
    assert await drive(rig.clock, rig.client.metadata(RESTAURANT), step=0.05) == "t"
    assert 5.0 <= sent[1] - sent[0] <= 5.35


async def test_429_waits_for_rate_limit_reset_epoch(rig: Rig) -> None:
    """Without Retry-After, X-Toast-RateLimit-Reset (a UNIX time) says when to resume."""
    sent: list[float] = []

    def answer(request: httpx.Request) -> httpx.Response:
        sent.append(rig.clock.monotonic())
        if len(sent) == 1:
            reset = str(int(rig.clock.now()) + 8)
            return httpx.Response(429, headers={"X-Toast-RateLimit-Reset": reset})
        return httpx.Response(200, json={"lastUpdated": "t"})

    rig.router.get(METADATA).mock(side_effect=answer)
    assert await drive(rig.clock, rig.client.metadata(RESTAURANT), step=0.05) == "t"
    assert 8.0 <= sent[1] - sent[0] <= 8.35


async def test_long_429_raises_at_once_with_retry_after(rig: Rig) -> None:
    """A 429 asking for more than max_retry_after raises ToastRateLimited without waiting."""
    route = rig.router.get(MENUS).respond(429, headers={"Retry-After": "300"})
    with pytest.raises(ToastRateLimited) as exc:
        await rig.client.menus(RESTAURANT)
    assert route.call_count == 1
    assert 300 <= exc.value.retry_after < 301
    assert rig.client._limiter.state()["blocked"]  # later callers are held back too


async def test_401_relogs_in_once_and_retries_once(rig: Rig) -> None:
    """A 401 invalidates the token, logs in once more, and the retry uses the new token."""
    rig.auth.new_token_before = 86400  # the re-login yields a different token
    seen: list[str] = []

    def answer(request: httpx.Request) -> httpx.Response:
        seen.append(request.headers["Authorization"])
        return httpx.Response(401 if len(seen) == 1 else 200, json={"lastUpdated": "t"})

    rig.router.get(METADATA).mock(side_effect=answer)
    assert await drive(rig.clock, rig.client.metadata(RESTAURANT)) == "t"
    assert len(rig.auth.requests) == 2
    assert len(seen) == 2 and seen[0] != seen[1] == f"Bearer {rig.auth.token}"


async def test_401_twice_raises_auth_error_without_looping(rig: Rig) -> None:
    """A 401 again after the re-login raises ToastAuthError; no third login, no third send."""
    route = rig.router.get(METADATA).respond(401, json=_error("401", "req-401"))
    with pytest.raises(ToastAuthError) as exc:
        await drive(rig.clock, rig.client.metadata(RESTAURANT))
    assert route.call_count == 2 and len(rig.auth.requests) == 2
    assert exc.value.request_id == "req-401"


@pytest.mark.parametrize(("status", "error"), [(403, ToastForbidden), (404, ToastNotFound)])
async def test_403_and_404_are_not_retried(
    rig: Rig, status: int, error: type[Exception]
) -> None:
    """403 and 404 raise at once after a single send, with no backoff sleep."""
    route = rig.router.get(MENUS).respond(status, json=_error(status))
    with pytest.raises(error):
        await rig.client.menus(RESTAURANT)
    assert route.call_count == 1 and rig.clock.slept == []


@pytest.mark.parametrize("status", ["404", 404])
async def test_error_message_status_as_string_or_int(rig: Rig, status: int | str) -> None:
    """Toast's ErrorMessage ``status`` is a string in one API and an int in another; both read."""
    rig.router.get("/stock/v1/inventory").respond(404, json=_error(status, "req-s"))
    with pytest.raises(ToastNotFound) as exc:
        await rig.client.stock(RESTAURANT)
    assert "status 404" in str(exc.value) and "went wrong" in str(exc.value)
    assert exc.value.request_id == "req-s" and exc.value.upstream_status == 404


async def test_malformed_metadata_is_a_bad_response(rig: Rig) -> None:
    """Metadata that is not JSON, or lacks lastUpdated, raises ToastBadResponse."""
    rig.router.get(METADATA).mock(side_effect=[
        httpx.Response(200, content=b"<html>"), httpx.Response(200, json={"x": 1})])
    with pytest.raises(ToastBadResponse, match="malformed JSON"):
        await rig.client.metadata(RESTAURANT)
    with pytest.raises(ToastBadResponse, match="lastUpdated"):
        await rig.client.metadata(RESTAURANT)


async def test_restaurant_and_partner_restaurants(rig: Rig) -> None:
    """restaurant() sends the GUID in path and header; partner_restaurants() needs a list."""
    route = rig.router.get(f"/restaurants/v1/restaurants/{RESTAURANT}").respond(
        200, json={"guid": RESTAURANT, "general": {"name": "Cafe"}})
    rig.router.get("/partners/v1/restaurants").mock(side_effect=[
        httpx.Response(200, json=[{"restaurantGuid": RESTAURANT}]),
        httpx.Response(200, json={"not": "a list"})])
    assert (await rig.client.restaurant(RESTAURANT))["general"] == {"name": "Cafe"}
    assert route.calls.last.request.headers["Toast-Restaurant-External-ID"] == RESTAURANT
    assert await rig.client.partner_restaurants() == [{"restaurantGuid": RESTAURANT}]
    with pytest.raises(ToastBadResponse):
        await rig.client.partner_restaurants()
    assert rig.observed[0][0] == "restaurant"


async def test_group_restaurants_asks_through_one_restaurant(rig: Rig) -> None:
    """group_restaurants() puts the group in the path and one restaurant in the header,
    returns the GUIDs, and refuses an answer that is not a list of {guid}."""
    group = "0b6a4e3c-2222-4d7e-9f00-123456789abc"
    route = rig.router.get(f"/restaurants/v1/groups/{group}/restaurants").mock(side_effect=[
        httpx.Response(200, json=[{"guid": RESTAURANT}, {"guid": OTHER_RESTAURANT}]),
        httpx.Response(200, json=[{"name": "no guid"}])])
    assert await rig.client.group_restaurants(group, RESTAURANT) == [RESTAURANT,
                                                                      OTHER_RESTAURANT]
    assert route.calls.last.request.headers["Toast-Restaurant-External-ID"] == RESTAURANT
    with pytest.raises(ToastBadResponse):
        await rig.client.group_restaurants(group, RESTAURANT)
    assert rig.observed[0][0] == "group_restaurants"


async def test_menus_calls_are_spaced_per_restaurant_through_the_client(rig: Rig) -> None:
    """Concurrent /menus for one restaurant, answered at once, go 1.05 s apart; another's not."""
    sent: list[tuple[str, float]] = []

    def answer(request: httpx.Request) -> httpx.Response:
        sent.append((request.headers["Toast-Restaurant-External-ID"], rig.clock.monotonic()))
        return httpx.Response(200, content=b"{}")

    rig.router.get(MENUS).mock(side_effect=answer)
    calls = [rig.client.menus(RESTAURANT) for _ in range(3)] + [rig.client.menus(OTHER_RESTAURANT)]
    await drive(rig.clock, asyncio.gather(*calls), step=0.05)
    assert sorted(t for r, t in sent if r == RESTAURANT) == pytest.approx([0.0, 1.05, 2.1])
    assert [t for r, t in sent if r == OTHER_RESTAURANT] == [0.0]


async def test_global_budget_through_the_client(rig: Rig) -> None:
    """30 concurrent metadata calls: 9 at once, the rest paced, at most 18 in any second."""
    sent: list[float] = []

    def answer(request: httpx.Request) -> httpx.Response:
        sent.append(rig.clock.monotonic())
        return httpx.Response(200, json={"lastUpdated": "t"})

    rig.router.get(METADATA).mock(side_effect=answer)
    await drive(rig.clock, asyncio.gather(*(rig.client.metadata(RESTAURANT) for _ in range(30))),
                step=0.5)
    assert sent.count(0.0) == 9 and len(sent) == 30
    assert max(sum(1 for u in sent if t <= u < t + 1) for t in sent) == 18


def test_endpoint_names_keep_metrics_small() -> None:
    """Metric names for endpoints never carry a restaurant GUID."""
    assert endpoint_name(MENUS) == "menus"
    assert endpoint_name(f"/restaurants/v1/restaurants/{RESTAURANT}") == "restaurant"
    assert endpoint_name(f"/config/v2/x/{RESTAURANT}") == "/config/v2/x/{guid}"


async def test_http_client_has_explicit_timeouts() -> None:
    """make_http_client sets every timeout explicitly and never follows redirects."""
    http = make_http_client(10.0)
    try:
        assert http.timeout == httpx.Timeout(connect=5.0, read=10.0, write=10.0, pool=10.0)
        assert not http.follow_redirects
    finally:
        await http.aclose()


def test_retry_policy_backoff_is_capped() -> None:
    """Backoff doubles from ``base`` and never exceeds ``cap``."""
    policy = RetryPolicy(base=1.0, cap=4.0)
    rng = random.Random(1)
    assert all(2.0 <= policy.backoff(10, rng) <= 4.0 for _ in range(50))


async def test_next_menus_waits_a_spacing_after_a_slow_answer(rig: Rig) -> None:
    """A /menus answered 0.5 s after it was sent holds the next one until 1.05 s after that."""
    # Toast counted it on arrival, which may have been as late as the answer.
    sent: list[float] = []

    async def answer(request: httpx.Request) -> httpx.Response:
        sent.append(rig.clock.monotonic())
        await rig.clock.sleep(0.5)
        return httpx.Response(200, content=b"{}")

    rig.router.get(MENUS).mock(side_effect=answer)
    await drive(rig.clock, asyncio.gather(*(rig.client.menus(RESTAURANT) for _ in range(2))),
                step=0.05)
    assert sent == pytest.approx([0.0, 1.55])
