"""Questions at a terminal: defaults, re-asking, a bounded number of tries, Ctrl-D."""

from __future__ import annotations

import io

import pytest

from app.prompts import MAX_TRIES, InputEnded, Prompter


def prompter(answers: str) -> tuple[Prompter, io.StringIO]:
    out = io.StringIO()
    return Prompter(io.StringIO(answers), out), out


def test_empty_answer_takes_the_default() -> None:
    """Enter alone takes the default shown in brackets."""
    ask, out = prompter("\n")
    assert ask.ask("Toast API host", "https://ws-api.toasttab.com") == \
        "https://ws-api.toasttab.com"
    assert "[https://ws-api.toasttab.com]" in out.getvalue()


def test_unusable_answers_are_asked_again_with_the_reason() -> None:
    """An answer the check refuses is asked again, and the reason is printed."""
    ask, out = prompter("nope\n42\n")
    assert ask.ask("A number", check=lambda a: None if a.isdigit() else "digits only") == "42"
    assert "digits only" in out.getvalue()


def test_tries_are_bounded() -> None:
    """After MAX_TRIES unusable answers setup stops with one clear error."""
    ask, _ = prompter("x\n" * (MAX_TRIES + 1))
    with pytest.raises(InputEnded, match="nothing was written"):
        ask.ask("A number", check=lambda a: "digits only")


def test_end_of_input_stops_setup() -> None:
    """Ctrl-D (end of input) stops setup instead of looping on empty answers."""
    ask, _ = prompter("")
    with pytest.raises(InputEnded, match="input ended"):
        ask.ask("Client ID")


def test_secret_off_a_terminal_is_read_and_needs_a_value() -> None:
    """Off a terminal the secret is read as a line; an empty one is asked again."""
    ask, out = prompter("\ns3cret\n")
    assert ask.secret("Client secret") == "s3cret"
    assert "s3cret" not in out.getvalue()

