"""The board's own script and stylesheet without comments and needless whitespace."""

from __future__ import annotations

import shutil
import subprocess
from importlib import resources

import pytest

from app.board.render import _JS
from app.board.strip import strip_css, strip_js


def test_js_comments_go_and_strings_stay() -> None:
    """Comments go; strings that look like comments or hold spaces are copied as they are."""
    src = "var a = '// no' + \"/* no */\"; // gone\n/* gone */ var b = 'x  y';\n"
    assert strip_js(src) == "var a='// no'+\"/* no */\";var b='x  y';"


def test_js_keeps_what_changes_meaning() -> None:
    """Spaces between words, between + and +, and line breaks where ASI may apply stay."""
    assert strip_js("return x") == "return x"
    assert strip_js("a + +b; c - -d") == "a+ +b;c- -d"
    assert strip_js("i++\nj()") == "i++\nj()"
    assert strip_js("return\nx") == "return\nx"
    assert strip_js("f()\n.then(g)") == "f().then(g)"
    assert strip_js("1 .toString()") == "1 .toString()"


def test_js_regular_expression_literals_are_refused() -> None:
    """A regular expression literal (which the scanner cannot tell apart) raises."""
    with pytest.raises(ValueError, match="regular expression"):
        strip_js("s.replace(/a b/g, '')")
    assert strip_js("x = (a + b) / 2") == "x=(a+b)/2"


def test_css_keeps_selectors_and_values() -> None:
    """Descendant selectors, calc() operators, strings and !important survive."""
    src = "/* c */ .a :hover , .b > .c {\n  width: calc(var(--g) / -2);\n  content: \"a  b\";}\n"
    assert strip_css(src) == '.a :hover,.b>.c{width:calc(var(--g) / -2);content:"a  b"}'
    assert strip_css("[hidden] { display: none !important; }") == \
        "[hidden]{display:none !important}"


def test_the_served_script_parses() -> None:
    """The stripped board.js is valid JavaScript (checked with node when installed; the
    browser tests run it either way)."""
    node = shutil.which("node")
    source = resources.files("app.board").joinpath("templates", "board.js").read_text()
    assert len(_JS) < 0.8 * len(source)
    if node is None:
        pytest.skip("node is not installed")
    done = subprocess.run([node, "--check", "-"], input=str(_JS), text=True,
                          capture_output=True, check=False, timeout=60)
    assert done.returncode == 0, done.stderr
