"""One call for the best proven bound within a time budget (see ``clnmatch.bounds``)."""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from clnmatch.bounds.columns import column_bound_milli
from clnmatch.bounds.pairs import pair_lp_bound_milli
from clnmatch.bounds.quadratic import quadratic_bound_milli
from clnmatch.bounds.relaxation import relaxation_bound_milli
from clnmatch.bounds.semidefinite import semidefinite_bound_milli
from clnmatch.bounds.sizes import size_classes
from clnmatch.bounds.star import star_bound_milli
from clnmatch.bounds.themed import themed_bound_milli
from clnmatch.errors import InvalidParameterError
from clnmatch.problem import SCALE, Problem

__all__ = ["METHODS", "CertifiedBound", "certified_bound"]

# cheapest first: each later one runs only with time left, and the least bound wins;
# but "semidefinite" before "quadratic": on every MDGPLIB instance it is the tighter one,
# and the quadratic's spectral floor takes whatever time is left (at n=480 12-30 s,
# minutes on a loaded machine);
# "pairs" is the first round of "themed", so it runs only where "themed" cannot (no focus)
MAX_SIZE_CLASSES = 2_000  # team weights the size-class LPs are built over, at most
# seconds per n^2 that a method spends before its solver's own time limit applies
# (building its model: measured at n=480, 0.54 s for the semidefinite and 0.79 s for the
# quadratic bound given 0.1 s): begun with less time left, it overran --bound-time by 30%
SET_UP = {"semidefinite": (0.05, 2.3e-6), "quadratic": (0.2, 2.6e-6)}  # (s, s per n^2)
METHODS: tuple[str, ...] = (
    "relaxation",
    "star",
    "semidefinite",
    "quadratic",
    "pairs",
    "themed",
    "columns",
)


@dataclass(frozen=True)
class CertifiedBound:
    """The least of the bounds proved, which method proved it, and what each one gave."""

    bound_milli: int  # no assignment keeping the team size bounds scores above it
    method: str
    bounds_milli: dict[str, int] = field(default_factory=dict)  # every method that finished
    seconds: dict[str, float] = field(default_factory=dict)

    @property
    def bound(self) -> float:
        return self.bound_milli / SCALE


def certified_bound(
    problem: Problem,
    time_limit: float = 10.0,
    *,
    methods: Sequence[str] = METHODS,
    seed: int = 0,
) -> CertifiedBound:
    """The best upper bound (milli-points) proved within about ``time_limit`` seconds.

    Valid for every assignment that keeps every rule (the size-based bounds need only
    the team size bounds, the relaxation only the caps).
    The quick relaxation always runs (milliseconds), so a bound is always returned; the
    others run in ``METHODS`` order while time is left. A solver call may overrun the
    budget by its own granularity (HiGHS checks its limit between iterations).
    """
    unknown = [m for m in methods if m not in METHODS]
    if unknown:
        raise InvalidParameterError.for_value(
            "methods", "certified_bound", "names from " + ", ".join(METHODS), unknown[0]
        )
    if time_limit < 0:
        raise InvalidParameterError.for_value(
            "time_limit", "certified_bound", "a number of seconds >= 0", str(time_limit)
        )
    started = time.perf_counter()

    def left() -> float:
        return time_limit - (time.perf_counter() - started)

    runners: dict[str, Callable[[], int | None]] = {
        "relaxation": lambda: relaxation_bound_milli(problem),
        "star": lambda: star_bound_milli(problem, max(0.1, left())),
        "quadratic": lambda: quadratic_bound_milli(problem, max(0.1, left())),
        "semidefinite": lambda: semidefinite_bound_milli(problem, max(0.1, left())),
        "pairs": lambda: pair_lp_bound_milli(problem, max(0.1, left())),
        "themed": lambda: themed_bound_milli(problem, max(0.1, left())),
        "columns": lambda: column_bound_milli(problem, left(), seed),
    }
    bounds: dict[str, int] = {}
    seconds: dict[str, float] = {}
    # team weights in thousandths (CCPLIB's capacities) make hundreds of thousands of size
    # classes: the LPs over them exhausted 24 GB, so only the methods without them run
    many_sizes = len(size_classes(problem).weights) > MAX_SIZE_CLASSES
    for name in METHODS:
        if name not in methods or (name != "relaxation" and left() <= 0):
            continue
        fixed, per_n2 = SET_UP.get(name, (0.0, 0.0))
        if left() < fixed + per_n2 * problem.n_units**2:
            continue  # its set-up alone would outlast the time left
        if many_sizes and name not in ("relaxation", "columns"):
            continue
        if name == "pairs" and "themed" in methods and problem.has_focus:
            continue
        tick = time.perf_counter()
        value = runners[name]()
        seconds[name] = round(time.perf_counter() - tick, 3)
        if value is not None:
            bounds[name] = int(value)
    if "relaxation" not in bounds:  # always a bound, whatever was asked for
        bounds["relaxation"] = relaxation_bound_milli(problem)
    method = min(bounds, key=lambda m: (bounds[m], METHODS.index(m)))
    return CertifiedBound(bounds[method], method, bounds, seconds)
