"""Fixtures of the board's browser tests."""

from tests.support.board import stack  # noqa: F401  # a fixture: pytest finds it by name
