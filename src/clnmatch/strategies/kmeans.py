"""The clustering baseline: k-means on interest profiles, size-aware placement, rule repair.

Features, one row per together-group (units joined by ``together`` pairs move as one):

* a cohort (the problem has themes): the group's mean interest vector,
  ``theme_points / unit_weight`` (sum of its nominees' ratings per participant);
* a research instance without themes (MDGPLIB, CCPLIB): a spectral embedding of the pair
  gains, the eigenvectors of the largest positive eigenvalues of ``pair_milli`` scaled by
  their square roots, so that the inner product of two rows approximates the gain of
  putting the two units together and k-means' compact clusters approximate high-gain
  teams. (For *diversity* instances the gains favour far-apart units and this stays a
  weak baseline; it is here to be compared against, not to win.)

Then scikit-learn ``KMeans`` with T clusters (``random_state`` from the seed), cluster j
standing for team j. Groups are placed into team slots (each team gets a share of the
groups in proportion to the middle of its weight bounds) by a minimum-cost assignment of
groups to slots, cost = squared distance to the team's cluster centre (a greedy
nearest-centre fill replaces the exact assignment above 2,000 groups); ``repair`` then
fixes weights and side rules.
"""

from __future__ import annotations

import warnings
from typing import ClassVar

import numpy as np
from numpy.typing import NDArray
from scipy.optimize import linear_sum_assignment

from clnmatch.evaluate import evaluate
from clnmatch.parameters import Constraint, Number, check
from clnmatch.problem import Problem
from clnmatch.search.grouping import Grouping, build_grouping
from clnmatch.search.repair import repair
from clnmatch.search.repair import warm_up as repair_warm_up
from clnmatch.strategies.base import Budget, Proposal, TracePoint, register

__all__ = ["KMeansStrategy", "features"]

_EXACT_LIMIT = 2000  # groups up to which slots are filled by an exact assignment
_EMBED_DIM = 16


def features(problem: Problem, grouping: Grouping | None = None) -> NDArray[np.float64]:
    """One feature row per together-group (see the module docstring)."""
    grouping = grouping or build_grouping(problem)
    n_groups = grouping.n_groups
    weight = np.maximum(grouping.model.weight, 1).astype(np.float64)
    if problem.theme_points is not None and problem.n_themes:
        sums = np.zeros((n_groups, problem.n_themes))
        np.add.at(sums, grouping.unit_group, problem.theme_points.astype(np.float64))
        return sums / weight[:, None]
    pair = grouping.model.obj.pair.astype(np.float64)
    dim = min(_EMBED_DIM, max(1, n_groups - 2))
    if n_groups <= 600 or dim >= n_groups - 1:
        values, vectors = np.linalg.eigh(pair)
        values, vectors = values[::-1][:dim], vectors[:, ::-1][:, :dim]
    else:
        from scipy.sparse.linalg import eigsh

        values, vectors = eigsh(pair, k=dim, which="LA", v0=np.ones(n_groups))
    keep = values > 0
    if not keep.any():  # no positive structure: every unit looks alike
        return np.zeros((n_groups, 1))
    return vectors[:, keep] * np.sqrt(values[keep])


def _slots(grouping: Grouping) -> NDArray[np.int64]:
    """How many groups each team should get: shares of the middle of its weight bounds."""
    m = grouping.model
    n_groups, n_teams = grouping.n_groups, len(m.team_min)
    middle = (m.team_min + m.team_max).astype(np.float64) / 2
    share = (
        middle / middle.sum() * n_groups
        if middle.sum() > 0
        else np.full(n_teams, n_groups / n_teams)
    )
    count = np.floor(share).astype(np.int64)
    count = np.maximum(count, 1) if n_groups >= n_teams else count
    while count.sum() > n_groups:  # the minimum of one per team may overshoot
        count[int(np.argmax(count))] -= 1
    order = np.argsort(-(share - np.floor(share)), kind="stable")
    for t in order[: n_groups - int(count.sum())]:
        count[t] += 1
    return count


