"""Stage 2 of a rematch by re-dealing a few teams at a time (``clnmatch.rematch.lns``)."""

from __future__ import annotations

import importlib
import itertools
import time

import numpy as np
import pytest
from assignments import Judge
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from test_rematch import PREVIOUS, RULES, lexicographic_optimum, sector_cohort

from clnmatch.evaluate import evaluate
from clnmatch.generate import generate_cohort
from clnmatch.models import Rules
from clnmatch.problem import Problem
from clnmatch.rematch import rematch_teams
from clnmatch.rematch.lns import within_moves
from clnmatch.strategies.base import Budget
from clnmatch.strategies.local_search import LocalSearchStrategy


def _moves(prev: np.ndarray, team: np.ndarray) -> int:
    return int(((prev >= 0) & (team != prev)).sum())


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(seed=st.integers(0, 10_000), teams=st.sampled_from([3, 4]), cap=st.integers(0, 3))
def test_re_deals_keep_the_rules_and_the_move_limit_and_never_lose_ground(
    seed: int, teams: int, cap: int
) -> None:
    """From rule-abiding teams, at most ``cap`` units leave them, every rule holds, no worse."""
    cohort = generate_cohort(4 * teams, seed=seed, teams_hint=teams, with_facilitators=False)
    rules = Rules(teams=teams, min_establishments=0, min_authorities=1, max_authority_share=1.0)
    problem = Problem.from_cohort(cohort, rules, "blend")
    found = LocalSearchStrategy().run(
        problem, Budget(time_limit=0.5, seed=seed, max_iterations=200)
    )
    prev = found.unit_team
    if prev is None or not evaluate(problem, prev).feasible:
        return  # no rule-abiding teams to start from
    started = time.perf_counter()
    team, trace, _ = within_moves(problem, prev, prev, cap, started, started + 1.0, seed)
    ev = evaluate(problem, team)
    assert ev.feasible
    assert _moves(prev, team) <= cap
    assert ev.objective_milli >= evaluate(problem, prev).objective_milli
    assert trace[-1].objective == pytest.approx(ev.objective)


def test_with_three_teams_the_re_deal_is_the_best_within_the_moves() -> None:
    """A round of three teams of three is the whole problem: it matches an enumeration."""
    cohort = generate_cohort(9, seed=5, teams_hint=3, with_facilitators=False)
    rules = Rules(teams=3, min_establishments=0, min_authorities=1, max_authority_share=1.0)
    problem = Problem.from_cohort(cohort, rules, "blend")
    judge = Judge(problem)  # evaluate's answer, once for assignments equal up to renaming
    feasible = [
        (np.array(t), answer[1])
        for t in itertools.product(range(3), repeat=problem.n_units)
        if (answer := judge(t))[0]
    ]
    prev = min(feasible, key=lambda f: f[1])[0]  # the worst teams: room to improve
    best = max(value for t, value in feasible if _moves(prev, t) <= 2)
    assert best > evaluate(problem, prev).objective_milli
    started = time.perf_counter()
    team, _, note = within_moves(problem, prev, prev, 2, started, started + 30.0, 0)
    assert "every set of 3 teams proven" in note
    assert evaluate(problem, team).objective_milli == best


def test_re_deals_alone_reach_the_lexicographic_optimum(monkeypatch: pytest.MonkeyPatch) -> None:
    """With enumeration off and no time for the whole model, stage 2 is the re-deals'."""
    stages = importlib.import_module("clnmatch.rematch.stages")
    monkeypatch.setattr(stages, "_ENUMERATION_LIMIT", 0)
    monkeypatch.setattr(stages, "_OBJECTIVE_BUILD_RATIO", 1e9)
    result = rematch_teams(sector_cohort(), PREVIOUS, ["E4"], rules=RULES, time_limit=5)
    assert any("teams re-dealt" in n for n in result.notes)
    assert any("on the whole: no time to build its model" in n for n in result.notes)
    moves, objective = lexicographic_optimum(result.cohort, RULES, PREVIOUS)
    assert len(result.moves) == moves
    assert result.evaluation is not None
    assert result.evaluation.objective_milli == objective


def test_a_fewest_moves_model_too_big_for_the_time_left_is_not_built(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """With nothing from the quick repair, stage 1 built its CP-SAT model anyway: at 1,000
    establishments a 0.5 s re-match took 4.4 s (a developer). It now gives up at once and
    the time left goes to the fallback, whose answer keeps every rule."""
    stages = importlib.import_module("clnmatch.rematch.stages")
    monkeypatch.setattr(stages, "_BUILD_S_PER_CELL", 10.0)  # every model "too big"
    monkeypatch.setattr(stages, "repair", lambda *a, **k: None)
    built: list[object] = []
    monkeypatch.setattr(stages, "_build", lambda *a, **k: built.append(a))
    result = rematch_teams(sector_cohort(), PREVIOUS, ["E4"], rules=RULES, time_limit=5)
    assert built == [] and result.feasible
    assert any("stage 1 (fewest moves) skipped" in n and "nothing found" in n for n in result.notes)
