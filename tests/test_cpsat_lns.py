"""Tests of the CP-SAT large-neighbourhood search: sub-problems and the strategy."""

from __future__ import annotations

import itertools
import time
from dataclasses import replace

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from clnmatch.errors import InvalidParameterError
from clnmatch.evaluate import evaluate, objective_milli
from clnmatch.generate import generate_cohort
from clnmatch.models import Rules
from clnmatch.problem import Problem
from clnmatch.strategies.base import Budget
from clnmatch.strategies.cpsat_lns import CpSatLnsStrategy, sub_problem
from clnmatch.strategies.greedy import GreedyStrategy


def _cohort_problem(
    n: int, seed: int, teams: int = 8, objective: str = "blend", **rules: object
) -> Problem:
    cohort = generate_cohort(n, seed=seed, teams_hint=teams)
    return Problem.from_cohort(cohort, Rules(teams=teams, min_establishments=0, **rules), objective)


def _snapshot(problem: Problem) -> dict[str, object]:
    return {k: (v.copy() if isinstance(v, np.ndarray) else v) for k, v in vars(problem).items()}


def _unchanged(problem: Problem, before: dict[str, object]) -> bool:
    for key, value in before.items():
        now = getattr(problem, key)
        same = np.array_equal(value, now) if isinstance(value, np.ndarray) else value == now
        if not same:
            return False
    return True


# --------------------------------------------------------------------------- sub-problems
@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    seed=st.integers(0, 10_000),
    cap=st.sampled_from([None, 1, 2]),
    k=st.integers(1, 4),
    data=st.data(),
)
def test_sub_problem_delta_equals_full_delta(seed, cap, k, data):
    """Re-dealing the freed units changes the sub-objective exactly as the full objective.

    Random assignments, random team sets and random sub-foci; with a focus cap the merged
    focus of a cap-abiding sub-focus also abides by the full cap.
    """
    problem = _cohort_problem(16, seed % 7, teams=4, max_teams_per_theme=cap)
    rng = np.random.default_rng(seed)
    unit_team = rng.integers(0, 4, problem.n_units)
    focus = problem.best_focus(unit_team)
    teams = sorted(data.draw(st.sets(st.integers(0, 3), min_size=k, max_size=k)))
    sub = sub_problem(problem, unit_team, focus, teams)
    sp = sub.problem
    assert sp.n_units == int(np.isin(unit_team, teams).sum())
    assert sp.n_teams == len(teams)
    n_cols = sp.n_themes

    def draw_focus() -> np.ndarray | None:
        if not n_cols:
            return None
        if sp.max_teams_per_theme == 1:  # distinct columns, as the cap of one copy each allows
            return rng.permutation(n_cols)[: len(teams)].astype(np.int64)
        return rng.integers(0, n_cols, len(teams)).astype(np.int64)

    def sub_value(sub_team: np.ndarray, sub_focus: np.ndarray | None) -> int:
        f = sub_focus if sub_focus is not None else np.full(len(teams), -1)
        return objective_milli(sp, sub_team, f)

    a_team, a_focus = rng.integers(0, len(teams), sp.n_units), draw_focus()
    b_team, b_focus = rng.integers(0, len(teams), sp.n_units), draw_focus()
    full_a = sub.merge(unit_team, a_team, a_focus)
    full_b = sub.merge(unit_team, b_team, b_focus)
    full_delta = objective_milli(problem, *full_b) - objective_milli(problem, *full_a)
    assert full_delta == sub_value(b_team, b_focus) - sub_value(a_team, a_focus)
    # the incumbent itself maps back to itself
    same_team, _ = sub.merge(unit_team, sub.start, None)
    assert np.array_equal(same_team, unit_team)
    if cap is not None and b_focus is not None:
        counts = np.bincount(full_b[1][full_b[1] >= 0], minlength=problem.n_themes)
        assert np.all(counts <= cap)


