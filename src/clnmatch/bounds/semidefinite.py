"""The semidefinite bound, for pair-only grouping problems (MDGPLIB; cohesion).

Let X_ij = 1 when units i and j share a team (X_ii = 1). A problem whose objective is
only pairs scores ``constant + <P, X> / 2`` (P the pair weights, zero diagonal), and
every grouping into T teams (v_g its teams' 0/1 vectors, X = sum_g v_g v_g') satisfies

    diag X = 1,   X >= 0,   X - 11'/T is positive semidefinite (Cauchy-Schwarz:
    T sum_g (a'v_g)^2 >= (sum_g a'v_g)^2 for every a, as sum_g v_g = 1),
    lo_i <= (X w)_i <= hi_i   (the weight of unit i's team: a size the teams allow),
    q_lo <= w'X w <= q_hi     (the sum of the teams' squared weights, over size vectors
                               the teams allow that sum to the total weight).

SCS (through cvxpy) solves this relaxation; only its prices are kept. For ANY prices
(y free on the diagonal, N >= 0 on X >= 0, u, l >= 0 on the rows, a, b >= 0 on the
square sum), with M = P/2 - Diag(y) + N - sym((u - l) w') - (a - b) w w', every grouping
satisfies (write X = 11'/T + R, R semidefinite with trace n - n/T)

    <P, X>/2 <= sum y + hi'u - lo'l + a q_hi - b q_lo + 1'M1/T + max(0, lambda_max(M)) (n - n/T),

recomputed here in float64 from the data, with an eigenvalue margin, and rounded up: a
solver's tolerance never makes the bound invalid, only looser.

Why it is strong: the spectral bound of ``bounds.quadratic`` relaxes the teams'
indicator vectors to any orthonormal ones; here X must also be nonnegative and have the
teams' row sums, which rules out most of what that relaxation allowed. Measured on
MDGPLIB (see docs/benchmarks-bounds.md): Geo n=120 0.14-0.57% above the best groupings
known in 1-3 s, where the quadratic bound was 0.9-2.7%; RanReal and RanInt n=120
7.1-7.5% (25-33% before). On CLN cohorts (cohesion) it is far looser than column
generation's LP (a 20-theme cohort: 46% above the optimum, the LP 2.5%).
"""

from __future__ import annotations

import math
import time
import warnings

import numpy as np
from numpy.typing import NDArray

from clnmatch.bounds.quadratic import eigenvalue_margin
from clnmatch.bounds.sizes import SizeClasses, size_classes
from clnmatch.problem import Problem

__all__ = ["MAX_UNITS", "applies", "semidefinite_bound_milli"]

FloatArray = NDArray[np.float64]
MAX_UNITS = 500  # SCS's iterations decompose an (n+1)-square matrix; beyond, left out
# SCS's set-up time over cvxpy's compilation time, with room: SCS's own time limit counts
# only its iterations (at n=480 set-up measured at 1.4-2.1x the compilation: 1.5 s at 1.5x
# overran --bound-time 10 by 50%)
SETUP_PER_COMPILE = 2.2
EPS = 1e-5  # SCS's stopping tolerance: tighter only makes the (always valid) bound closer


def applies(problem: Problem) -> bool:
    """Objectives made only of pairs: no focus, no SIMD term; units of any weight."""
    return (
        2 <= problem.n_units <= MAX_UNITS
        and problem.n_teams >= 1
        and not problem.has_focus
        and not problem.simd_milli
        and bool(problem.pair_milli.any())
    )


