"""The search engine's view of a problem: groups of units and the kernel arrays.

Units joined by ``together`` pairs (``Problem.together_labels``, the one union-find) are
merged into one group that always moves as one, so the together rule can never break.
``Model`` holds the compiled rule table (``clnmatch.rules.kernels.RuleKernel``) and the
objective terms (``clnmatch.objective.kernels.ObjectiveKernel``) over groups, plus views
of the ``team_size`` rule that the size-profile heuristics read.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import NamedTuple

import numpy as np
from numpy.typing import NDArray

from clnmatch.objective.kernels import ObjectiveKernel
from clnmatch.problem import Problem
from clnmatch.rules.kernels import RuleKernel, compile_kernel
from clnmatch.rules.spec import compile_rules

__all__ = ["Grouping", "Model", "build_grouping"]

IntArray = NDArray[np.int64]
BoolArray = NDArray[np.bool_]


class Model(NamedTuple):
    """Group-level arrays the kernels read (never write)."""

    rules: RuleKernel
    obj: ObjectiveKernel
    size: int  # the team_size rule's row in ``rules.amount`` / ``low`` / ``high``
    weight: IntArray  # (G,) participants: rules.amount[size]
    team_min: IntArray  # (T,) rules.low[size]
    team_max: IntArray  # (T,) rules.high[size]


@dataclass(frozen=True)
class Grouping:
    """A ``Model`` plus the map between units and groups."""

    model: Model
    unit_group: IntArray  # (U,) group of each unit
    problem: Problem
    obstacles: tuple[str, ...]  # rules no assignment can meet, found while grouping

    @property
    def n_groups(self) -> int:
        return int(self.model.weight.shape[0])

    def to_units(self, team: IntArray) -> IntArray:
        """Group teams -> unit teams."""
        return np.asarray(team, dtype=np.int64)[self.unit_group]

    def from_units(self, unit_team: IntArray) -> IntArray:
        """Unit teams -> group teams (a split together-group takes its first unit's team)."""
        r = self.model.rules
        first = r.members[r.start[:-1]]
        return np.asarray(unit_team, dtype=np.int64)[first].astype(np.int64)


def _group_pairs(problem: Problem, unit_group: IntArray, n_groups: int) -> tuple[IntArray, int]:
    """Pair gains between groups, and the constant of pairs inside groups."""
    pair_units = np.asarray(problem.pair_milli, dtype=np.int64)
    constant = int(problem.constant_milli)
    if n_groups == problem.n_units:  # no together pairs: groups are units (no copy)
        return np.ascontiguousarray(pair_units), constant
    rows = np.zeros((n_groups, problem.n_units), dtype=np.int64)
    np.add.at(rows, unit_group, pair_units)
    pair = np.zeros((n_groups, n_groups), dtype=np.int64)
    np.add.at(pair.T, unit_group, rows.T)
    inside = np.diagonal(pair).copy()
    constant += int(inside.sum()) // 2  # each inner pair sits twice on the diagonal
    np.fill_diagonal(pair, 0)
    return pair, constant


def _objective_kernel(problem: Problem, unit_group: IntArray, n_groups: int) -> ObjectiveKernel:
    pair, constant = _group_pairs(problem, unit_group, n_groups)
    if problem.has_focus:
        theme = np.zeros((n_groups, problem.n_themes), dtype=np.int64)
        np.add.at(theme, unit_group, problem.theme_milli.astype(np.int64))
    else:
        theme = np.zeros((n_groups, 0), dtype=np.int64)
    cap = problem.max_teams_per_theme
    challenge = np.zeros(n_groups, dtype=bool)
    affluent = np.zeros(n_groups, dtype=bool)
    simd = 0
    if problem.simd_milli and problem.unit_challenge.size == problem.n_units:
        np.logical_or.at(challenge, unit_group, problem.unit_challenge)
        np.logical_or.at(affluent, unit_group, problem.unit_affluent)
        simd = int(problem.simd_milli)
    return ObjectiveKernel(
        pair=pair,
        theme=theme,
        focus_fixed=bool(theme.shape[1] and cap is not None and cap < problem.n_teams),
        challenge=challenge,
        affluent=affluent,
        simd=simd,
        constant=constant,
        pair_min=int(pair.min()) if n_groups else 0,
    )


def build_grouping(problem: Problem) -> Grouping:
    """Merge together-pairs into groups and turn the problem into kernel arrays."""
    roots = problem.together_labels()
    _, unit_group = np.unique(roots, return_inverse=True)  # groups ordered by first unit
    unit_group = unit_group.astype(np.int64).reshape(problem.n_units)
    n_groups = int(unit_group.max()) + 1 if problem.n_units else 0
    compiled = compile_rules(problem)
    rules = compile_kernel(compiled, unit_group, n_groups)

    obstacles: list[str] = []
    if problem.n_teams and not rules.allowed.any(axis=1).all():
        obstacles.append("pin/forbidden: a unit (or together-group) has no allowed team")
    apart = unit_group[compiled.apart]
    if len(apart) and (apart[:, 0] == apart[:, 1]).any():
        obstacles.append("apart/together: a pair that must be apart must also share a team")

    size = compiled.sum_index("team_size")
    model = Model(
        rules=rules,
        obj=_objective_kernel(problem, unit_group, n_groups),
        size=size,
        weight=rules.amount[size],
        team_min=rules.low[size],
        team_max=rules.high[size],
    )
    return Grouping(model=model, unit_group=unit_group, problem=problem, obstacles=tuple(obstacles))
