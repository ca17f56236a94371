"""Whitespace and comments out of the board's own script and stylesheet, once at start.

Not a minifier: names stay as written, and only whitespace that cannot change the
meaning goes (strings are copied untouched; a line break stays wherever automatic
semicolon insertion could depend on it). The script must not use regular expression
literals (the one construct this scanner cannot tell from a division): it raises.
"""

from __future__ import annotations

import re

_WORD = re.compile(r"[\w$]")
_JOINS = {"++", "--", "+-", "-+", "//", "/*", "*/"}
# A line break after these cannot end a statement, so it can go (no ASI involved).
_OPEN = set("{(,;[=:?&|*/<>!")


def _is_word(c: str) -> bool:
    return bool(_WORD.match(c))


def _string_end(text: str, i: int) -> int:
    """Index just past the string literal starting at ``text[i]`` (a quote)."""
    quote, j = text[i], i + 1
    while j < len(text):
        if text[j] == "\\":
            j += 2
            continue
        if text[j] == quote:
            return j + 1
        if text[j] == "\n" and quote != "`":
            break
        j += 1
    raise ValueError(f"unterminated string at {i}")


def _gap(prev: str, run: str, nxt: str) -> str:
    """What replaces a run of whitespace (and comments) between two tokens."""
    if not prev or not run:
        return ""
    if (_is_word(prev) and _is_word(nxt)) or (prev.isdigit() and nxt == "."):
        return "\n" if "\n" in run else " "
    if prev + nxt in _JOINS:
        return " "
    if "\n" in run and prev not in _OPEN and nxt not in "}),;.":
        return "\n"
    return ""


def strip_js(text: str) -> str:
    """``text`` (ES5 script) without comments and with only the whitespace it needs."""
    out: list[str] = []
    run, last, i = "", "", 0
    while i < len(text):
        c = text[i]
        if c.isspace():
            run += c
            i += 1
        elif text.startswith("//", i):
            end = text.find("\n", i)
            i = len(text) if end < 0 else end
        elif text.startswith("/*", i):
            end = text.find("*/", i + 2)
            if end < 0:
                raise ValueError(f"unterminated comment at {i}")
            run += " "
            i = end + 2
        else:
            if c == "/" and not (last and (_is_word(last) or last in ")]")):
                raise ValueError(f"a regular expression literal at {i}: not supported")
            out.append(_gap(last, run, c))
            run = ""
            end = _string_end(text, i) if c in "'\"`" else i + 1
            out.append(text[i:end])
            last, i = text[end - 1], end
    return "".join(out)


def strip_css(text: str) -> str:
    """``text`` (CSS) without comments, runs of whitespace as one space, and no space
    around ``{ } ; , >`` or after a declaration's colon, nor a semicolon before ``}``."""
    out: list[str] = []
    run, depth, i = "", 0, 0
    while i < len(text):
        c = text[i]
        if c.isspace():
            run += c
            i += 1
            continue
        if text.startswith("/*", i):
            end = text.find("*/", i + 2)
            if end < 0:
                raise ValueError(f"unterminated comment at {i}")
            run += " "
            i = end + 2
            continue
        prev = out[-1][-1] if out else ""
        tight = "{};,>" + (":" if depth else "")
        if run and prev and c not in tight and prev not in tight:
            out.append(" ")
        run = ""
        if c in "'\"":
            end = _string_end(text, i)
            out.append(text[i:end])
            i = end
            continue
        depth += (c == "{") - (c == "}")
        if c == "}" and prev == ";":
            out[-1] = out[-1][:-1]  # the last declaration needs no semicolon
        out.append(c)
        i += 1
    return "".join(out)
