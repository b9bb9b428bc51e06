"""Tests of the random and kmeans baselines (and the shared random start / repair)."""

from __future__ import annotations

import time

import numpy as np
import pytest

from clnmatch.evaluate import evaluate
from clnmatch.generate import generate_cohort
from clnmatch.models import Cohort, Establishment, Practitioner, Rules
from clnmatch.problem import Problem
from clnmatch.search.grouping import build_grouping
from clnmatch.search.repair import random_assignment
from clnmatch.strategies import Budget, get_strategy
from clnmatch.strategies.kmeans import KMeansStrategy, features
from clnmatch.strategies.local_search import warm_up
from clnmatch.strategies.random_strategy import RandomStrategy

STRATEGIES = [RandomStrategy, KMeansStrategy]


@pytest.fixture(scope="module", autouse=True)
def compiled() -> None:
    """Compile (or load) the numba repair kernel once, so timings measure the strategies."""
    warm_up()


def cohort_problem(seed: int, locks: bool = True) -> Problem:
    """A generated 32-establishment cohort in 4 teams, with every kind of lock when asked."""
    cohort = generate_cohort(32, seed=seed, teams_hint=4)
    ids = [e.id for e in cohort.establishments]
    by_authority: dict[str, list[str]] = {}
    for e in cohort.establishments:
        by_authority.setdefault(e.authority_key, []).append(e.id)
    big = max(by_authority.values(), key=len)
    other = next(v for v in by_authority.values() if v is not big)
    rules = Rules(teams=4)
    if locks:
        rules = Rules(
            teams=4,
            pins={ids[0]: 1},
            forbidden=((ids[1], 2),),
            together=((big[0], other[0]),),
            apart=((big[1], big[2]),),
        )
    return Problem.from_cohort(cohort, rules)


