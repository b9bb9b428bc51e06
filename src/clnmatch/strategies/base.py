"""The strategy protocol and the registry strategies are picked from by name.

A strategy receives a ``Problem`` (arrays only), a ``Budget`` (time limit, seed,
progress callback, warm start) and returns a ``Proposal``: a unit assignment, team
focus themes and, when it can prove one, an upper bound. It never reads files, never
scores itself for the user (``clnmatch.evaluate`` does) and never mutates the problem.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Protocol, runtime_checkable

import numpy as np
from numpy.typing import NDArray

from clnmatch.problem import Problem
from clnmatch.proposal import Proposal
from clnmatch.trace import Progress, TracePoint

__all__ = [
    "Budget",
    "Progress",
    "Proposal",
    "Strategy",
    "TracePoint",
    "register",
    "registered",
    "prepare",
    "ran_past",
]


def ran_past(spent: float, time_limit: float) -> bool:
    """Whether ``spent`` seconds is well past ``time_limit``: 10% and half a second more
    (a strategy's, a peer's or a whole call's overrun is judged alike)."""
    return spent > 1.1 * time_limit + 0.5


@dataclass
class Budget:
    """Stopping rule, randomness and callbacks shared by every strategy."""

    time_limit: float = 30.0
    seed: int = 0
    progress: Callable[[Progress], None] | None = None
    warm_start: NDArray[np.int64] | None = None  # a unit assignment to start from
    started: float = field(default_factory=time.perf_counter)
    # a deterministic work limit: a strategy that iterates stops after this many of its own
    # iterations (each documents its unit), so a run it ends is reproducible whatever the
    # machine's load; the time limit still applies
    max_iterations: int | None = None
    # a proven upper bound on the objective (milli-points): reaching it, a strategy may stop
    target_milli: int | None = None
    # told a strategy's deterministic work so far (about seconds on this machine), by
    # strategies that count it: how a portfolio races them deterministically
    on_work: Callable[[float], None] | None = None

    def elapsed(self) -> float:
        return time.perf_counter() - self.started

    def remaining(self) -> float:
        return max(0.0, self.time_limit - self.elapsed())

    def expired(self) -> bool:
        return self.elapsed() >= self.time_limit

    def overrun(self, name: str) -> str | None:
        """A note when a strategy ran well past its time (10% and half a second more: a
        researcher's own that ignored its budget went unmarked), else None."""
        spent = self.elapsed()
        if not ran_past(spent, self.time_limit):
            return None
        return f"strategy {name!r} ran {spent:.1f} s of its {self.time_limit:.1f} s"

    def rng(self, stream: int = 0) -> np.random.Generator:
        """A generator for this seed (a stream number keeps sub-steps independent)."""
        return np.random.default_rng([self.seed, stream])

    def report(
        self, objective: float | None, bound: float | None = None, message: str = ""
    ) -> None:
        if self.progress is not None:
            self.progress(Progress(self.elapsed(), objective, bound, message))


@runtime_checkable
class Strategy(Protocol):
    """A matching strategy: ``run(problem, budget) -> Proposal``."""

    name: str

    def run(self, problem: Problem, budget: Budget) -> Proposal: ...


def prepare(strategy: Strategy) -> None:
    """One-off preparation (JIT compilation), outside any time limit: ``strategy.warm_up()``.

    A strategy with compiled kernels defines ``warm_up``; compiled code is cached on disk,
    so after the first run on a machine this costs well under a second.
    """
    hook = getattr(strategy, "warm_up", None)
    if callable(hook):
        hook()


_REGISTRY: dict[str, Callable[[], Strategy]] = {}


def register(name: str) -> Callable[[Callable[[], Strategy]], Callable[[], Strategy]]:
    """Class decorator: make a strategy available by ``name``."""

    def wrap(factory: Callable[[], Strategy]) -> Callable[[], Strategy]:
        _REGISTRY[name] = factory
        return factory

    return wrap


def registered() -> dict[str, Callable[[], Strategy]]:
    """Every strategy registered so far, by name (``clnmatch.strategies.registry`` loads the
    built-in ones first)."""
    return dict(_REGISTRY)


_OVERRUN = re.compile(r"strategy '[^']*' ran [0-9.]+ s of its [0-9.]+ s")


def is_overrun_note(note: str) -> bool:
    """Whether ``note`` is ``Budget.overrun``'s (a result's notes hold it among others)."""
    return _OVERRUN.search(note) is not None