def test_sub_problem_keeps_locks_of_fixed_partners():
    """A freed unit may not join the team of a fixed apart partner; a together partner pins it.

    The incumbent here deliberately breaks both pairs (partners outside the freed teams), so
    the masks must come from the partners' teams.
    """
    problem = _cohort_problem(16, 1, teams=4)
    ids = problem.unit_ids
    rules = Rules(
        teams=4, min_establishments=0, apart=((ids[0], ids[1]),), together=((ids[2], ids[3]),)
    )
    problem = Problem.from_cohort(generate_cohort(16, seed=1, teams_hint=4), rules, "blend")
    unit_team = np.arange(problem.n_units) % 4
    unit_team[[0, 1, 2, 3]] = [0, 1, 0, 2]
    sub = sub_problem(problem, unit_team, None, [0, 1])
    index = {int(u): i for i, u in enumerate(sub.units)}
    assert 1 in index and 0 in index  # both apart partners freed: a pair of the sub-problem
    assert [index[0], index[1]] in sub.problem.apart.tolist()
    sub_only_0 = sub_problem(problem, unit_team, None, [0, 3])
    i2 = {int(u): i for i, u in enumerate(sub_only_0.units)}[2]
    # unit 3 (together with 2) is fixed in team 2, outside: unit 2 can go nowhere
    assert sub_only_0.problem.allowed is not None
    assert not sub_only_0.problem.allowed[i2].any()
    sub_apart = sub_problem(problem, unit_team, None, [1, 2])
    assert 1 in set(sub_apart.units.tolist())
    # unit 0 (apart from 1) is fixed in team 0, outside the freed teams: no restriction
    i1 = {int(u): i for i, u in enumerate(sub_apart.units)}[1]
    assert sub_apart.problem.allowed is None or sub_apart.problem.allowed[i1].all()


def test_sub_problem_keeps_each_teams_own_establishment_cap():
    """Facilitators fewer than teams cap each team on its own; a sub-problem keeps its teams' caps."""
    problem = _cohort_problem(24, 2, teams=4)
    caps = np.array([3, 9, 4, 7], dtype=np.int64)
    problem = replace(problem, team_max_units=caps)
    unit_team = np.arange(problem.n_units) % 4
    sub = sub_problem(problem, unit_team, None, [1, 3])
    assert np.asarray(sub.problem.team_max_units).tolist() == [9, 7]
    over = [b for b in evaluate(sub.problem, sub.start).breaches if b.rule == "team_establishments"]
    assert not over  # 6 establishments each, within 9 and 7
    sub = sub_problem(problem, unit_team, None, [0, 2])
    over = [b for b in evaluate(sub.problem, sub.start).breaches if b.rule == "team_establishments"]
    assert len(over) == 2  # 6 each, over 3 and 4


def test_strategy_runs_with_a_cap_for_each_team():
    """cpsat_lns on a problem capped team by team (it crashed cutting the caps to two teams)."""
    problem = _cohort_problem(24, 3, teams=4)
    problem = replace(problem, team_max_units=np.array([7, 7, 6, 6], dtype=np.int64))
    proposal = CpSatLnsStrategy().run(problem, Budget(time_limit=2.0, seed=0))
    assert proposal.unit_team is not None
    assert evaluate(problem, proposal.unit_team).feasible


# --------------------------------------------------------------------------- strategy
def test_improves_on_greedy_start():
    """On a 50-establishment blend cohort the LNS alone beats the greedy start it begins from."""
    problem = _cohort_problem(50, 0)
    budget = Budget(time_limit=6, seed=0)
    greedy = GreedyStrategy(restarts=1).run(problem, Budget(time_limit=2, seed=0))
    start = evaluate(problem, greedy.unit_team).objective_milli
    proposal = CpSatLnsStrategy(local_search_share=0).run(problem, budget)
    result = evaluate(problem, proposal.unit_team, proposal.team_focus)
    assert result.feasible, result.breaches
    assert result.objective_milli > start
    assert proposal.bound_milli is None  # LNS proves no bound on 8 teams


def test_locks_and_mixing_rules_respected():
    """Pins, forbids, apart and together locks and the sector / authority rules hold throughout."""
    cohort = generate_cohort(24, seed=3, teams_hint=3)
    ids = [e.id for e in cohort.establishments]
    rules = Rules(
        teams=3,
        min_establishments=0,
        pins={ids[0]: 1, ids[1]: 2},
        forbidden=((ids[2], 3),),
        apart=((ids[3], ids[4]), (ids[0], ids[5])),
        together=((ids[6], ids[7]), (ids[8], ids[9])),
    )
    problem = Problem.from_cohort(cohort, rules, "blend")
    before = _snapshot(problem)
    seen = []
    budget = Budget(
        time_limit=3, seed=2, max_iterations=6, progress=lambda p: seen.append(p.objective)
    )
    proposal = CpSatLnsStrategy(local_search_share=0).run(problem, budget)
    result = evaluate(problem, proposal.unit_team, proposal.team_focus)
    assert result.feasible, result.breaches
    team = proposal.unit_team
    assert team[0] == 0 and team[1] == 1 and team[2] != 2
    assert team[3] != team[4] and team[0] != team[5]
    assert team[6] == team[7] and team[8] == team[9]
    assert _unchanged(problem, before)
    assert seen and seen == sorted(seen)  # progress only ever reports improvements


