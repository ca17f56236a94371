"""Questions at a terminal for ``toast-relay setup``: a default in brackets, a bounded
number of tries, and the client secret read without echo."""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator
from typing import TextIO

from app.errors import RelayError

MAX_TRIES = 5

Check = Callable[[str], str | None]
"""Returns why an answer is not usable, or None when it is."""


class InputEnded(RelayError):
    """The terminal closed (Ctrl-D) or every try was wrong: setup stops, writing nothing."""


class Prompter:
    def __init__(self, stdin: TextIO, out: TextIO) -> None:
        self._in = stdin
        self._out = out

    def say(self, text: str = "") -> None:
        print(text, file=self._out, flush=True)

    def ask(self, question: str, default: str | None = None, check: Check | None = None) -> str:
        """The answer (or ``default`` for an empty one), asked again while ``check`` objects."""
        shown = f"{question} [{default}]: " if default else f"{question}: "
        for _ in range(MAX_TRIES):
            self._out.write(shown)
            self._out.flush()
            answer = self._line() or (default or "")
            problem = check(answer) if check else (None if answer else "an answer is needed")
            if problem is None:
                return answer
            self.say(f"  {problem}")
        raise InputEnded(f"setup stopped after {MAX_TRIES} unusable answers; nothing was "
                         "written")

    def secret(self, question: str) -> str:
        """A non-empty answer read with the terminal's echo off."""
        for _ in range(MAX_TRIES):
            with self._no_echo():
                self._out.write(f"{question} (not shown): ")
                self._out.flush()
                answer = self._line()
            self.say()
            if answer:
                return answer
            self.say("  an answer is needed")
        raise InputEnded(f"setup stopped after {MAX_TRIES} empty answers; nothing was written")

    def _line(self) -> str:
        line = self._in.readline()
        if not line:
            raise InputEnded("setup stopped: the input ended; nothing was written")
        return line.strip()

    @contextlib.contextmanager
    def _no_echo(self) -> Iterator[None]:
        try:
            import termios
        except ImportError:  # not a POSIX system: the answer is read as typed
            yield
            return
        try:
            fd = self._in.fileno()
            before = termios.tcgetattr(fd)
        except (OSError, ValueError, termios.error):  # not a terminal: nothing to turn off
            yield
            return
        quiet = termios.tcgetattr(fd)
        quiet[3] &= ~termios.ECHO
        # TCSANOW, not TCSAFLUSH: an answer typed ahead of the prompt is kept.
        termios.tcsetattr(fd, termios.TCSANOW, quiet)
        try:
            yield
        finally:
            termios.tcsetattr(fd, termios.TCSANOW, before)
