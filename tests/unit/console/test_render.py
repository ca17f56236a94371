"""Console pages are escaped: menu names and screen fields never become markup."""

from __future__ import annotations

from app.console.editor import GroupChoice, ItemChoice
from app.console.render import page, qr_svg
from app.screens.model import Screen

EVIL = '<script>alert(1)</script>"><img src=x onerror=alert(2)>'


def test_menu_names_and_screen_fields_are_escaped() -> None:
    """A menu, group or item name and a saved title/rename full of markup render as text."""
    guid = "11111111-1111-4111-8111-111111111111"
    draft = {**Screen().as_json(), "title": EVIL, "rename": {guid: EVIL}, "footer": EVIL}
    body = page("screen.html", root="", csrf="t", name="x", version=1, draft=draft,
                errors={"title": EVIL}, notice=EVIL, menus=[EVIL],
                groups=[GroupChoice(EVIL, [EVIL], [ItemChoice(guid, EVIL, "$1", "")])],
                menu_note="", positions={"menus": {}, "groups": {}, "items": {}},
                restaurants=[{"ref": "harbor", "name": EVIL}], players=[], saved=False)
    assert b"<script>alert" not in body and b"<img src=x" not in body
    assert b"&lt;script&gt;alert(1)&lt;/script&gt;" in body


def test_no_page_has_inline_script_or_style() -> None:
    """Console pages load their one script by src and carry no inline handlers or styles
    (the CSP would block them)."""
    body = page("sign_in.html", root="", error=EVIL)
    assert b"<script src=" in body
    assert b"<script>" not in body and b" style=" not in body and b" onclick=" not in body


def test_the_qr_code_is_plain_svg() -> None:
    """The QR code is an inline <svg> of path data, without the URL's text or a script."""
    svg = str(qr_svg("http://relay.lan/s/drinks?key=k&x=<b>"))
    assert svg.startswith("<svg") and "<path" in svg
    assert "<b>" not in svg and "script" not in svg