def test_focus_cap_respected():
    """With one team per theme at most, every accepted round keeps the cap."""
    problem = _cohort_problem(30, 4, teams=5, objective="focus", max_teams_per_theme=1)
    proposal = CpSatLnsStrategy(local_search_share=0).run(
        problem, Budget(time_limit=4, seed=0, max_iterations=20)
    )
    result = evaluate(problem, proposal.unit_team, proposal.team_focus)
    assert result.feasible, result.breaches
    focus = [k for k in proposal.team_focus if k >= 0]
    assert len(focus) == len(set(focus))


def test_same_seed_and_rounds_same_answer():
    """With max_iterations (LNS rounds) the deterministic clock ends sub-solves: same answer."""
    problem = _cohort_problem(30, 2, teams=5)
    runs = [
        CpSatLnsStrategy(local_search_share=0.3).run(
            problem, Budget(time_limit=30, seed=5, max_iterations=6)
        )
        for _ in range(2)
    ]
    assert np.array_equal(runs[0].unit_team, runs[1].unit_team)
    assert np.array_equal(runs[0].team_focus, runs[1].team_focus)


def test_time_limit_honoured():
    """A 2 s limit on a 50-establishment cohort returns within the limit plus 3 s."""
    problem = _cohort_problem(50, 1)
    started = time.perf_counter()
    proposal = CpSatLnsStrategy().run(problem, Budget(time_limit=2, seed=0))
    assert time.perf_counter() - started < 2 + 3
    assert evaluate(problem, proposal.unit_team, proposal.team_focus).feasible


def test_two_teams_solved_whole_and_proven():
    """With two teams the only neighbourhood is the whole problem: the optimum, with proof.

    Checked against brute force over all 2^10 splits within the size bounds.
    """
    rng = np.random.default_rng(4)
    n = 10
    weights = np.triu(rng.integers(-50, 100, size=(n, n)), 1)
    problem = Problem(
        unit_ids=tuple(f"u{i}" for i in range(n)),
        unit_weight=np.ones(n, dtype=np.int64),
        team_min=np.full(2, 4, dtype=np.int64),
        team_max=np.full(2, 6, dtype=np.int64),
        pair_milli=(weights + weights.T).astype(np.int64),
    )
    best = max(
        objective_milli(problem, np.array(split), np.full(2, -1))
        for split in itertools.product((0, 1), repeat=n)
        if 4 <= sum(split) <= 6
    )
    proposal = CpSatLnsStrategy(local_search_share=0).run(problem, Budget(time_limit=10, seed=0))
    value = evaluate(problem, proposal.unit_team).objective_milli
    assert value == best
    assert proposal.proven_optimal and proposal.bound_milli == best


def test_warm_start_is_kept_or_bettered():
    """A given warm start is the starting point: the answer is never worse than it."""
    problem = _cohort_problem(30, 6, teams=5)
    warm = GreedyStrategy(restarts=1).run(problem, Budget(time_limit=2, seed=3)).unit_team
    start = evaluate(problem, warm).objective_milli
    proposal = CpSatLnsStrategy(local_search_share=0).run(
        problem, Budget(time_limit=3, seed=0, warm_start=warm, max_iterations=5)
    )
    assert evaluate(problem, proposal.unit_team, proposal.team_focus).objective_milli >= start
    assert "started from the warm start" in proposal.notes


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("free_teams", 1),
        ("sub_time", -1.0),
        ("workers", 0),
        ("operators", ("magic",)),
        ("local_search_share", 1.0),
        ("parameters", {"no_such_parameter": 1}),
    ],
)
def test_bad_parameters_named(name, value):
    """A bad parameter is an InvalidParameterError naming it, raised when run starts."""
    problem = _cohort_problem(16, 0, teams=3)
    strategy = CpSatLnsStrategy(**{name: value})
    with pytest.raises(InvalidParameterError, match=f"'{name}'"):
        strategy.run(problem, Budget(time_limit=1, seed=0))
