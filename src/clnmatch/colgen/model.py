"""The problem seen as columns: team classes, columns and their exact values.

Teams with equal size bounds and equal allowed units form a class of interchangeable teams
(without pins or forbids all T teams are one class, so columns are team-agnostic). A
column is a team S of a class with a focus theme k; its value is

    c(S, k) = sum_{i<j in S} pair_milli[i, j] + sum_{u in S} theme_milli[u, k]
              + simd_milli * [S mixes a challenge and an affluent unit],

and an assignment's objective is ``constant_milli`` plus its T columns' values, exactly
``clnmatch.evaluate.objective_milli`` with each team's chosen focus.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from fractions import Fraction

import numpy as np
from numpy.typing import NDArray

from clnmatch.colgen.pricing import ClassRules, class_rules, team_feasible, teams_feasible
from clnmatch.problem import Problem

__all__ = ["GRID", "TOL", "Column", "ColumnModel", "TeamClass", "floor_frac", "objective_step"]

IntArray = NDArray[np.int64]
FloatArray = NDArray[np.float64]
BoolArray = NDArray[np.bool_]

GRID = 1024  # prices are rounded to multiples of 1/GRID milli-points (exact float sums)
TOL = 1e-2  # a column improves when its reduced cost exceeds this (milli-points)


@dataclass(frozen=True)
class TeamClass:
    """Interchangeable teams: same size bounds, same allowed units."""

    teams: tuple[int, ...]
    units: IntArray  # global indices of the units that may join these teams
    rules: ClassRules  # over local indices 0..len(units)-1 (without branching rules)


@dataclass(frozen=True)
class Column:
    members: tuple[int, ...]  # global unit indices, sorted
    theme: int  # -1 when the objective has no focus term
    cls: int
    value: int  # c(S, k) in milli-points


class ColumnModel:
    """The problem seen as columns: classes, themes, exact column values."""

    def __init__(self, problem: Problem) -> None:
        self.problem = problem
        self.n_units = problem.n_units
        self.n_teams = problem.n_teams
        self.pair = problem.pair_milli.astype(np.int64)
        self.pair_f = self.pair.astype(np.float64)
        self.themes: IntArray | None = None
        if problem.has_focus:
            self.themes = problem.theme_milli.astype(np.int64)
        self.n_themes = self.themes.shape[1] if self.themes is not None else 0
        cap = problem.max_teams_per_theme
        self.cap = (
            cap if (self.themes is not None and cap is not None and cap < self.n_teams) else None
        )
        allowed = (
            problem.allowed
            if problem.allowed is not None
            else np.ones((self.n_units, self.n_teams), dtype=bool)
        )
        self.allowed = allowed
        groups: dict[tuple[int, int, int, bytes], list[int]] = {}
        cap_units = -1 if problem.team_max_units is None else problem.team_max_units
        units_cap = np.broadcast_to(np.asarray(cap_units, dtype=np.int64), self.n_teams)
        for t in range(self.n_teams):
            key = (
                int(problem.team_min[t]),
                int(problem.team_max[t]),
                int(units_cap[t]),
                allowed[:, t].tobytes(),
            )
            groups.setdefault(key, []).append(t)
        self.classes: list[TeamClass] = []
        for teams in groups.values():
            units = np.flatnonzero(allowed[:, teams[0]]).astype(np.int64)
            self.classes.append(
                TeamClass(tuple(teams), units, class_rules(problem, teams[0], units))
            )
        self.simd = int(problem.simd_milli)
        self.challenge = (
            problem.unit_challenge if problem.unit_challenge.size else np.zeros(self.n_units, bool)
        )
        self.affluent = (
            problem.unit_affluent if problem.unit_affluent.size else np.zeros(self.n_units, bool)
        )
        self.step = objective_step(self.pair, self.themes, self.simd)
        # no pair or mix terms: a column's value is a sum over its members
        self.linear = not self.pair.any() and not self.simd

    def theme_list(self) -> list[int]:
        return list(range(self.n_themes)) if self.themes is not None else [-1]

    def value(self, members: tuple[int, ...], theme: int) -> int:
        idx = np.array(members, dtype=np.int64)
        total = int(self.pair[np.ix_(idx, idx)].sum()) // 2
        if theme >= 0 and self.themes is not None:
            total += int(self.themes[idx, theme].sum())
        if self.simd and self.challenge[idx].any() and self.affluent[idx].any():
            total += self.simd
        return total

    def values(self, inside: BoolArray, theme: int) -> IntArray:
        """``value`` of many teams at once: ``inside`` is (teams, units)."""
        x = inside.astype(np.float64)  # integer sums far below 2**53: exact
        total = np.rint(((x @ self.pair_f) * x).sum(axis=1)).astype(np.int64) // 2
        if theme >= 0 and self.themes is not None:
            total += np.rint(x @ self.themes[:, theme].astype(np.float64)).astype(np.int64)
        if self.simd:
            mixed = (inside & self.challenge).any(axis=1) & (inside & self.affluent).any(axis=1)
            total += self.simd * mixed
        return total

    def best_theme(self, members: tuple[int, ...]) -> int:
        if self.themes is None:
            return -1
        return int(self.themes[np.array(members, dtype=np.int64)].sum(axis=0).argmax())

    def feasible(self, members: tuple[int, ...], cls: int) -> bool:
        """Per-team rules for a team of class ``cls``, as evaluate checks them."""
        c = self.classes[cls]
        if not members:
            return False
        idx = np.searchsorted(c.units, np.array(members, dtype=np.int64))
        if (idx >= len(c.units)).any() or (
            c.units[np.minimum(idx, len(c.units) - 1)] != members
        ).any():
            return False  # a unit the class's teams may not hold
        return team_feasible(c.rules, idx)

    def feasible_many(self, inside: BoolArray, cls: int) -> BoolArray:
        """``feasible`` of many teams at once: ``inside`` is (teams, units)."""
        c = self.classes[cls]
        outside = np.ones(self.n_units, dtype=np.bool_)
        outside[c.units] = False
        return ~inside[:, outside].any(axis=1) & teams_feasible(c.rules, inside[:, c.units])


def objective_step(pair: IntArray, themes: IntArray | None, simd: int) -> int:
    """The greatest common divisor of every column value's terms (1 when there are none)."""
    parts = [np.unique(np.abs(pair[np.triu_indices_from(pair, 1)]))]
    if themes is not None:
        parts.append(np.unique(np.abs(themes)))
    parts.append(np.array([abs(simd)], dtype=np.int64))
    values = np.concatenate(parts).astype(np.int64)
    values = values[values > 0]
    return int(np.gcd.reduce(values)) if values.size else 1


def floor_frac(value: Fraction) -> float:
    """A float never above ``value`` (so a bound stays valid after conversion)."""
    f = float(value)
    while Fraction(f) > value:
        f = math.nextafter(f, -math.inf)
    return f
