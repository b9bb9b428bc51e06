"""Measuring a run in its worker: memory and CPU time around it, and the untimed warm-up
before it.

``peak_memory_mb`` is the growth of the worker's resident set during the run (sampled
every 10 ms from /proc/self/statm; native memory such as CP-SAT's included);
``worker_maxrss_mb`` is ``getrusage(RUSAGE_SELF).ru_maxrss`` of the worker after the run;
``tracemalloc_peak_mb`` is the Python-heap peak, only with ``--memory tracemalloc``
because tracing every allocation slowed a pure-Python strategy about six-fold here;
``cpu_s`` is the worker's CPU seconds (user and system, its finished child processes
included: the portfolio's) during the run, beside its wall ``runtime_s``: a run that
shared the cores shows less CPU than wall time.
Each worker runs every solver once untimed on a tiny instance before its first measured
run: imports and numba compilation are not a strategy's speed.
"""

from __future__ import annotations

import contextlib
import os
import sys
import threading
import time
import tracemalloc

import numpy as np

from clnmatch.problem import Problem
from clnmatch.research.runs import MemoryMode, RunSpec
from clnmatch.research.schedules import warm_up_schedules
from clnmatch.research.sets import COHORT_SETS, set_cohort

__all__ = [
    "WARM_UP_SECONDS",
    "Meter",
    "maxrss_mb",
    "resolve_solver",
    "rss_bytes",
    "tiny_problem",
    "warm_up",
]


def rss_bytes() -> int | None:
    """The current resident set of this process (Linux /proc; None elsewhere)."""
    try:
        with open("/proc/self/statm", encoding="ascii") as handle:
            return int(handle.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
    except (OSError, ValueError, IndexError):
        return None


def maxrss_mb() -> float | None:
    try:
        import resource
    except ImportError:  # Windows
        return None
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak / (2**20 if sys.platform == "darwin" else 2**10)  # bytes on macOS, KiB on Linux


_TRACEMALLOC_LOCK = threading.Lock()


class Meter:
    """Peak RSS growth (sampled by a thread), CPU seconds and optionally the tracemalloc
    peak of a block."""

    def __init__(self, mode: MemoryMode, interval: float = 0.01):
        self.mode, self.interval = mode, interval
        self.peak_mb: float | None = None
        self.tracemalloc_mb: float | None = None
        self.cpu_s: float | None = None
        self.note = ""

    def __enter__(self) -> Meter:
        self._cpu = _cpu_seconds()
        self._start = rss_bytes()
        self._peak = self._start or 0
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        if self._start is not None:
            self._thread = threading.Thread(target=self._sample, daemon=True)
            self._thread.start()
        self._traced = False
        if self.mode == "tracemalloc":
            # tracemalloc is process-wide: with runs in threads only one can own it
            if _TRACEMALLOC_LOCK.acquire(blocking=False):
                if tracemalloc.is_tracing():
                    _TRACEMALLOC_LOCK.release()
                else:
                    tracemalloc.start()
                    self._traced = True
            if not self._traced:
                self.note = "tracemalloc busy (another run in this process)"
        return self

    def _sample(self) -> None:
        while not self._stop.wait(self.interval):
            rss = rss_bytes()
            if rss is not None and rss > self._peak:
                self._peak = rss

    def __exit__(self, *exc: object) -> None:
        self.cpu_s = _cpu_seconds() - self._cpu
        if self._traced:
            self.tracemalloc_mb = tracemalloc.get_traced_memory()[1] / 2**20
            tracemalloc.stop()
            _TRACEMALLOC_LOCK.release()
        self._stop.set()
        if self._thread is not None:
            self._thread.join()
            end = rss_bytes() or 0
            self.peak_mb = (max(self._peak, end) - (self._start or 0)) / 2**20


def _cpu_seconds() -> float:
    """This process's CPU seconds so far, its waited-for children's included."""
    times = os.times()
    return times.user + times.system + times.children_user + times.children_system


# --------------------------------------------------------------------------- warm-up
_WARMED: set[tuple[str, str, str]] = set()
_WARM_LOCK = threading.Lock()
WARM_UP_SECONDS = 1.0
_BOUND_KEY = ("bound", "certified_bound", "")  # certified_bound warmed up in this process


def _first_time(key: tuple[str, str, str]) -> bool:
    """Whether ``key`` is warmed up in this process for the first time (and now is)."""
    with _WARM_LOCK:
        if key in _WARMED:
            return False
        _WARMED.add(key)
        return True


def tiny_problem() -> Problem:
    """Eight units in two teams of four: enough to load every import and compile every kernel."""
    rng = np.random.default_rng(0)
    pair = np.triu(rng.integers(0, 100, size=(8, 8)), 1)
    return Problem(
        unit_ids=tuple(f"u{i}" for i in range(8)),
        unit_weight=np.ones(8, dtype=np.int64),
        team_min=np.full(2, 4, dtype=np.int64),
        team_max=np.full(2, 4, dtype=np.int64),
        pair_milli=(pair + pair.T).astype(np.int64),
        name="warm-up",
    )


def resolve_solver(name: str, problem: Problem) -> str:
    """The registered strategy a run uses: ``auto`` is what ``solve`` would pick."""
    if name != "auto":
        return name
    from clnmatch.solve import choose_strategy

    return choose_strategy(problem)


def warm_up(spec: RunSpec) -> float | None:
    """Once per worker process and solver: the same path on a tiny instance, untimed.

    The first run in a fresh process pays for imports and JIT compilation (numba kernels
    took over a minute on a loaded machine here); that is not the strategy's speed.
    The strategy's own ``warm_up`` (see ``strategies.prepare``) runs first. Errors are ignored
    here: the measured run will meet them again and record them.
    """
    if not _first_time((spec.kind, spec.solver_kind, spec.solver)):
        return None
    started = time.perf_counter()
    with contextlib.suppress(Exception):
        if spec.kind in ("golf", "breakouts"):
            warm_up_schedules()
        elif spec.solver_kind == "peer":
            from clnmatch.research.peers import get_peer

            tiny = COHORT_SETS["tiny"]
            get_peer(spec.solver).assign(set_cohort("tiny", 0), tiny.rules, WARM_UP_SECONDS, 0)
        else:
            from clnmatch.strategies import Budget, get_strategy, prepare

            if spec.kind == "research":
                problem = tiny_problem()
                strategy = get_strategy(resolve_solver(spec.solver, problem))
                prepare(strategy)
                strategy.run(problem, Budget(time_limit=WARM_UP_SECONDS, seed=0))
                if spec.bound_time > 0 and _first_time(_BOUND_KEY):
                    # its first call imports the semidefinite solver (about 1 s of a 2 s
                    # --bound-time: a researcher's gaps then varied with the load)
                    from clnmatch.bounds import certified_bound

                    certified_bound(problem, 2 * WARM_UP_SECONDS)
            else:
                from clnmatch.solve import solve

                if spec.solver != "auto":  # solve prepares what auto picks itself
                    prepare(get_strategy(spec.solver))
                tiny = COHORT_SETS["tiny"]
                solve(
                    set_cohort("tiny", 0),
                    tiny.rules,
                    strategy=spec.solver,
                    time_limit=WARM_UP_SECONDS,
                    seed=0,
                )
    return time.perf_counter() - started
