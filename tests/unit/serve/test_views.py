"""A MenuView's shapes: each rendered once, each with its own stable ETag, ASCII on request."""

from __future__ import annotations

import orjson
import pytest

from app.menu.filters import Filters
from app.menu.flatten import FlatMenu
from app.serve import dayparts, views
from app.serve.answers import FORMATS, MEDIA_TYPES
from tests.support.menu_docs import NOW
from tests.support.menu_views import view


def test_every_shape_has_its_own_etag_and_media_type() -> None:
    """Each format, plain and ASCII, has a distinct ETag and its format's media type."""
    v = view()
    answers = {(f, a): v.menu(Filters(), f, None, a) for f in FORMATS for a in (False, True)}
    assert len({x.etag for x in answers.values()}) == len(answers)
    for (fmt, _), answer in answers.items():
        assert answer.media_type == MEDIA_TYPES[fmt]
        assert answer.head[1] == (b"content-length", str(len(answer.body)).encode())


def test_shapes_are_rendered_once_per_view() -> None:
    """Asking twice for a shape returns the very same ready answer (no re-serialising)."""
    v = view()
    assert v.menu(Filters(), "xml", None) is v.menu(Filters(), "xml", None)
    assert v.menu(Filters(), "rss", None, True) is v.menu(Filters(), "rss", None, True)


def test_identical_inputs_give_identical_bytes_and_etags() -> None:
    """Two views of the same data agree byte for byte in every shape (stable while unchanged)."""
    a, b = view(), view()
    for fmt in FORMATS:
        for ascii_only in (False, True):
            x, y = a.menu(Filters(), fmt, None, ascii_only), b.menu(Filters(), fmt, None,
                                                                    ascii_only)
            assert (x.body, x.etag) == (y.body, y.etag)


def test_a_change_changes_every_shapes_etag() -> None:
    """Going stale changes the JSON, so every derived ETag moves with it."""
    fresh, stale = view(), view(stale=True)
    for fmt in FORMATS:
        assert fresh.menu(Filters(), fmt, None).etag != stale.menu(Filters(), fmt, None).etag


def test_ascii_answers_are_plain_ascii() -> None:
    """ascii=true folds every text, the restaurant's name included, in every format."""
    v = view()
    for fmt in FORMATS:
        assert v.menu(Filters(), fmt, None, True).body.isascii(), fmt
    assert orjson.loads(v.menu(Filters(), "json", None, True).body)["restaurant"]["name"] \
        == "Cafe Creme"


def test_filtered_shapes_are_filtered_and_cached() -> None:
    """Filters apply to every shape; a filtered answer is computed once and kept."""
    v = view()
    everything = orjson.loads(v.menu(Filters(), "rows", None).body)
    menu_name = everything[0]["menu"]
    only = Filters(menus=(menu_name.casefold(),))
    rows = v.menu(only, "rows", NOW, True)
    assert rows is v.menu(only, "rows", NOW, True)
    assert {r["menu"] for r in orjson.loads(rows.body)} == {menu_name}
    with pytest.raises(ValueError, match="current time"):
        v.menu(only, "xml", None)


def test_prerender_carries_the_shapes_in_use_to_the_next_view() -> None:
    """A new view renders, up front, every shape its predecessor was asked for."""
    old = view()
    old.menu(Filters(), "rss", None, True)
    new = view(stale=True)
    new.prerender(old.shapes())
    assert ("rss", True) in new.shapes() and ("xml", False) not in new.shapes()


def test_open_menus_are_worked_out_once_a_minute(monkeypatch: pytest.MonkeyPatch) -> None:
    """moment() reads the schedules once per minute: later in the same minute it is a
    lookup, the next minute reads them again."""
    v = view()
    calls: list[float] = []
    real = dayparts.open_menus

    def counted(flat: FlatMenu, now: float) -> tuple[object, ...]:
        calls.append(now)
        return real(flat, now)

    monkeypatch.setattr(views, "open_menus", counted)
    start = NOW.timestamp() // 60 * 60
    first = v.moment(start + 1)
    assert v.moment(start + 59) == first and len(calls) == 1
    v.moment(start + 60)
    assert len(calls) == 2
