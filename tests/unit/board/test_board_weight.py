"""The board's page weight: the 150-item page of the benchmark (bench part e) per template."""

from __future__ import annotations

from datetime import UTC, datetime

import orjson
import pytest

from app.board.options import BoardOptions
from app.board.render import render_content, render_page, select
from app.menu.filters import Filters
from app.menu.flatten import flatten
from app.menu.model import decode_menus
from app.menu.render import make_etag
from app.sim.large import build_large_menu

GOAL = 60_000
"""Issue 21: at most 60 KB of uncompressed HTML, script and styles for 150 items."""
GUID = "7e57b0a2-0150-4000-8000-000000000150"  # bench.board.LARGE["150 items"]


def large_page(template: str) -> bytes:
    """The page the bench's relay serves for its 150-item restaurant (the simulator's
    /_sim/large: 500 modifier groups, seed 1) with available=all."""
    doc = build_large_menu(150, 500, 1, GUID)
    now = datetime(2025, 3, 3, 17, 0, tzinfo=UTC)
    flat = flatten(decode_menus(orjson.dumps(doc)), now=now)
    data = select("Large Test Kitchen", "USD", flat, flat.rows, Filters(available_all=True),
                  now, fetched_at=1.0, changed_at=2.0, stale=False)
    options = BoardOptions(template=template)
    content = render_content(data, options)
    return render_page("Large Test Kitchen", options, content, make_etag(content))


@pytest.mark.parametrize("template", ["columns", "list", "feature"])
def test_the_150_item_page_is_at_most_60_kb(template: str) -> None:
    """Each template's 150-item page is within the 60 KB goal (bytes as served, no gzip)."""
    page = large_page(template)
    assert page.count(b"<div>") == 150
    assert len(page) <= GOAL, f"{template}: {len(page):,} B"
