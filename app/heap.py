"""Big transient blocks kept out of glibc's heap, so what they held goes back to the system.

Python hands every block over 512 bytes to the C allocator. glibc serves a block of
128 KiB or more with a mapping of its own, returned to the system when freed; but the
first time it frees one it raises that threshold to the freed size (up to 32 MiB), and
from then on Toast's ~240 KB ``/menus`` answers come from the heap, where, freed
between long-lived rendered answers, their pages stay resident (docs/performance.md,
"Measurements behind the code"). ``hold_mmap_threshold`` sets it once at glibc's own
default, which also stops the raising. It does nothing on other C libraries (musl in
Alpine images, macOS) or when the operator chose a threshold
(``MALLOC_MMAP_THRESHOLD_``, or ``mmap_threshold`` in ``GLIBC_TUNABLES``).
"""

from __future__ import annotations

import ctypes
import os
from collections.abc import Callable, Mapping

MMAP_THRESHOLD = 128 * 1024
"""glibc's default: blocks this big or bigger get their own mapping."""
M_MMAP_THRESHOLD = -3
"""``mallopt``'s parameter number for it (malloc.h)."""


def is_glibc(confstr: Callable[[str], str | None] = os.confstr) -> bool:
    try:
        return (confstr("CS_GNU_LIBC_VERSION") or "").startswith("glibc")
    except (ValueError, OSError):  # a platform that does not know the name
        return False


def operator_chose(env: Mapping[str, str]) -> bool:
    """The operator set glibc's threshold in the environment: theirs wins."""
    return "MALLOC_MMAP_THRESHOLD_" in env or "mmap_threshold" in env.get("GLIBC_TUNABLES", "")


def hold_mmap_threshold(
    env: Mapping[str, str] = os.environ,
    confstr: Callable[[str], str | None] = os.confstr,
    mallopt: Callable[[int, int], int] | None = None,
) -> bool:
    """Fix glibc's mmap threshold at its default; True when it was set (once per process
    is enough: it applies to every later allocation, in every thread)."""
    if operator_chose(env) or not is_glibc(confstr):
        return False
    if mallopt is None:
        try:
            fn = ctypes.CDLL(None).mallopt
        except (OSError, AttributeError):
            return False
        fn.argtypes = [ctypes.c_int, ctypes.c_int]
        fn.restype = ctypes.c_int
        mallopt = fn
    return bool(mallopt(M_MMAP_THRESHOLD, MMAP_THRESHOLD))
