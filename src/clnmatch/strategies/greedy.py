"""A constructive greedy with repair: the first rule-abiding strategy and a warm start.

Units are placed hardest first (pinned, then the largest authorities' units, rare
sectors, heavy units); each goes to the team that most needs its sector or authority
and still has room, ties broken by objective gain and then by the seeded generator.
Whatever rule the construction still breaks is repaired by ``repair.repair``.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from clnmatch.evaluate import evaluate
from clnmatch.problem import Problem
from clnmatch.search.repair import repair
from clnmatch.search.repair import warm_up as repair_warm_up
from clnmatch.strategies.base import Budget, Proposal, TracePoint, register

__all__ = ["GreedyStrategy", "construct"]


def construct(problem: Problem, rng: np.random.Generator) -> NDArray[np.int64]:
    """Place every unit greedily; the result may still break rules (repair follows)."""
    n_teams, n_units = problem.n_teams, problem.n_units
    weight = problem.unit_weight
    team = np.full(n_units, -1, dtype=np.int64)
    load = np.zeros(n_teams, dtype=np.int64)
    n_in = np.zeros(n_teams, dtype=np.int64)
    has_authority = problem.unit_authority.size > 0
    has_sector = problem.unit_sector.size > 0
    auth_count = np.zeros((n_teams, max(1, len(problem.authority_names))), dtype=np.int64)
    sector_count = np.zeros((n_teams, max(1, len(problem.sector_names))), dtype=np.int64)
    theme_sum = np.zeros((n_teams, max(1, problem.n_themes)), dtype=np.int64)
    allowed = problem.allowed if problem.allowed is not None else np.ones((n_units, n_teams), bool)
    apart: dict[int, set[int]] = {}
    for a, b in problem.apart:
        apart.setdefault(int(a), set()).add(int(b))
        apart.setdefault(int(b), set()).add(int(a))

    target_units = n_units / n_teams
    authority_cap = problem.max_authority_units(int(np.ceil(target_units)))
    authority_size = (
        np.bincount(problem.unit_authority, minlength=len(problem.authority_names))
        if has_authority
        else np.zeros(1, dtype=np.int64)
    )
    sector_size = (
        np.bincount(problem.unit_sector, minlength=len(problem.sector_names))
        if has_sector
        else np.zeros(1, dtype=np.int64)
    )

    def difficulty(members: list[int]) -> tuple[float, ...]:
        group = np.array(members, dtype=np.int64)
        pinned = -int((~allowed[group]).any())
        auth = -float(authority_size[problem.unit_authority[group]].max()) if has_authority else 0.0
        rare = float(sector_size[problem.unit_sector[group]].min()) if has_sector else 0.0
        return (pinned, auth, rare, -float(weight[group].sum()), float(rng.random()))

    groups = sorted(problem.together_groups(), key=difficulty)
    team_max = problem.team_max.astype(np.float64)
    team_min = problem.team_min.astype(np.float64)
    # gain[u, t]: pair weight between unit u and the units already in team t
    gain = np.zeros((n_units, n_teams), dtype=np.float64)
    for members_list in groups:
        group = np.array(members_list, dtype=np.int64)
        gw = int(weight[group].sum())
        feasible = np.asarray(allowed[group].all(axis=0), dtype=bool)
        for u in members_list:
            for v in apart.get(u, ()):
                if team[v] >= 0:
                    feasible[team[v]] = False
        room = team_max - load - gw
        score = np.where(room >= 0, 0.0, -1e9 + room)  # overflow only when nothing else fits
        if has_authority:
            counts = np.bincount(problem.unit_authority[group], minlength=auth_count.shape[1])
            score -= 1e6 * np.maximum(auth_count + counts - authority_cap, 0).sum(axis=1)
            new_auth = ((auth_count == 0) & (counts > 0)).sum(axis=1)
            missing = np.maximum(0, problem.min_authorities - (auth_count > 0).sum(axis=1))
            score += 1e4 * np.minimum(new_auth, missing)
        if has_sector:
            counts = np.bincount(problem.unit_sector[group], minlength=sector_count.shape[1])
            new_sec = ((sector_count == 0) & (counts > 0)).sum(axis=1)
            missing = np.maximum(0, problem.min_sectors - (sector_count > 0).sum(axis=1))
            score += 1e4 * np.minimum(new_sec, missing)
        # fill the emptiest teams first (in weight relative to the lower bound)
        score += 1e2 * (team_min - load) / np.maximum(1.0, team_max)
        objective_gain = gain[group].sum(axis=0)
        if problem.n_themes:
            best_now = theme_sum.max(axis=1)
            objective_gain += (theme_sum + problem.theme_milli[group].sum(axis=0)).max(
                axis=1
            ) - best_now
        score += 1e-3 * objective_gain / max(1, gw)
        score += 1e-9 * rng.random(n_teams)
        if feasible.any():
            score = np.where(feasible, score, -np.inf)
        else:  # locks leave no team: take any, repair decides
            score = rng.random(n_teams)
        t = int(np.argmax(score))
        team[group] = t
        load[t] += gw
        n_in[t] += len(group)
        gain[:, t] += problem.pair_milli[:, group].sum(axis=1)
        if has_authority:
            np.add.at(auth_count[t], problem.unit_authority[group], 1)
        if has_sector:
            np.add.at(sector_count[t], problem.unit_sector[group], 1)
        if problem.n_themes:
            theme_sum[t] += problem.theme_milli[group].sum(axis=0)
    return team


@register("greedy")
class GreedyStrategy:
    """Constructive greedy placement, then rule repair; fast and rule-abiding."""

    name = "greedy"

    def warm_up(self) -> None:
        """Compile the rule-repair kernels once, outside the time limit."""
        repair_warm_up()

    def __init__(self, restarts: int = 8) -> None:
        self.restarts = restarts

    def run(self, problem: Problem, budget: Budget) -> Proposal:
        best: tuple[int, NDArray[np.int64]] | None = None
        trace: list[TracePoint] = []
        for attempt in range(max(1, self.restarts)):
            if attempt and budget.expired():
                break
            rng = budget.rng(attempt)
            unit_team = construct(problem, rng)
            if not evaluate(problem, unit_team).feasible:
                deadline = budget.started + budget.time_limit
                repaired = repair(problem, unit_team, rng, deadline)
                if repaired is None:
                    continue
                unit_team = repaired
            evaluation = evaluate(problem, unit_team)
            if evaluation.feasible and (best is None or evaluation.objective_milli > best[0]):
                best = (evaluation.objective_milli, unit_team)
                trace.append(TracePoint(budget.elapsed(), evaluation.objective, None))
                budget.report(evaluation.objective, None, f"greedy start {attempt + 1}")
        if best is None:
            return Proposal(
                unit_team=None,
                trace=tuple(trace),
                notes=("greedy found no rule-abiding assignment",),
            )
        return Proposal(
            unit_team=best[1], team_focus=problem.best_focus(best[1]), trace=tuple(trace)
        )
