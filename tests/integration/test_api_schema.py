"""schemathesis against a live relay's own /openapi.json (real sockets, simulator behind).

Bounded: ``MAX_EXAMPLES`` generated requests per operation (plus the documented
examples), no per-example deadline (the machine may be loaded). Every answer must
be documented, conform to its schema and never be a 5xx; wrong methods must be
405. (schemathesis's own pytest plugin does not run on pytest 9, so each
operation is driven through its hypothesis strategy here.)
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from schemathesis import Case, GenerationMode
from schemathesis.checks import CheckFunction
from schemathesis.config import PositiveDataAcceptanceConfig
from schemathesis.specs.openapi.checks import negative_data_rejection
from schemathesis.specs.openapi.schemas import OpenApiSchema

from app.api.app import create_app, lifespan_of
from app.config import load_settings
from app.sim.sample import SAMPLE_RESTAURANT_GUID
from tests.support.relay_env import KEY, relay_env
from tests.support.stack import running_stack

pytestmark = pytest.mark.integration
ADMIN = "admin-key-0123456789abcdef"
MAX_EXAMPLES = 30
SERVED = ("harbor", "maple", SAMPLE_RESTAURANT_GUID.upper(), SAMPLE_RESTAURANT_GUID)
"""Restaurant references the relay under test serves (``relay_env``), in both forms."""


def documented() -> list[tuple[str, str, GenerationMode]]:
    """(method, path, mode) for every operation the relay documents (read in-process):
    schema-fitting requests for all, schema-violating ones where there are parameters."""
    settings_ = load_settings(relay_env("http://127.0.0.1:9", RELAY_ADMIN_KEY=ADMIN))
    doc = lifespan_of(create_app(settings_)).openapi()
    out = []
    for path, item in doc["paths"].items():
        for method, op in item.items():
            if "text/event-stream" in op["responses"].get("200", {}).get("content", {}):
                continue  # a stream never ends; tests/integration/test_webhooks.py reads it
            out.append((method.upper(), path, GenerationMode.POSITIVE))
            if op.get("parameters"):
                out.append((method.upper(), path, GenerationMode.NEGATIVE))
    return out


@pytest.fixture(scope="module")
def live(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    tmp: Path = tmp_path_factory.mktemp("schema")
    with running_stack(tmp, RELAY_ADMIN_KEY=ADMIN) as stack:
        url = stack.url
        yield url


@pytest.fixture(scope="module")
def api_schema(live: str) -> OpenApiSchema:
    schema = schemathesis.openapi.from_url(f"{live}/openapi.json", timeout=30)
    # 412 answers a precondition (If-Match) that the server's state, not the request's form,
    # made false: like 404 and 409, which positive_data_acceptance already expects, no
    # schema can rule it out. The screen writes document it.
    accepted = schema.config.checks.positive_data_acceptance.expected_statuses
    schema.config.checks.positive_data_acceptance = PositiveDataAcceptanceConfig(
        expected_statuses=[*accepted, "412"])
    return schema


def served(case: Case[Any]) -> None:
    """A screen definition's ``restaurant`` is documented by its form (a GUID or an alias);
    which ones this relay serves is its configuration, which the keyless /openapi.json does
    not disclose, and a well-formed one it does not serve is the documented 422. So a
    generated reference is mapped onto one it serves (keeping the check of every other field)."""
    body = case.body
    generated = body.get("restaurant") if isinstance(body, dict) else None
    if isinstance(body, dict) and isinstance(generated, str):
        body["restaurant"] = SERVED[len(generated) % len(SERVED)]


@pytest.mark.parametrize(("method", "path", "mode"), documented(), ids=lambda v: str(v))
def test_answers_conform_to_the_relays_own_schema(api_schema: OpenApiSchema, method: str,
                                                  path: str, mode: GenerationMode) -> None:
    """No 5xx; every status, header and body is the documented one, for generated requests
    that fit the schema (accepted) and that do not (documented answers, never a 5xx)."""
    operation = api_schema[path][method]
    key = ADMIN if path.startswith("/admin") else KEY
    # In a query string `menu=false` is a list of one string, yet schemathesis counts it as
    # a boolean that should have been rejected: that one check is off for violating requests.
    skip: list[CheckFunction] = [negative_data_rejection] if mode is GenerationMode.NEGATIVE else []

    @settings(max_examples=MAX_EXAMPLES, deadline=None, derandomize=True,
              phases=[Phase.explicit, Phase.generate], database=None,
              suppress_health_check=list(HealthCheck))
    @given(case=operation.as_strategy(generation_mode=mode))
    def check(case: Case[Any]) -> None:
        if mode is GenerationMode.POSITIVE and path == "/admin/screens/{screen}":
            served(case)
        case.call_and_validate(headers={"X-API-Key": key}, excluded_checks=skip, timeout=30)

    check()


def test_head_over_a_real_socket_has_headers_and_no_body(live: str) -> None:
    """Through uvicorn, HEAD on fast-lane and ordinary GET routes: GET's headers, no body."""
    for path in ("/menu/harbor", "/stock/harbor", "/restaurants", "/readyz", "/docs",
                 "/toast/menus/v2/metadata?restaurant=harbor"):
        url = f"{live}{path}"
        got = httpx.get(url, headers={"X-API-Key": KEY}, timeout=30)
        head = httpx.head(url, headers={"X-API-Key": KEY}, timeout=30)
        assert head.status_code == got.status_code == 200, path
        assert head.content == b"", path
        assert head.headers["content-type"] == got.headers["content-type"], path
        assert head.headers.get("content-length") == got.headers.get("content-length"), path
