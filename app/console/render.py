"""The console's HTML: Jinja2 templates (autoescaped) and QR codes as inline SVG.

Every page is rendered here from plain values; menu names, screen fields and
anything else a user or Toast wrote are escaped by Jinja, never marked safe. The
QR code is segno's SVG, made from the URL alone (segno writes the path data; no
text from the URL appears in it).
"""

from __future__ import annotations

from importlib import resources
from typing import Any

import segno
from jinja2 import Environment, PackageLoader, select_autoescape
from markupsafe import Markup

CONSOLE_CSP = ("default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
               "frame-src 'self'; connect-src 'self'; form-action 'self'; "
               "frame-ancestors 'none'; base-uri 'none'")
"""Only the console's own script and stylesheet; frames only the relay's own boards (the
previews); never framed itself; forms post only back to the relay."""
STATIC = {"console.css": "text/css; charset=utf-8",
          "console.js": "text/javascript; charset=utf-8"}

_ENV = Environment(loader=PackageLoader("app.console", "templates"),
                   autoescape=select_autoescape(default=True, default_for_string=True),
                   trim_blocks=True, lstrip_blocks=True)


def page(template: str, **values: Any) -> bytes:
    """A console page (``base.html`` around it)."""
    return _ENV.get_template(template).render(**values).encode()


def qr_svg(url: str) -> Markup:
    """``url`` as a QR code, an inline ``<svg>`` (dark on white, so it scans on any theme)."""
    code = segno.make(url, error="m")
    svg = code.svg_inline(scale=4, border=2, dark="#000", light="#fff", svgclass="qr",
                          lineclass=None, omitsize=False)
    return Markup(svg)  # noqa: S704  # segno's own markup: numbers and path data only


def static_file(name: str) -> bytes:
    """``console.css`` or ``console.js`` from the package (served with a long cache)."""
    return (resources.files("app.console") / "static" / name).read_bytes()