def weighted_problem(seed: int) -> Problem:
    """Units of weight 1-3 with a together and an apart pair, no other side rule."""
    rng = np.random.default_rng(seed)
    n, teams = 18, 3
    weight = rng.integers(1, 4, n).astype(np.int64)
    total = int(weight.sum())
    pair = np.triu(rng.integers(-100, 100, (n, n)), 1)
    return Problem(
        unit_ids=tuple(f"u{i}" for i in range(n)),
        unit_weight=weight,
        team_min=np.full(teams, total // teams - 2, dtype=np.int64),
        team_max=np.full(teams, total // teams + 3, dtype=np.int64),
        pair_milli=(pair + pair.T).astype(np.int64),
        together=np.array([[0, 1], [1, 2]], dtype=np.int64),
        apart=np.array([[0, 3]], dtype=np.int64),
    )


def frozen_copy(problem: Problem) -> dict[str, object]:
    return {k: (v.copy() if isinstance(v, np.ndarray) else v) for k, v in vars(problem).items()}


def unchanged(before: dict[str, object], problem: Problem) -> bool:
    return all(
        np.array_equal(before[k], v) if isinstance(v, np.ndarray) else before[k] == v  # type: ignore[arg-type]
        for k, v in vars(problem).items()
    )


@pytest.mark.parametrize("strategy", STRATEGIES)
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_breach_free_on_a_cohort_with_locks(strategy: type, seed: int) -> None:
    """Sectors, authorities, share cap, pin, forbid, together and apart: evaluate finds no breach."""
    problem = cohort_problem(seed)
    before = frozen_copy(problem)
    proposal = strategy().run(problem, Budget(time_limit=5, seed=seed))
    assert proposal.unit_team is not None, proposal.notes
    evaluation = evaluate(problem, proposal.unit_team, proposal.team_focus)
    assert evaluation.feasible, evaluation.summary_line()
    assert unchanged(before, problem)


@pytest.mark.parametrize("strategy", STRATEGIES)
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_breach_free_with_weighted_units(strategy: type, seed: int) -> None:
    """Units of weight 1-3 and chained together-pairs (0-1-2 move as one), 0 apart from 3."""
    problem = weighted_problem(seed)
    proposal = strategy().run(problem, Budget(time_limit=5, seed=seed))
    assert proposal.unit_team is not None, proposal.notes
    team = proposal.unit_team
    assert evaluate(problem, team).feasible
    assert team[0] == team[1] == team[2] != team[3]


@pytest.mark.parametrize("strategy", STRATEGIES)
def test_same_seed_same_answer(strategy: type) -> None:
    """Two runs with one seed give the same assignment; another seed may differ."""
    problem = cohort_problem(5)
    first = strategy().run(problem, Budget(time_limit=5, seed=9)).unit_team
    second = strategy().run(problem, Budget(time_limit=5, seed=9)).unit_team
    assert first is not None and second is not None
    assert np.array_equal(first, second)


@pytest.mark.parametrize("strategy", STRATEGIES)
def test_time_limit_is_honoured(strategy: type) -> None:
    """A 1 s budget on a 200-unit MDGP-like instance returns within the limit plus 2 s."""
    rng = np.random.default_rng(0)
    n, teams = 200, 10
    pair = np.triu(rng.integers(0, 1000, (n, n)), 1)
    problem = Problem(
        unit_ids=tuple(str(i) for i in range(n)),
        unit_weight=np.ones(n, dtype=np.int64),
        team_min=np.full(teams, 20, dtype=np.int64),
        team_max=np.full(teams, 20, dtype=np.int64),
        pair_milli=(pair + pair.T).astype(np.int64),
    )
    tick = time.perf_counter()
    proposal = strategy().run(problem, Budget(time_limit=1.0, seed=0))
    assert time.perf_counter() - tick < 3.0
    assert proposal.unit_team is not None
    assert evaluate(problem, proposal.unit_team).feasible


def test_strategies_are_registered_by_name() -> None:
    """get_strategy finds "random" and "kmeans" (and "local_search")."""
    assert isinstance(get_strategy("random"), RandomStrategy)
    assert isinstance(get_strategy("kmeans"), KMeansStrategy)
    assert get_strategy("local_search").name == "local_search"


def test_random_assignment_meets_weights_when_it_can() -> None:
    """With unit weights and room for everyone, every team ends inside its weight bounds."""
    problem = cohort_problem(3, locks=False)
    flat = Problem(
        **{
            **vars(problem),
            "unit_weight": np.ones(problem.n_units, dtype=np.int64),
            "team_min": np.full(4, 8, dtype=np.int64),
            "team_max": np.full(4, 8, dtype=np.int64),
        }
    )
    team = random_assignment(flat, np.random.default_rng(0))
    assert np.bincount(team, minlength=4).tolist() == [8, 8, 8, 8]


def _two_camps() -> Cohort:
    """8 establishments of one practitioner each: four love Literacy, four love Numeracy."""
    establishments = [
        Establishment(
            id=f"E{i}", name=f"School {i}", authority="A" if i % 2 else "B", sector="primary"
        )
        for i in range(8)
    ]
    practitioners = [
        Practitioner(
            id=f"P{i}",
            name=f"Person {i}",
            establishment_id=f"E{i}",
            role="practitioner",
            interests=(5, 0) if i < 4 else (0, 5),
        )
        for i in range(8)
    ]
    return Cohort(
        themes=("Literacy", "Numeracy"),
        establishments=tuple(establishments),
        practitioners=tuple(practitioners),
    )


def test_kmeans_separates_two_interest_camps() -> None:
    """Two camps of four with opposite interests end in two teams, one camp each."""
    rules = Rules(
        teams=2, min_sectors=1, min_authorities=1, max_authority_share=1.0, size_tolerance=0
    )
    problem = Problem.from_cohort(_two_camps(), rules)
    proposal = KMeansStrategy().run(problem, Budget(time_limit=5, seed=0))
    assert proposal.unit_team is not None
    team = proposal.unit_team
    assert len(set(team[:4].tolist())) == 1 and len(set(team[4:].tolist())) == 1
    assert team[0] != team[4]


def test_kmeans_features() -> None:
    """Cohort features are mean interest vectors; MDGP features come from the pair gains."""
    problem = Problem.from_cohort(_two_camps(), Rules(teams=2))
    assert np.allclose(features(problem)[:4], [5, 0])
    rng = np.random.default_rng(0)
    pair = np.triu(rng.integers(0, 100, (12, 12)), 1)
    mdgp = Problem(
        unit_ids=tuple(str(i) for i in range(12)),
        unit_weight=np.ones(12, dtype=np.int64),
        team_min=np.full(3, 4, dtype=np.int64),
        team_max=np.full(3, 4, dtype=np.int64),
        pair_milli=(pair + pair.T).astype(np.int64),
    )
    x = features(mdgp, build_grouping(mdgp))
    assert x.shape[0] == 12 and 1 <= x.shape[1] <= 16 and np.isfinite(x).all()


@pytest.mark.parametrize("strategy", STRATEGIES)
def test_impossible_rules_give_no_assignment(strategy: type) -> None:
    """A pair that must be together and apart: no assignment, a note, no exception."""
    problem = weighted_problem(0)
    pair = np.array([[4, 5]], dtype=np.int64)
    broken = Problem(**{**vars(problem), "together": pair, "apart": pair})
    proposal = strategy().run(broken, Budget(time_limit=2, seed=0))
    assert proposal.unit_team is None and proposal.notes