def semidefinite_bound_milli(problem: Problem, time_limit: float = 60.0) -> int | None:
    """The semidefinite bound (milli-points), or None when it does not apply, the sizes
    allow no grouping, or SCS returned no prices in time."""
    started = time.perf_counter()
    if not applies(problem):
        return None
    classes = size_classes(problem)
    squares = _square_sum_range(classes, problem.total_weight)
    if not classes.complete or squares is None:
        return None
    import cvxpy as cp  # here, not at the top: its 0.9 s import only this bound needs

    pair = problem.pair_milli.astype(np.float64)
    scale = float(np.abs(pair).max())
    p = pair / scale  # weights of order 1: SCS's tolerances are absolute
    n, t = problem.n_units, problem.n_teams
    w = problem.unit_weight.astype(np.float64)
    low, high = _row_range(classes)
    q_lo, q_hi = squares

    x = cp.Variable((n, n), symmetric=True)
    ones = np.ones((n, 1))
    lifted = cp.bmat([[np.array([[float(t)]]), ones.T], [ones, x]])
    diagonal = cp.diag(x) == 1
    nonnegative = x >= 0
    rows = x @ w
    row_high, row_low = rows <= high, rows >= low
    square = cp.sum(cp.multiply(np.outer(w, w), x))
    square_high, square_low = square <= q_hi, square >= q_lo
    relaxation = cp.Problem(
        cp.Maximize(0.5 * cp.sum(cp.multiply(p, x))),
        [lifted >> 0, diagonal, nonnegative, row_high, row_low, square_high, square_low],
    )
    try:
        with warnings.catch_warnings():  # "may be inaccurate": the proof below does not care
            warnings.simplefilter("ignore")
            # compiled first, so that SCS's iterations get what is left of the budget less
            # its set-up (a factorisation, measured at 1.2-1.4x the compilation: about
            # 1.3 s at n=480) and the certificate's eigenvalues
            tick = time.perf_counter()
            data, chain, inverse = relaxation.get_problem_data(cp.SCS)
            compiled = time.perf_counter() - tick
            left = time_limit - (time.perf_counter() - started)
            left -= SETUP_PER_COMPILE * compiled + _certify_seconds(n) + _last_check_seconds(n)
            if left <= 0.05:
                return None
            options = {"eps_abs": EPS, "eps_rel": EPS, "time_limit_secs": left}
            solution = chain.solve_via_data(relaxation, data, solver_opts=options)
            relaxation.unpack_results(solution, chain, inverse)
    except (cp.error.SolverError, ValueError, ArithmeticError):
        return None
    duals = (diagonal, nonnegative, row_high, row_low, square_high, square_low)
    if any(c.dual_value is None for c in duals):
        return None
    value = _certify(
        p,
        w,
        t,
        y=np.asarray(diagonal.dual_value, dtype=np.float64),
        nn=np.asarray(nonnegative.dual_value, dtype=np.float64),
        u=np.asarray(row_high.dual_value, dtype=np.float64),
        lo_price=np.asarray(row_low.dual_value, dtype=np.float64),
        a=float(np.asarray(square_high.dual_value)),
        b=float(np.asarray(square_low.dual_value)),
        low=low,
        high=high,
        squares=squares,
    )
    if not math.isfinite(value):
        return None
    total = value * scale + float(problem.constant_milli)
    return math.ceil(total + 1e-9 * abs(total) + 1e-6)


def _certify(
    p: FloatArray,
    w: FloatArray,
    t: int,
    *,
    y: FloatArray,
    nn: FloatArray,
    u: FloatArray,
    lo_price: FloatArray,
    a: float,
    b: float,
    low: FloatArray,
    high: FloatArray,
    squares: tuple[float, float],
) -> float:
    """The bound of the module docstring for these prices (signs clipped where the proof
    needs them), in units of ``p``, with a margin for float64 sums."""
    n = len(w)
    nn = np.maximum((nn + nn.T) / 2, 0.0)
    u, lo_price = np.maximum(u, 0.0), np.maximum(lo_price, 0.0)
    a, b = max(a, 0.0), max(b, 0.0)
    d = u - lo_price
    m = p / 2 - np.diag(y) + nn - (np.outer(d, w) + np.outer(w, d)) / 2 - (a - b) * np.outer(w, w)
    m = (m + m.T) / 2
    top = float(np.linalg.eigvalsh(m)[-1]) + eigenvalue_margin(m)
    q_lo, q_hi = squares
    terms = np.array(
        [
            y.sum(),
            high @ u,
            -(low @ lo_price),
            a * q_hi,
            -b * q_lo,
            m.sum() / t,
            max(0.0, top) * (n - n / t),
        ]
    )
    sizes = np.abs(y).sum() + np.abs(high * u).sum() + np.abs(low * lo_price).sum()
    sizes += abs(a * q_hi) + abs(b * q_lo) + np.abs(m).sum() / t
    return float(terms.sum()) + 1e-12 * float(sizes) * n


def _last_check_seconds(n: int) -> float:
    """SCS looks at its clock every 25 iterations (it stopped at 125 and 150, 1.2 s past
    its limit at n=480), each an eigendecomposition of the (n+1)-square matrix: about
    70 ms at n=480 on a loaded machine."""
    return 25 * 6e-10 * n**3


def _certify_seconds(n: int) -> float:
    """A generous guess at the certificate's cost (one n-square eigenvalue problem)."""
    return 0.05 + 4e-9 * n**3


def _row_range(classes: SizeClasses) -> tuple[FloatArray, FloatArray]:
    """The least and largest weight of the team each unit can sit in (every class weight
    is some team's)."""
    weights = classes.weights.astype(np.float64)
    low = np.where(classes.unit_ok, weights[None, :], np.inf).min(axis=1)
    high = np.where(classes.unit_ok, weights[None, :], -np.inf).max(axis=1)
    return low, high


def _square_sum_range(classes: SizeClasses, total: int) -> tuple[float, float] | None:
    """The least and largest sum of squared team weights over the weights the teams
    allow that sum to ``total`` (a dynamic programme over teams), or None if none do."""
    inf = math.inf
    least = np.full(total + 1, inf)
    most = np.full(total + 1, -inf)
    least[0] = most[0] = 0.0
    weights = classes.weights
    for ok in classes.team_ok:
        new_least = np.full(total + 1, inf)
        new_most = np.full(total + 1, -inf)
        for s in weights[ok]:
            s = int(s)
            if s > total:
                continue
            sq = float(s * s)
            new_least[s:] = np.minimum(new_least[s:], least[: total + 1 - s] + sq)
            new_most[s:] = np.maximum(new_most[s:], most[: total + 1 - s] + sq)
        least, most = new_least, new_most
    if not math.isfinite(least[total]):
        return None
    return float(least[total]), float(most[total])
