"""The themed pair LP: team mates must share their team's focus theme.

The pair LP of ``clnmatch.bounds.pairs`` gives each unit its best theme and its best
team mates separately; a team has one focus, so here each unit also chooses a theme
fractionally (z[u, k], plus a theme worth 0 for teams without a focus) and a pair may
count only as far as its units agree on themes:

    y_uv + z[u, k] - z[v, k] <= 1     for every positive pair uv, every theme k

(both ways round). Those rows are many (pairs x themes x 2), so they are added as cuts,
the most violated first, and the LP is re-solved warm (``clnmatch.bounds.lp``). With a
budget of 45 s or more every pair becomes a column (a unit's room is then exact) and
triangle rows join the cuts (y_uv + y_uw - y_vw <= 1: two team mates of u are team
mates). Every assignment keeping the size bounds is a solution at every round, and the
bound of each round is certified by weak duality, so stopping early still leaves a
valid bound.

Measured on a generated region cohort (500 establishments, 80 teams, blend), above
local search's 60 s assignment: 10.3% before the first cut, 7.7% within 10 s, 7.3%
within 30 s (agreement rows only, converged), 6.5% within 60 s (with triangles; 6.1%
after 210 s). The gap left is the LP's: fractional team mates that agree on fractional
themes. Column generation's LP (teams as wholes) is about 1.5% above on the same
cohort, but its exact pricing does not finish at this size (``columns``).
"""

from __future__ import annotations

import math
import time

import numpy as np
from numpy.typing import NDArray
from scipy import sparse

from clnmatch.bounds.lp import HAVE_HIGHS, WarmLP
from clnmatch.bounds.pairs import MAX_PAIRS
from clnmatch.bounds.sizes import size_classes
from clnmatch.problem import Problem

__all__ = ["themed_bound_milli"]

FloatArray = NDArray[np.float64]
IntArray = NDArray[np.int64]
CUTS_PER_ROUND = 20_000
MAX_ALL_PAIRS = 150_000  # up to this many pairs (about 550 units) every pair is a column
TRIANGLES_PER_UNIT = 10  # most violated triangle rows added per unit and round
TRIANGLES_FROM = 45.0  # seconds of budget from which the slower, tighter LP pays off


def themed_bound_milli(
    problem: Problem, time_limit: float = 60.0, triangles: bool | None = None
) -> int | None:
    """The themed pair LP's bound (milli-points), or None (no focus term, too large, no
    solver, or no round finished in time). ``triangles`` (default: from a budget of 45 s)
    makes every pair a column and adds triangle rows: slower rounds, a tighter bound."""
    started = time.perf_counter()
    if not (HAVE_HIGHS and problem.has_focus and problem.n_units >= 2):
        return None
    if int(np.count_nonzero(problem.pair_milli > 0)) // 2 > MAX_PAIRS:
        return None
    if not size_classes(problem).complete:
        return None
    if triangles is None:
        triangles = time_limit >= TRIANGLES_FROM
    model = _Model(problem, triangles)
    best = math.inf
    while True:
        left = time_limit - (time.perf_counter() - started)
        if left <= 0 or not model.lp.solve(left):
            break
        bound = model.lp.certify() + float(problem.constant_milli)
        best = min(best, bound)
        if not model.add_cuts():
            break
    if math.isinf(best):
        return None
    return math.ceil(best)


