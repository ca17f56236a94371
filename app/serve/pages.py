"""The HTML the relay serves: board pages, the board's layout preview and service worker,
and the landing page. The one caller of the board's templates (``app.board.render``)."""

from __future__ import annotations

from app.board.options import BoardOptions
from app.board.render import (
    SERVICE_WORKER,
    BoardInput,
    render_content,
    render_landing,
    render_page,
    render_preview,
)
from app.serve.answers import BOARD_POLICY, HTML, Answer

__all__ = ["SERVICE_WORKER", "board_answers", "landing_page", "preview_page"]


def board_answers(data: BoardInput, title: str, options: BoardOptions, *,
                  events_url: str = "") -> tuple[Answer, Answer]:
    """The board's content (the fragment its script swaps in) and its whole page.

    ``events_url``: the ``/events`` stream the page follows, when it is not the one
    beside the page (a stored screen's board)."""
    content = Answer.of(render_content(data, options), HTML, policy=BOARD_POLICY)
    page = Answer.of(render_page(title, options, content.body, content.etag,
                                 events_url=events_url), HTML, policy=BOARD_POLICY)
    return content, page


def preview_page(src: str, *, portrait: bool) -> bytes:
    """A page framing the board at ``src`` at 9:16 (or 16:9), to try a layout on a desktop."""
    return render_preview(src, portrait=portrait)


def landing_page(**values: object) -> str:
    """The landing page (``GET /``)."""
    return render_landing(**values)
