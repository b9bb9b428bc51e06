"""Team sizes as classes: what a bound may assume about how big each unit's team is.

A bound that scores each unit as if its team were as large as the largest allowed (the
quick relaxation does) forgets that the teams share the units: at region scale teams
hold 11-14 participants, 12.4 on average, and every unit scored at 14 inflates the pair
part by about a tenth. The size-class relaxation keeps that accounting:

    max  sum_{u,W} h[u, W] x[u, W] + sum_{t,W} c[t, W] y[t, W]
    s.t. sum_W x[u, W] = 1                       (each unit's team weighs some W)
         sum_W y[t, W] = 1, W in [min_t, max_t]  (each team weighs some W)
         sum_u w_u x[u, W] = W * sum_t y[t, W]   (units in W-teams fill the W-teams)
         x, y >= 0

Every assignment is a solution (x, y 0/1), so the LP's value bounds ``sum_u h[u, W(u)] +
sum_t c[t, W(t)]`` of every assignment. Only the prices nu_W of the last rows are kept
from the solver: for ANY nu, weak duality gives the bound

    sum_u max_W (h[u, W] - w_u nu_W) + sum_t max_W (c[t, W] + W nu_W),

recomputed here in float64 from the data, so a solver's rounding never makes it invalid.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray
from scipy import sparse
from scipy.optimize import linprog

from clnmatch.problem import Problem

__all__ = ["SizeClasses", "size_classes"]

FloatArray = NDArray[np.float64]
IntArray = NDArray[np.int64]
NEG = -1e300


@dataclass(frozen=True)
class SizeClasses:
    """The team weights W a team may have, and which units / teams each W admits."""

    weights: IntArray  # (S,) the distinct team weights any team may have, ascending
    unit_weight: IntArray  # (U,)
    team_ok: NDArray[np.bool_]  # (T, S) team t may weigh weights[s]
    unit_ok: NDArray[np.bool_]  # (U, S) unit u fits a team of weight weights[s]

    @property
    def n_sizes(self) -> int:
        return len(self.weights)

    @property
    def complete(self) -> bool:
        """Every unit fits some team weight and every team has one: otherwise no
        assignment keeps the sizes, and the size-based bounds claim nothing."""
        return bool(self.unit_ok.any(axis=1).all() and self.team_ok.any(axis=1).all())

    def bound(self, unit_value: FloatArray, team_value: FloatArray, nu: FloatArray) -> float:
        """The weak-duality bound for prices ``nu`` (see the module docstring)."""
        w = self.unit_weight.astype(np.float64)[:, None]
        units = np.where(self.unit_ok, unit_value - w * nu[None, :], NEG).max(axis=1)
        teams = np.where(self.team_ok, team_value + self.weights[None, :] * nu[None, :], NEG)
        return float(units.sum() + teams.max(axis=1).sum())

    def best_prices(
        self, unit_value: FloatArray, team_value: FloatArray, time_limit: float = 30.0
    ) -> FloatArray:
        """Prices nu minimising the bound (the LP's duals; zeros if the solver fails)."""
        n_u, n_t, n_s = len(self.unit_weight), self.team_ok.shape[0], self.n_sizes
        nu0 = np.zeros(n_s)
        if n_s == 1:
            return nu0
        # dual LP: min sum pi + sum tau, pi_u + w_u nu_s >= h, tau_t - W_s nu_s >= c
        n_var = n_u + n_t + n_s
        rows: list[IntArray] = []
        cols: list[IntArray] = []
        vals: list[FloatArray] = []
        rhs: list[FloatArray] = []
        r0 = 0
        uu, ss = np.nonzero(self.unit_ok)
        k = len(uu)
        idx = np.arange(r0, r0 + k)
        rows += [idx, idx]
        cols += [uu, n_u + n_t + ss]
        vals += [-np.ones(k), -self.unit_weight[uu].astype(np.float64)]
        rhs.append(-unit_value[uu, ss])
        r0 += k
        tt, ss = np.nonzero(self.team_ok)
        k = len(tt)
        idx = np.arange(r0, r0 + k)
        rows += [idx, idx]
        cols += [n_u + tt, n_u + n_t + ss]
        vals += [-np.ones(k), self.weights[ss].astype(np.float64)]
        rhs.append(-team_value[tt, ss])
        r0 += k
        a = sparse.csr_matrix(
            (np.concatenate(vals), (np.concatenate(rows), np.concatenate(cols))),
            shape=(r0, n_var),
        )
        cost = np.concatenate([np.ones(n_u + n_t), np.zeros(n_s)])
        res = linprog(
            cost,
            A_ub=a,
            b_ub=np.concatenate(rhs),
            bounds=(None, None),
            method="highs",
            options={"time_limit": max(0.1, time_limit)},
        )
        if res.status != 0 or res.x is None:
            return nu0
        return np.asarray(res.x[n_u + n_t :], dtype=np.float64)


def size_classes(problem: Problem) -> SizeClasses:
    """The size classes of ``problem``'s teams (weights in participants)."""
    low, high = problem.team_min.astype(np.int64), problem.team_max.astype(np.int64)
    ranges = [np.arange(lo, hi + 1) for lo, hi in zip(low, high, strict=True)]
    weights = np.unique(np.concatenate([np.zeros(0, dtype=np.int64), *ranges]))
    team_ok = (weights[None, :] >= low[:, None]) & (weights[None, :] <= high[:, None])
    unit_ok = problem.unit_weight[:, None] <= weights[None, :]
    return SizeClasses(weights.astype(np.int64), problem.unit_weight, team_ok, unit_ok)
