"""Compile the numba kernels once, when clnmatch is installed, not in the user's first match.

Compiling every kernel takes about 20 s of one core (measured on a fresh install: the
first ``clnmatch demo`` took 29 s, the second 8.4 s), and a time-limited call cannot
give that time back. So ``pip install`` compiles them into the package's own cache:
the build (``setup.py``, ``build_py``) runs ``python -m clnmatch.precompile`` against the
package being built, which runs every strategy's ``warm_up`` on tiny problems; the cache
files (``__pycache__/*.nbi``, ``*.nbc``, keyed by ``clnmatch.jit``) travel in the
wheel. An editable install compiles into the source tree. Set ``CLNMATCH_PRECOMPILE=0``
to skip it; where the cache does not fit (another numba version, another CPU) the
kernels compile at first use as before.

``load_kernels()`` loads (or, without a cache, compiles) every kernel and counts the
signatures numba loaded from the cache and those it had to compile (numba's dispatcher
statistics), so a caller (the command line, which counts it in its time limit) and the
tests (a new process must load and compile nothing) can tell which happened.

A cache left half-written (the first compilation interrupted: measured by killing it
after 12 s) made every later run fail: the pricing's branch and bound then compiles
numba's sort without reference counting, which numba refuses, because the kernel that
used to compile that sort first was loaded from the cache instead. ``load_kernels``
therefore clears the kernels' cache and compiles them afresh in a new process when
loading fails, then loads; the build removes a cache it could not finish.
"""

from __future__ import annotations

import argparse
import importlib
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from clnmatch.jit import HAVE_NUMBA, KERNEL_FILES

__all__ = [
    "KernelLoad",
    "clear_kernel_caches",
    "compilations",
    "kernel_dispatchers",
    "load_kernels",
    "main",
]


@dataclass(frozen=True)
class KernelLoad:
    """What ``load_kernels`` did: seconds, signatures loaded from the cache or compiled."""

    seconds: float
    loaded: int
    compiled: int

    def describe(self) -> str:
        how = f"loaded {self.loaded}" + (f", compiled {self.compiled}" if self.compiled else "")
        return f"numba kernels: {how} signature(s) in {self.seconds:.1f} s"


def kernel_dispatchers() -> list[Any]:
    """Every numba dispatcher defined in clnmatch's kernel files (imported here)."""
    if not HAVE_NUMBA:
        return []
    from numba.core.dispatcher import Dispatcher

    found: dict[int, Any] = {}
    for name in KERNEL_FILES:
        module = importlib.import_module("clnmatch." + name.removesuffix(".py").replace("/", "."))
        for value in vars(module).values():
            if isinstance(value, Dispatcher):
                found[id(value)] = value
    return list(found.values())


def _counts(dispatchers: list[Any]) -> tuple[int, int]:
    hits = sum(sum(d.stats.cache_hits.values()) for d in dispatchers)
    misses = sum(sum(d.stats.cache_misses.values()) for d in dispatchers)
    return hits, misses


def compilations() -> int:
    """Kernel signatures this process has compiled so far (those loaded from the cache are
    not counted): a call's one-off compilation is told from its loading by it."""
    return _counts(kernel_dispatchers())[1]


def _prepare_all(rooms: bool) -> None:
    from clnmatch.strategies import prepare
    from clnmatch.strategies.registry import available_strategies, get_strategy

    for name in available_strategies():
        prepare(get_strategy(name))
    if rooms:  # breakout rooms' kernels too (a first plan compiled them: 107 s)
        from clnmatch.breakouts.solver import warm_up as breakouts_warm_up

        breakouts_warm_up()


def clear_kernel_caches() -> int:
    """Delete the cache files of every kernel (wherever numba keeps them); how many."""
    removed = 0
    for dispatcher in kernel_dispatchers():
        folder = Path(dispatcher.stats.cache_path)
        stem = Path(dispatcher.py_func.__code__.co_filename).stem
        for path in [*folder.glob(f"{stem}.*.nbi"), *folder.glob(f"{stem}.*.nbc")]:
            path.unlink(missing_ok=True)
            removed += 1
    return removed


def compile_afresh() -> None:
    """Compile every kernel in a new process (one that loads nothing half-written)."""
    subprocess.run([sys.executable, "-m", "clnmatch.precompile"], check=False, capture_output=True)


def load_kernels(*, recover: bool = True, rooms: bool = True) -> KernelLoad:
    """Run every strategy's one-off preparation and, with ``rooms``, the breakout rooms'
    (their kernels, on tiny problems; a match alone leaves them out: 0.2 s).

    When that fails (a half-written cache, see the module docstring) and ``recover``,
    the cache is cleared, compiled afresh in a new process and loaded from there.
    """
    tick = time.perf_counter()
    dispatchers = kernel_dispatchers()
    hits, misses = _counts(dispatchers)
    if not (HAVE_NUMBA and recover):
        _prepare_all(rooms)
    else:
        from numba.core.errors import NumbaError

        try:
            _prepare_all(rooms)
        except NumbaError:
            clear_kernel_caches()
            compile_afresh()
            _prepare_all(rooms)
    after_hits, after_misses = _counts(dispatchers)
    return KernelLoad(time.perf_counter() - tick, after_hits - hits, after_misses - misses)


def main(argv: list[str] | None = None) -> int:
    """``python -m clnmatch.precompile``: compile into the cache and say what happened."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.parse_args(argv)
    if not HAVE_NUMBA:
        print("numba is not installed: nothing to compile")
        return 0
    load = load_kernels(recover=False)  # a failure here is reported, not retried
    print(load.describe(), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
