"""What a screen request's query string may cost: bounded, and nothing kept without a key."""

from __future__ import annotations

import gc
import tracemalloc

import httpx

from app.serve.query import MAX_QUERY_BYTES, MAX_QUERY_PARAMS
from tests.support.in_process_relay import KEY


def distinct_query(n: int, params: int = 90) -> str:
    """A query string of about 3.5 KB that no other request sends."""
    return f"n={n}&" + "&".join(f"group=g{n}x{i:05d}-{'y' * 20}" for i in range(params))


async def test_keyless_requests_with_distinct_queries_leave_nothing_behind(
        relay: httpx.AsyncClient) -> None:
    """300 keyless requests with distinct ~3.5 KB queries are 401 and the relay keeps < 200 KB
    of what they brought."""
    for n in range(20):  # warm up whatever the first requests allocate once
        await relay.get(f"/menu/harbor?{distinct_query(-1 - n)}")
    gc.collect()
    tracemalloc.start(6)  # deep enough to see a relay frame above the parser's
    try:
        before = tracemalloc.take_snapshot()
        for n in range(300):
            r = await relay.get(f"/menu/harbor?{distinct_query(n)}")
            assert r.status_code == 401
        gc.collect()
        after = tracemalloc.take_snapshot()
    finally:
        tracemalloc.stop()
    relay_only = [tracemalloc.Filter(True, "*/app/*", all_frames=True)]
    grown = sum(s.size_diff for s in after.filter_traces(relay_only).compare_to(
        before.filter_traces(relay_only), "filename"))
    assert grown < 200_000, f"{grown} bytes kept"


async def test_query_string_over_the_cap_is_414_even_with_a_key(
        relay: httpx.AsyncClient) -> None:
    """A query string longer than MAX_QUERY_BYTES is 414 (JSON error), key or not."""
    long = "group=" + "x" * MAX_QUERY_BYTES
    for url in (f"/menu/harbor?key={KEY}&{long}", f"/board/harbor?{long}",
                f"/stock/harbor?key={KEY}&{long}"):
        r = await relay.get(url)
        assert r.status_code == 414, url
        assert r.json()["error"] == "query_too_long"


async def test_too_many_parameters_is_400(relay: httpx.AsyncClient) -> None:
    """More than MAX_QUERY_PARAMS parameters is 400 before any is read."""
    many = "&".join(f"tag=t{i}" for i in range(MAX_QUERY_PARAMS))
    r = await relay.get(f"/menu/harbor?key={KEY}&{many}")
    assert r.status_code == 400 and "parameters" in r.json()["detail"]


async def test_a_keyed_query_within_the_caps_still_answers(relay: httpx.AsyncClient) -> None:
    """A query at the parameter cap with a good key answers as before (and again from the
    kept parse)."""
    half = (MAX_QUERY_PARAMS - 1) // 2  # under the filters' own cap on repeats
    params = "&".join([*(f"tag=t{i}" for i in range(half)),
                       *(f"group=g{i}" for i in range(MAX_QUERY_PARAMS - 1 - half))])
    for _ in range(2):
        r = await relay.get(f"/menu/harbor?key={KEY}&{params}")
        assert r.status_code == 200 and r.json()["items"] == []