class _Model:
    """The LP's columns [y (pairs), x (unit, size), yt (team, size), z (unit, theme)]."""

    def __init__(self, problem: Problem, triangles: bool) -> None:
        n, n_t = problem.n_units, problem.n_teams
        iu, ju = np.triu_indices(n, 1)
        whole = problem.pair_milli[iu, ju]
        # with every pair a column, rooms are exact and triangle rows apply; otherwise
        # pairs of negative value are left out (a team scores them at most 0)
        self.every_pair = triangles and len(iu) <= MAX_ALL_PAIRS
        keep = np.ones(len(iu), dtype=bool) if self.every_pair else whole > 0
        self.iu, self.ju = iu[keep], ju[keep]
        self.n = n
        self.pair_id = np.full((n, n), -1, dtype=np.int64)
        if self.every_pair:
            self.pair_id[self.iu, self.ju] = np.arange(len(self.iu))
            self.pair_id[self.ju, self.iu] = np.arange(len(self.iu))
        value = whole[keep].astype(np.float64)
        m = len(self.iu)
        classes = size_classes(problem)
        w = problem.unit_weight.astype(np.float64)
        uu, us = np.nonzero(classes.unit_ok)
        tt, ts = np.nonzero(classes.team_ok)
        n_x, n_y = len(uu), len(tt)
        themes = problem.theme_milli.astype(np.float64)
        k = themes.shape[1] + 1  # the last theme: a team without a focus, worth 0
        self.k = k
        self.ox, self.oy, self.oz = m, m + n_x, m + n_x + n_y
        n_var = self.oz + n * k
        simd = float(max(0, int(problem.simd_milli)))
        cost = np.concatenate(
            [
                value,
                np.zeros(n_x),
                np.full(n_y, simd),
                np.hstack([themes, np.zeros((n, 1))]).ravel(),
            ]
        )
        cap = np.ones(n_var)
        e = np.arange(m)
        xi = np.arange(n_x)
        yi = np.arange(n_y)
        zi = np.arange(n * k)
        rows = [self.iu, self.ju, uu]  # room: sum_v w_v y_uv - sum_W (W - w_u) x <= 0
        cols = [e, e, self.ox + xi]
        vals = [w[self.ju], w[self.iu], -(classes.weights[us] - w[uu])]
        r = n
        rows += [r + uu, r + n + tt, r + n + n_t + us, r + n + n_t + ts]
        cols += [self.ox + xi, self.oy + yi, self.ox + xi, self.oy + yi]
        vals += [np.ones(n_x), np.ones(n_y), w[uu], -classes.weights[ts].astype(np.float64)]
        r += n + n_t + classes.n_sizes
        rows.append(r + np.repeat(np.arange(n), k))  # one theme per unit
        cols.append(self.oz + zi)
        vals.append(np.ones(n * k))
        n_rows = r + n
        matrix = sparse.csr_matrix(
            (np.concatenate(vals), (np.concatenate(rows), np.concatenate(cols))),
            shape=(n_rows, n_var),
        )
        room_low = np.zeros(n) if self.every_pair else np.full(n, -np.inf)
        low = np.concatenate([room_low, np.ones(n + n_t), np.zeros(classes.n_sizes), np.ones(n)])
        up = np.concatenate([np.zeros(n), np.ones(n + n_t), np.zeros(classes.n_sizes), np.ones(n)])
        self.lp = WarmLP(cost, cap, matrix, low, up)
        self.n_var = n_var

    def add_cuts(self) -> int:
        """Add the most violated agreement (and triangle) rows; how many were added."""
        return self._agreement_cuts() + (self._triangle_cuts() if self.every_pair else 0)

    def _triangle_cuts(self) -> int:
        """y_uv + y_uw - y_vw <= 1: u's team mates v and w are each other's team mates."""
        n, m = self.n, len(self.iu)
        y = self.lp.x[:m]
        together = np.zeros((n, n))
        together[self.iu, self.ju] = y
        together[self.ju, self.iu] = y
        cuts: list[IntArray] = []
        for u in range(n):
            mates = np.flatnonzero(together[u] > 0.05)
            if len(mates) < 2:
                continue
            row = together[u, mates]
            excess = row[:, None] + row[None, :] - together[np.ix_(mates, mates)]
            a, b = np.nonzero(np.triu(excess, 1) > 1 + 1e-6)
            best = np.argsort(-excess[a, b], kind="stable")[:TRIANGLES_PER_UNIT]
            v, w = mates[a[best]], mates[b[best]]
            ids = self.pair_id
            cuts.append(np.stack([ids[u, v], ids[u, w], ids[v, w]], axis=1))
        if not cuts:
            return 0
        cols = np.concatenate(cuts)
        k = len(cols)
        rows = sparse.csr_matrix(
            (np.tile([1.0, 1.0, -1.0], k), (np.repeat(np.arange(k), 3), cols.ravel())),
            shape=(k, self.n_var),
        )
        self.lp.add_rows(rows, np.full(k, -np.inf), np.ones(k))
        return k

    def _agreement_cuts(self) -> int:
        """y_uv + z[u, k] - z[v, k] <= 1, the most violated first."""
        x = self.lp.x
        m = len(self.iu)
        y = x[:m]
        z = x[self.oz :].reshape(-1, self.k)
        found: list[tuple[FloatArray, IntArray, IntArray, IntArray]] = []
        for a, b in ((self.iu, self.ju), (self.ju, self.iu)):
            violation = y[:, None] + z[a] - z[b]
            edge, theme = np.nonzero(violation > 1 + 1e-6)
            plus = self.oz + a[edge] * self.k + theme
            minus = self.oz + b[edge] * self.k + theme
            found.append((violation[edge, theme], edge, plus, minus))
        amount = np.concatenate([f[0] for f in found])
        if not len(amount):
            return 0
        edge = np.concatenate([f[1] for f in found])
        plus = np.concatenate([f[2] for f in found])
        minus = np.concatenate([f[3] for f in found])
        order = np.argsort(-amount, kind="stable")[:CUTS_PER_ROUND]
        k = len(order)
        r = np.repeat(np.arange(k), 3)
        c = np.stack([edge[order], plus[order], minus[order]], axis=1).ravel()
        v = np.tile([1.0, 1.0, -1.0], k)
        rows = sparse.csr_matrix((v, (r, c)), shape=(k, self.n_var))
        self.lp.add_rows(rows, np.full(k, -np.inf), np.ones(k))
        return k
