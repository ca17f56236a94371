"""Reloading the accounts file in a running relay process (POST /admin/reload, SIGHUP):
accounts added and removed without a restart, a bad file changing nothing, and the
running account's screens answered throughout."""

from __future__ import annotations

import os
import signal
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest

from app.config import append_account
from tests.support.accounts import (
    AGENCY,
    AGENCY_ADMIN,
    AGENCY_KEY,
    GLOBAL_ADMIN,
    HARBOR,
    HARBOR_ADMIN,
    HARBOR_KEY,
    RESTAURANTS,
    account_fields,
    accounts_stack,
    get,
    json_lines,
    write_accounts,
)
from tests.support.stack import RunningStack
from tests.support.waits import wait_for

pytestmark = pytest.mark.integration
TAQUERIA = RESTAURANTS[AGENCY]["taqueria"]


class MenuPoller:
    """Polls the harbor's /menu (with If-None-Match) until stopped; every answer that is
    not a 200 with items or a 304 is kept as a failure."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.answers = 0
        self.failures: list[str] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        etag = ""
        with httpx.Client(timeout=30) as client:
            while not self._stop.is_set():
                try:
                    r = client.get(f"{self.url}/menu/harbor",
                                   headers={"X-API-Key": HARBOR_KEY, "If-None-Match": etag})
                except httpx.HTTPError as exc:
                    self.failures.append(repr(exc))
                    continue
                self.answers += 1
                if r.status_code == 200 and r.json()["items"]:
                    etag = r.headers["etag"]
                elif r.status_code != 304:
                    self.failures.append(f"{r.status_code} {r.text[:200]}")
                self._stop.wait(0.02)

    @contextmanager
    def running(self) -> Iterator[MenuPoller]:
        self._thread.start()
        try:
            wait_for(lambda: self.answers >= 3, what="the poller's first answers")
            yield self
        finally:
            self._stop.set()
            self._thread.join(30)
        assert not self.failures, self.failures[:5]


def reload(url: str, key: str) -> httpx.Response:
    return httpx.post(f"{url}/admin/reload", headers={"X-API-Key": key}, timeout=60)


def add_agency(stack: RunningStack, path: Path) -> None:
    append_account(path, AGENCY, account_fields(AGENCY, stack.sim))


@pytest.fixture
def harbor_only(tmp_path: Path) -> Iterator[tuple[RunningStack, Path]]:
    with accounts_stack(tmp_path, (HARBOR,)) as started:
        yield started


def test_admin_reload_adds_and_removes_an_account(
        harbor_only: tuple[RunningStack, Path]) -> None:
    """POST /admin/reload with RELAY_ADMIN_KEY serves an appended account at once and a
    removed one no more (404), while the harbor's /menu answers 200/304 throughout."""
    stack, path = harbor_only
    assert get(stack.url, "/menu/taqueria", HARBOR_KEY).status_code == 404
    with MenuPoller(stack.url).running():
        add_agency(stack, path)
        r = reload(stack.url, GLOBAL_ADMIN)
        assert r.status_code == 200, r.text
        assert r.json() == {"added": [AGENCY], "removed": [], "changed": [],
                            "unchanged": [HARBOR]}
        served = get(stack.url, "/menu/taqueria", AGENCY_KEY)
        assert served.status_code == 200 and served.json()["items"]
        assert get(stack.url, "/menu/taqueria", HARBOR_KEY).status_code == 403
        write_accounts(path, {HARBOR: account_fields(HARBOR, stack.sim)})
        r = reload(stack.url, GLOBAL_ADMIN)
        assert r.status_code == 200 and r.json()["removed"] == [AGENCY], r.text
        for ref in ("taqueria", TAQUERIA):
            assert get(stack.url, f"/menu/{ref}", HARBOR_KEY).status_code == 404
        assert get(stack.url, "/menu/taqueria", AGENCY_KEY).status_code == 401


def test_reload_refuses_an_account_admin_key_and_a_bad_file(
        harbor_only: tuple[RunningStack, Path]) -> None:
    """An account's admin key gets 403; a file that does not validate gets 422 with one
    line and changes nothing (the accounts served before still are, the new one is not)."""
    stack, path = harbor_only
    add_agency(stack, path)
    assert reload(stack.url, HARBOR_ADMIN).status_code == 403
    assert get(stack.url, "/menu/taqueria", AGENCY_KEY).status_code == 401
    assert reload(stack.url, GLOBAL_ADMIN).status_code == 200
    with MenuPoller(stack.url).running():
        path.write_text(path.read_text() + "\n[accounts.broken]\nclient_id = 3\n")
        bad = reload(stack.url, GLOBAL_ADMIN)
        assert bad.status_code == 422, bad.text
        assert bad.json()["error"] == "config_error" and "'broken'" in bad.json()["detail"]
        assert "\n" not in bad.json()["detail"]
        assert reload(stack.url, AGENCY_ADMIN).status_code == 403
    assert get(stack.url, "/menu/taqueria", AGENCY_KEY).status_code == 200
    assert get(stack.url, "/menu/harbor", HARBOR_KEY).status_code == 200


def test_sighup_reloads_the_file(harbor_only: tuple[RunningStack, Path]) -> None:
    """SIGHUP to the relay process serves an appended account; a bad file then is logged
    as one line and changes nothing; removing the account and SIGHUP again: 404."""
    stack, path = harbor_only
    with MenuPoller(stack.url).running():
        add_agency(stack, path)
        os.kill(stack.relay.pid, signal.SIGHUP)
        wait_for(lambda: get(stack.url, "/menu/taqueria", AGENCY_KEY).status_code == 200,
                 what="the appended account served after SIGHUP")
        good = path.read_text()
        path.write_text(good + "\n[accounts.broken]\nclient_id = 3\n")
        os.kill(stack.relay.pid, signal.SIGHUP)
        line = wait_for(lambda: [x for x in json_lines(stack.relay.output())
                                 if x["msg"].startswith("accounts file not reloaded")],
                        what="the bad file's log line")[0]
        assert line["level"] == "error" and "'broken'" in line["msg"]
        assert get(stack.url, "/menu/taqueria", AGENCY_KEY).status_code == 200
        write_accounts(path, {HARBOR: account_fields(HARBOR, stack.sim)})
        os.kill(stack.relay.pid, signal.SIGHUP)
        wait_for(lambda: get(stack.url, "/menu/taqueria", HARBOR_KEY).status_code == 404,
                 what="the removed account's restaurant gone after SIGHUP")
    assert stack.relay.proc.poll() is None
