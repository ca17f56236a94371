"""glibc's mmap threshold held at its default: only on glibc, never over the operator's."""

from __future__ import annotations

import pytest

from app.heap import M_MMAP_THRESHOLD, MMAP_THRESHOLD, hold_mmap_threshold, is_glibc


class Mallopt:
    """A stand-in for glibc's mallopt that remembers what it was asked."""

    def __init__(self) -> None:
        self.calls: list[tuple[int, int]] = []

    def __call__(self, param: int, value: int) -> int:
        self.calls.append((param, value))
        return 1


def test_sets_the_threshold_on_glibc() -> None:
    """On glibc, mallopt is asked to hold the threshold at 128 KiB."""
    mallopt = Mallopt()
    assert hold_mmap_threshold({}, lambda name: "glibc 2.36", mallopt)
    assert mallopt.calls == [(M_MMAP_THRESHOLD, MMAP_THRESHOLD)] and MMAP_THRESHOLD == 131072


@pytest.mark.parametrize("libc", [None, "", "musl 1.2", "newlib 4"])
def test_no_op_without_glibc(libc: str | None) -> None:
    """Where the C library is not glibc (musl, macOS) nothing is called."""
    mallopt = Mallopt()
    assert not hold_mmap_threshold({}, lambda name: libc, mallopt)
    assert mallopt.calls == []


def test_no_op_where_the_name_is_unknown() -> None:
    """A platform whose confstr does not know the name counts as not glibc."""
    def unknown(name: str) -> str | None:
        raise ValueError(name)

    assert not is_glibc(unknown)
    assert not hold_mmap_threshold({}, unknown, Mallopt())


@pytest.mark.parametrize("env", [{"MALLOC_MMAP_THRESHOLD_": "65536"},
                                 {"GLIBC_TUNABLES": "glibc.malloc.mmap_threshold=1048576"}])
def test_the_operators_threshold_wins(env: dict[str, str]) -> None:
    """A threshold the operator set in the environment is left alone."""
    mallopt = Mallopt()
    assert not hold_mmap_threshold(env, lambda name: "glibc 2.36", mallopt)
    assert mallopt.calls == []


def test_real_call_on_this_machine() -> None:
    """On a glibc machine the real mallopt accepts it; elsewhere it is a no-op."""
    assert hold_mmap_threshold({}) == is_glibc()