def _place(
    grouping: Grouping, x: NDArray[np.float64], centres: NDArray[np.float64]
) -> NDArray[np.int64]:
    """Groups to teams: nearest centre subject to each team's slot count and locks."""
    m = grouping.model
    # squared distances without the (groups x teams x features) temporary
    cost = (x**2).sum(axis=1)[:, None] - 2 * x @ centres.T + (centres**2).sum(axis=1)[None, :]
    cost = np.maximum(cost, 0.0)
    cost = cost + np.where(m.rules.allowed, 0.0, 1e12)  # a lock outweighs any distance
    count = _slots(grouping)
    if grouping.n_groups <= _EXACT_LIMIT:
        columns = np.repeat(np.arange(len(count)), count)
        rows, cols = linear_sum_assignment(cost[:, columns])
        team = np.empty(grouping.n_groups, dtype=np.int64)
        team[rows] = columns[cols]
        return team
    # greedy: groups most sure of their centre first, each to its nearest team with room
    room = count.copy()
    team = np.full(grouping.n_groups, -1, dtype=np.int64)
    ordered = np.sort(cost, axis=1)
    regret = ordered[:, 1] - ordered[:, 0] if cost.shape[1] > 1 else ordered[:, 0]
    for g in np.argsort(-regret, kind="stable"):
        for t in np.argsort(cost[g], kind="stable"):
            if room[t] > 0:
                team[g] = t
                room[t] -= 1
                break
    return team


@register("kmeans")
class KMeansStrategy:
    """k-means on interest profiles, then size-aware placement and repair (a baseline)."""

    name = "kmeans"

    def warm_up(self) -> None:
        """Compile the rule-repair kernels once, outside the time limit, and import
        scikit-learn (about a second the first time) before solve shares out the time
        left: inside the search's budget it ran past the limit."""
        repair_warm_up()
        import sklearn.cluster  # noqa: F401

    def __init__(self, n_init: int = 4) -> None:
        self.n_init = n_init

    PARAMETERS: ClassVar[dict[str, Constraint]] = {"n_init": Number(1, integer=True)}

    def run(self, problem: Problem, budget: Budget) -> Proposal:
        check("KMeansStrategy", vars(self), self.PARAMETERS)
        rng = budget.rng(0)
        grouping = build_grouping(problem)
        n_teams = problem.n_teams
        if grouping.obstacles:
            return Proposal(unit_team=None, notes=grouping.obstacles)
        if grouping.n_groups < n_teams:
            return Proposal(
                unit_team=None,
                notes=(f"{grouping.n_groups} movable units cannot fill {n_teams} teams",),
            )
        from sklearn.cluster import KMeans  # imported by warm_up (about a second)
        from sklearn.exceptions import ConvergenceWarning

        x = features(problem, grouping)
        seed = int(rng.integers(0, 2**31 - 1))
        k_means = KMeans(n_clusters=n_teams, n_init=self.n_init, random_state=seed)
        with warnings.catch_warnings():  # identical profiles give fewer distinct clusters
            warnings.simplefilter("ignore", ConvergenceWarning)
            k_means.fit(x)
        team = _place(grouping, x, k_means.cluster_centers_)
        unit_team = grouping.to_units(team)
        notes: tuple[str, ...] = ()
        if not evaluate(problem, unit_team).feasible:
            fixed = repair(problem, unit_team, rng, budget.started + budget.time_limit)
            if fixed is None:
                return Proposal(
                    unit_team=None,
                    notes=("repair found no rule-abiding assignment within the time limit",),
                )
            unit_team = fixed
            notes = ("the clustered assignment was repaired to meet the rules",)
        focus = problem.best_focus(unit_team)
        score = evaluate(problem, unit_team, focus).objective
        budget.report(score, None, "kmeans")
        return Proposal(
            unit_team=unit_team,
            team_focus=focus,
            trace=(TracePoint(budget.elapsed(), score, None),),
            notes=notes,
        )
