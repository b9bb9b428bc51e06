"""Tests of the column-generation strategy and its exact pricing (clnmatch.strategies.colgen)."""

from __future__ import annotations

import math
import time
from fractions import Fraction

import numpy as np
import pytest
from assignments import every_assignment, teams_interchangeable
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import clnmatch.colgen.run as colgen_run
from clnmatch.colgen import pricing
from clnmatch.colgen.master import ScipyMaster
from clnmatch.colgen.model import objective_step
from clnmatch.colgen.pricing import (
    ClassRules,
    PricedCuts,
    Pricer,
    brute_force_best,
    class_rules,
    team_feasible,
    team_value,
)
from clnmatch.colgen.run import initial
from clnmatch.colgen.search import Node, Search
from clnmatch.evaluate import evaluate
from clnmatch.problem import Problem
from clnmatch.strategies.base import Budget
from clnmatch.strategies.colgen import ColumnGenerationStrategy

FAST = settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@pytest.fixture(scope="module", autouse=True)
def _compiled() -> None:
    """Compile (or load) the pricing kernels once, so no test times a compilation."""
    pricing.warm_up()


def strategy(**params: object) -> ColumnGenerationStrategy:
    """The strategy without the local-search primal (quick tests)."""
    return ColumnGenerationStrategy(local_search_iterations=0, **params)  # type: ignore[arg-type]


# --------------------------------------------------------------------------- builders
def random_rules(rng: np.random.Generator, n: int) -> ClassRules:
    """The rules of team 1 of a random problem, plus random branching pairs."""
    weight = rng.integers(1, 4, n)
    teams = int(rng.integers(2, 4))
    per_team = weight.sum() / teams
    pairs = [tuple(int(v) for v in rng.integers(0, n, 2)) for _ in range(int(rng.integers(0, 3)))]
    apart = [tuple(int(v) for v in rng.integers(0, n, 2)) for _ in range(int(rng.integers(0, 3)))]
    problem = Problem(
        unit_ids=tuple(f"u{i}" for i in range(n)),
        unit_weight=weight.astype(np.int64),
        team_min=np.full(teams, max(1, int(per_team) - 2), dtype=np.int64),
        team_max=np.full(teams, int(per_team) + 2, dtype=np.int64),
        pair_milli=np.zeros((n, n), dtype=np.int64),
        unit_sector=rng.integers(0, 3, n).astype(np.int64),
        sector_names=("ELC", "primary", "secondary"),
        min_sectors=int(rng.integers(0, 3)),
        unit_authority=rng.integers(0, 4, n).astype(np.int64),
        authority_names=("A", "B", "C", "D"),
        min_authorities=int(rng.integers(0, 3)),
        authority_share=Fraction(int(rng.choice([1, 2])), 3) if rng.random() < 0.5 else None,
        unit_challenge=rng.random(n) < 0.3,
        unit_affluent=rng.random(n) < 0.3,
        simd_milli=int(rng.choice([0, 500])),
    )
    return class_rules(problem, 0).with_pairs(
        np.array(pairs, dtype=np.int64).reshape(-1, 2),
        np.array(apart, dtype=np.int64).reshape(-1, 2),
    )


def random_pairs(rng: np.random.Generator, n: int) -> np.ndarray:
    upper = np.triu(rng.integers(-3000, 3000, (n, n)), 1)
    return (upper + upper.T).astype(np.int64)


def tiny_problem(
    seed: int,
    n_units: int = 8,
    n_teams: int = 2,
    *,
    focus: bool = False,
    cap: bool = False,
    simd: bool = False,
    pins: bool = False,
    locks: bool = False,
) -> Problem:
    """A random problem small enough to enumerate every assignment."""
    rng = np.random.default_rng(seed)
    weight = rng.integers(1, 3, n_units).astype(np.int64)
    total = int(weight.sum())
    low, high = max(1, total // n_teams - 1), -(-total // n_teams) + 1
    allowed = None
    if pins:
        allowed = np.ones((n_units, n_teams), dtype=bool)
        allowed[0, :] = False
        allowed[0, 0] = True  # unit 0 pinned to team 1
        allowed[1, 0] = False  # unit 1 may not join team 1
    return Problem(
        unit_ids=tuple(f"u{i}" for i in range(n_units)),
        unit_weight=weight,
        team_min=np.full(n_teams, low, dtype=np.int64),
        team_max=np.full(n_teams, high, dtype=np.int64),
        pair_milli=random_pairs(rng, n_units),
        constant_milli=int(rng.integers(-500, 500)),
        theme_milli=rng.integers(0, 3000, (n_units, 3)).astype(np.int64)
        if focus
        else np.zeros((0, 0), dtype=np.int64),
        theme_names=("a", "b", "c") if focus else (),
        max_teams_per_theme=1 if cap else None,
        unit_sector=rng.integers(0, 3, n_units).astype(np.int64),
        sector_names=("ELC", "primary", "secondary"),
        min_sectors=2,
        unit_authority=rng.integers(0, 4, n_units).astype(np.int64),
        authority_names=("A", "B", "C", "D"),
        min_authorities=2,
        authority_share=Fraction(2, 3),
        allowed=allowed,
        together=np.array([[2, 3]] if locks else [], dtype=np.int64).reshape(-1, 2),
        apart=np.array([[4, 5]] if locks else [], dtype=np.int64).reshape(-1, 2),
        unit_challenge=rng.random(n_units) < 0.4 if simd else np.zeros(0, dtype=bool),
        unit_affluent=rng.random(n_units) < 0.4 if simd else np.zeros(0, dtype=bool),
        simd_milli=700 if simd else 0,
    )


def brute_force_optimum(problem: Problem) -> int | None:
    """The best objective over every breach-free assignment (evaluate is the judge); when
    the teams are interchangeable, over one of each set equal up to renaming the teams
    (the same best: renaming keeps breaches and score), which is 6 times fewer in 3 teams."""
    best = None
    renamed = not teams_interchangeable(problem)
    for assignment in every_assignment(problem.n_units, problem.n_teams, renamed):
        ev = evaluate(problem, np.array(assignment, dtype=np.int64))
        if ev.feasible and (best is None or ev.objective_milli > best):
            best = ev.objective_milli
    return best


# --------------------------------------------------------------------------- pricing
def assert_exact_pricing_is_brute_force(
    pair: np.ndarray, lin: np.ndarray, rules: ClassRules, max_teams: int
) -> pricing.PricingResult:
    """Exact pricing finishes with brute force's best value and a feasible best team."""
    best, team = brute_force_best(pair, lin, rules)
    res = Pricer(pair, rules).exact(lin, threshold=-1e9, max_teams=max_teams)
    assert res.complete
    if team is None:
        assert res.best_team is None
    else:
        assert res.best == pytest.approx(best, abs=1e-9)
        assert res.best_team is not None and team_feasible(rules, np.array(res.best_team))
    return res


@given(seed=st.integers(0, 10_000), n=st.integers(1, 9))
@FAST
def test_exact_pricing_equals_brute_force(seed: int, n: int) -> None:
    """The branch and bound finds the best feasible team (brute force is the judge)."""
    rng = np.random.default_rng(seed)
    rules = random_rules(rng, n)
    pair = random_pairs(rng, n).astype(float)
    lin = rng.integers(-3000, 1000, n).astype(float)
    res = assert_exact_pricing_is_brute_force(pair, lin, rules, max_teams=20)
    for members, value in res.teams:
        assert team_feasible(rules, np.array(members))
        assert value == pytest.approx(pricing.team_value(pair, lin, rules, np.array(members)))


@given(seed=st.integers(0, 10_000), n=st.integers(9, 12), share=st.sampled_from([1, 2]))
@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
def test_exact_pricing_with_binding_mix_rules_equals_brute_force(
    seed: int, n: int, share: int
) -> None:
    """Where the mix rules decide the best team (clustered values, several authorities and
    sectors required, a share cap), the label-aware bounds prune nothing they should not."""
    rng = np.random.default_rng(seed)
    authority = rng.integers(0, 4, n).astype(np.int64)
    same = authority[:, None] == authority[None, :]
    upper = np.triu(
        np.where(same, rng.integers(500, 3000, (n, n)), rng.integers(-500, 800, (n, n))), 1
    )
    problem = Problem(
        unit_ids=tuple(f"u{i}" for i in range(n)),
        unit_weight=rng.integers(1, 3, n).astype(np.int64),
        team_min=np.full(2, 3, dtype=np.int64),
        team_max=np.full(2, 8, dtype=np.int64),
        pair_milli=(upper + upper.T).astype(np.int64),
        unit_sector=rng.integers(0, 3, n).astype(np.int64),
        sector_names=("ELC", "primary", "secondary"),
        min_sectors=2,
        unit_authority=authority,
        authority_names=("A", "B", "C", "D"),
        min_authorities=3,
        authority_share=Fraction(share, 3),
        together=np.array([[0, 1]] if rng.random() < 0.5 else [], dtype=np.int64).reshape(-1, 2),
    )
    rules = class_rules(problem, 0)
    pair = problem.pair_milli.astype(float)
    lin = rng.integers(-3000, 1000, n).astype(float)
    assert_exact_pricing_is_brute_force(pair, lin, rules, max_teams=5)


@given(seed=st.integers(0, 10_000), n=st.integers(2, 9))
@FAST
def test_exact_pricing_incumbent_keeps_the_maximum(seed: int, n: int) -> None:
    """With a known team's value as incumbent, the result is still the exact maximum."""
    rng = np.random.default_rng(seed)
    rules = random_rules(rng, n)
    pair = random_pairs(rng, n).astype(float)
    lin = rng.integers(-3000, 1000, n).astype(float)
    best, team = brute_force_best(pair, lin, rules)
    if team is None:
        return
    res = Pricer(pair, rules).exact(lin, incumbent=best - 1.0)
    assert res.best == pytest.approx(best) and res.best_team is not None


@given(seed=st.integers(0, 10_000), n=st.integers(2, 9))
@FAST
def test_heuristic_pricing_returns_feasible_teams(seed: int, n: int) -> None:
    """Every team the heuristic reports keeps the rules and is valued correctly."""
    rng = np.random.default_rng(seed)
    rules = random_rules(rng, n)
    pair = random_pairs(rng, n).astype(float)
    lin = rng.integers(-3000, 1000, n).astype(float)
    best, _ = brute_force_best(pair, lin, rules)
    res = Pricer(pair, rules).heuristic(
        lin, seed=seed, n_starts=10, threshold=-1e9, starts=[(0, 1)]
    )
    for members, value in res.teams:
        assert team_feasible(rules, np.array(members))
        assert value == pytest.approx(pricing.team_value(pair, lin, rules, np.array(members)))
        assert value <= best + 1e-9


def random_cuts(rng: np.random.Generator, n: int) -> PricedCuts:
    """Random rank-1 cuts over n local units (-1 pads, or a unit of another class): sets of
    2-6 units, divisors 2-3, integer duals."""
    q = int(rng.integers(0, 6)) if n >= 2 else 0
    rows = np.full((q, 6), -1, dtype=np.int64)
    for i in range(q):
        size = int(rng.integers(2, min(n, 6) + 1))
        rows[i, :size] = rng.permutation(n)[:size]
    divisors = rng.integers(2, 4, q).astype(np.int64)
    return PricedCuts(rows, np.round(rng.integers(0, 3000, q) * 1.0), divisors)


@given(seed=st.integers(0, 10_000), n=st.integers(2, 9))
@FAST
def test_pricing_with_cuts_equals_brute_force(seed: int, n: int) -> None:
    """A team holding h units of a rank-1 cut (S, k) pays its dual floor(h / k) times:
    exact pricing still finds the best team, and the heuristic values its teams with the
    cuts (brute force is the judge)."""
    rng = np.random.default_rng(seed)
    rules = random_rules(rng, n)
    pair = random_pairs(rng, n).astype(float)
    lin = rng.integers(-3000, 1000, n).astype(float)
    cuts = random_cuts(rng, n)
    best, team = brute_force_best(pair, lin, rules, cuts=cuts)
    pricer = Pricer(pair, rules)
    res = pricer.exact(lin, threshold=-1e9, max_teams=20, cuts=cuts)
    assert res.complete
    if team is None:
        assert res.best_team is None
        return
    assert res.best == pytest.approx(best, abs=1e-9)
    heur = pricer.heuristic(lin, seed=seed, n_starts=10, threshold=-1e9, cuts=cuts, starts=[(0,)])
    for members, value in res.teams + heur.teams:
        assert team_feasible(rules, np.array(members))
        assert value == pytest.approx(team_value(pair, lin, rules, np.array(members), cuts))
        assert value <= best + 1e-9


def test_together_rule_merges_units() -> None:
    """Units that must stay together are priced as one: both in the team, or neither."""
    problem = Problem(
        unit_ids=("a", "b", "c", "d"),
        unit_weight=np.ones(4, dtype=np.int64),
        team_min=np.full(2, 2, dtype=np.int64),
        team_max=np.full(2, 2, dtype=np.int64),
        pair_milli=np.zeros((4, 4), dtype=np.int64),
        together=np.array([[0, 1]]),
    )
    rules = class_rules(problem, 0)
    pair = np.zeros((4, 4))
    pair[0, 2] = pair[2, 0] = 100.0  # 0 and 2 would like each other, but 0 needs 1
    pair[0, 1] = pair[1, 0] = 5.0
    res = Pricer(pair, rules).exact(np.zeros(4))
    assert res.best_team == (0, 1) and res.best == 5.0


# --------------------------------------------------------------------------- bound
@pytest.mark.parametrize(
    "options",
    [
        {},
        {"n_teams": 3, "n_units": 7},
        {"focus": True},
        {"focus": True, "cap": True},
        {"simd": True},
        {"pins": True, "n_units": 7},
        {"locks": True},
        {"pins": True, "locks": True, "focus": True, "cap": True, "simd": True, "n_units": 7},
    ],
    ids=["pairs", "three-teams", "focus", "theme-cap", "simd", "pins", "locks", "everything"],
)
def test_lagrangian_bound_holds_for_any_prices(options: dict[str, object]) -> None:
    """sum pi + cap * sum rho + sum sigma floor(|S|/k) + sum_g n_g * max_S (c - pi(S) - rho
    - sigma(S)) >= optimum, for random prices and random rank-1 cuts."""
    for seed in range(3):
        problem = tiny_problem(seed, **options)  # type: ignore[arg-type]
        optimum = brute_force_optimum(problem)
        if optimum is None:
            continue
        search = Search(problem, Budget(time_limit=60), ColumnGenerationStrategy())
        model = search.model
        rng = np.random.default_rng(seed)
        for _ in range(4):
            pi = np.round(rng.normal(0, 3000, problem.n_units) * 1024) / 1024
            rho = np.round(np.abs(rng.normal(0, 1000, max(1, model.n_themes))) * 1024) / 1024
            mu = np.zeros(len(model.classes))
            # random rank-1 cuts: valid for every assignment, whatever their duals
            for _ in range(3):
                size = int(rng.integers(3, problem.n_units + 1))
                units = tuple(int(u) for u in rng.permutation(problem.n_units)[:size])
                search.cuts.add(units, int(rng.integers(2, size)))
            sigma = np.round(np.abs(rng.normal(0, 1000, len(search.cuts))) * 1024) / 1024
            heur = {
                (g, k): (-math.inf, None)
                for g in range(len(model.classes))
                for k in model.theme_list()
            }
            result = search.exact_pricing(Node(0, 0), pi, mu, rho, sigma, heur)
            assert result is not None
            bound, _ = result
            assert problem.constant_milli + bound >= optimum
            if len(model.classes) == 1:
                # pricing to a target never gives less than the plain bound
                target = float(rng.normal(0, 5000))
                aimed = search.exact_pricing(Node(0, 0), pi, mu, rho, sigma, heur, target)
                assert aimed is not None and aimed[0] >= bound - 1e-6


@pytest.mark.parametrize(
    "options",
    [
        {},
        {"n_teams": 3, "n_units": 7},
        {"focus": True, "cap": True},
        {"simd": True},
        {"pins": True, "n_units": 7, "n_teams": 3},
        {"locks": True, "focus": True},
    ],
    ids=["pairs", "three-teams", "theme-cap", "simd", "pins", "locks"],
)
def test_bound_and_answer_against_enumeration(options: dict[str, object]) -> None:
    """The bound is at least the optimum; a proven-optimal answer is the optimum; no breach."""
    for seed in range(4):
        problem = tiny_problem(100 + seed, **options)  # type: ignore[arg-type]
        optimum = brute_force_optimum(problem)
        proposal = strategy().run(problem, Budget(time_limit=5, seed=seed))
        if optimum is None:
            assert proposal.unit_team is None
            continue
        assert proposal.unit_team is not None
        ev = evaluate(problem, proposal.unit_team, proposal.team_focus)
        assert ev.feasible, ev.summary_line()
        assert ev.objective_milli <= optimum
        assert proposal.bound_milli is not None and proposal.bound_milli >= optimum
        if proposal.proven_optimal:
            assert ev.objective_milli == optimum == proposal.bound_milli


@given(seed=st.integers(0, 10_000), n_teams=st.integers(2, 3))
@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.too_slow])
def test_bound_is_valid_on_random_tiny_problems(seed: int, n_teams: int) -> None:
    """Hypothesis: on random 7-unit problems the certified bound never undercuts the optimum."""
    rng = np.random.default_rng(seed)
    problem = tiny_problem(
        seed,
        n_units=7,
        n_teams=n_teams,
        focus=bool(rng.random() < 0.5),
        cap=bool(rng.random() < 0.3),
        simd=bool(rng.random() < 0.3),
        locks=bool(rng.random() < 0.3),
    )
    optimum = brute_force_optimum(problem)
    proposal = strategy().run(problem, Budget(time_limit=5, seed=seed))
    if optimum is None:
        assert proposal.unit_team is None
        return
    assert proposal.unit_team is not None and evaluate(problem, proposal.unit_team).feasible
    assert proposal.bound_milli is not None and proposal.bound_milli >= optimum
    assert proposal.proven_optimal  # tiny problems close within the limit
    assert evaluate(problem, proposal.unit_team).objective_milli == optimum


def test_objective_step_is_the_gcd_of_every_term() -> None:
    """Pairs 2000, themes 3000 and 1000, mix 500: every objective moves in steps of 500."""
    pair = np.array([[0, 2000], [2000, 0]], dtype=np.int64)
    assert objective_step(pair, np.array([[3000, 1000]]), 500) == 500
    assert objective_step(pair, None, 0) == 2000
    assert objective_step(np.zeros((2, 2), dtype=np.int64), None, 0) == 1


@pytest.mark.parametrize("seed", range(6))
def test_whole_point_focus_bound_is_rounded_to_a_reachable_value(seed: int) -> None:
    """Focus only with whole-point ratings: the certified bound is the constant plus whole
    points, never below the optimum, and the run proves the optimum."""
    base = tiny_problem(200 + seed, focus=True, cap=seed % 2 == 0)
    rng = np.random.default_rng(seed)
    problem = Problem(
        **{
            **vars(base),
            "pair_milli": np.zeros_like(base.pair_milli),
            "theme_milli": rng.integers(0, 4, base.theme_milli.shape).astype(np.int64) * 1000,
        }
    )
    optimum = brute_force_optimum(problem)
    proposal = strategy().run(problem, Budget(time_limit=5, seed=seed))
    if optimum is None:
        assert proposal.unit_team is None
        return
    assert proposal.unit_team is not None and proposal.bound_milli is not None
    assert (proposal.bound_milli - problem.constant_milli) % 1000 == 0
    assert proposal.bound_milli >= optimum
    assert proposal.proven_optimal
    assert evaluate(problem, proposal.unit_team, proposal.team_focus).objective_milli == optimum


# --------------------------------------------------------------------------- the strategy
def _cohort_problem(establishments: int, teams: int, seed: int) -> Problem:
    from clnmatch.generate import generate_cohort
    from clnmatch.models import Rules

    cohort = generate_cohort(establishments, seed=seed, teams_hint=teams)
    return Problem.from_cohort(cohort, Rules(teams=teams, min_establishments=0), "cohesion")


def test_registered_under_its_name() -> None:
    """get_strategy("colgen") gives this strategy."""
    from clnmatch.strategies import get_strategy

    assert get_strategy("colgen").name == "colgen"


def test_same_seed_same_answer() -> None:
    """Two runs with one seed give one assignment and one bound."""
    problem = _cohort_problem(16, 2, seed=5)
    runs = [strategy().run(problem, Budget(time_limit=20, seed=3)) for _ in range(2)]
    assert runs[0].unit_team is not None and runs[1].unit_team is not None
    assert np.array_equal(runs[0].unit_team, runs[1].unit_team)
    assert runs[0].bound_milli == runs[1].bound_milli
    assert runs[0].proven_optimal


def test_honours_the_time_limit_and_does_not_mutate() -> None:
    """A 50-establishment cohort under a 3 s limit: back in time, rule-abiding, problem untouched."""
    problem = _cohort_problem(50, 8, seed=2)
    before = {k: np.copy(v) for k, v in vars(problem).items() if isinstance(v, np.ndarray)}
    tick = time.perf_counter()
    proposal = strategy().run(problem, Budget(time_limit=3.0, seed=0))
    assert time.perf_counter() - tick < 3.0 + 0.5
    assert proposal.unit_team is not None
    ev = evaluate(problem, proposal.unit_team, proposal.team_focus)
    assert ev.feasible
    if proposal.bound_milli is not None:
        assert proposal.bound_milli >= ev.objective_milli
    assert proposal.trace and proposal.trace[-1].objective == ev.objective_milli / 1000
    for key, value in before.items():
        assert np.array_equal(getattr(problem, key), value)


def test_the_greedy_start_serves_where_cp_sat_finds_nothing(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """At 500 establishments in 5 s CP-SAT's feasibility model found nothing and the
    whole budget went to it: colgen answered with no teams. It now gets half the time
    and the greedy start follows it."""
    problem = _cohort_problem(30, 4, seed=1)
    limits: list[float] = []

    def nothing(problem: Problem, time_limit: float, seed: int) -> tuple[None, bool, float]:
        limits.append(time_limit)
        return None, False, 0.0

    monkeypatch.setattr(colgen_run, "_cpsat_feasible", nothing)
    search = Search(problem, Budget(time_limit=4, seed=0), strategy())
    initial(search)
    assert limits and limits[0] <= 0.5 * 4
    assert search.best_assign is not None
    assert evaluate(problem, search.best_assign).feasible


def test_infeasible_rules_are_reported() -> None:
    """Two sectors per team with a single sector in the cohort: proven infeasible, no assignment."""
    problem = tiny_problem(1)
    problem = Problem(**{**vars(problem), "unit_sector": np.zeros(problem.n_units, dtype=np.int64)})
    proposal = strategy().run(problem, Budget(time_limit=5, seed=0))
    assert proposal.unit_team is None
    assert proposal.proven_infeasible
    assert proposal.conflicting_rules == ("min_sectors",)  # named, for the diagnosis


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("heuristic_starts", -1),
        ("columns_per_iteration", 0),
        ("target_gap", -0.1),
        ("local_search_iterations", 1.5),
        ("parts", 0),
        ("part", 1),  # of 1 part: only part 0 exists
    ],
)
def test_bad_parameters_are_named(name: str, value: object) -> None:
    """A bad parameter fails at run with the one message shape naming it."""
    from clnmatch.errors import InvalidParameterError

    with pytest.raises(InvalidParameterError, match=f"'{name}' parameter of ColumnGeneration"):
        ColumnGenerationStrategy(**{name: value}).run(tiny_problem(0), Budget(time_limit=1))


def test_a_bound_one_step_above_the_incumbent_starts_a_fresh_search(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Whole-point focus: with the bound one point above the incumbent only a better
    assignment can close the gap, so a second search runs from the greedy start (no
    warm start); two points above, or closed, it is not one step short."""
    base = tiny_problem(3, focus=True)
    problem = Problem(**{**vars(base), "pair_milli": np.zeros_like(base.pair_milli)})
    problem = Problem(**{**vars(problem), "theme_milli": (problem.theme_milli // 1000) * 1000})
    search = Search(problem, Budget(time_limit=60, seed=4), ColumnGenerationStrategy())
    initial(search)
    assert search.best_obj is not None and search.model.step == 1000
    for above, short in ((0, False), (1000, True), (1500, True), (2000, False)):
        search.best_bound = float(search.best_obj + above)
        assert colgen_run._one_step_short(search) is short, above
    starts: list[object] = []

    class Recorder:
        def __init__(self, max_iterations: int) -> None:
            self.max_iterations = max_iterations

        def run(self, problem: Problem, budget: Budget) -> object:
            starts.append(budget.warm_start)
            return colgen_run.Proposal(None)

    monkeypatch.setattr(colgen_run, "LocalSearchStrategy", Recorder)
    colgen_run._local_search(search, 100)
    colgen_run._local_search(search, 100, fresh=True)
    assert starts[0] is not None and starts[1] is None


def test_scipy_master_agrees_with_the_warm_master() -> None:
    """The persistent HiGHS master and scipy's linprog master give one LP value."""
    problem = tiny_problem(7, n_units=8, n_teams=2, focus=True, cap=True)
    search = Search(problem, Budget(time_limit=60), ColumnGenerationStrategy())
    initial(search)
    search.column_generation(Node(0, 0))
    active = list(range(len(search.columns)))
    cold_master = ScipyMaster(search.model, search.big_m)
    cuts = [(), ((0, 1, 2), 2), ((3, 4, 5), 2), ((0, 1, 4, 5, 7), 2), ((0, 2, 3, 5, 6, 7), 3)]
    for cut in cuts:
        if cut:  # with rank-1 cuts too: rows added to the warm model
            search.cuts.add(*cut)
        warm = search.master.solve(search.columns, active, search.cuts)
        cold = cold_master.solve(search.columns, active, search.cuts)
        assert warm is not None and cold is not None
        assert warm.value == pytest.approx(cold.value, rel=1e-9, abs=1e-6)
        assert len(warm.sigma) == len(cold.sigma) == len(search.cuts)


def test_separated_cuts_are_violated_and_tighten_the_root() -> None:
    """Every separated rank-1 cut is violated by the LP it was cut from; re-solving never
    raises the LP value, and the bound still holds (enumeration is the judge)."""
    tried = 0
    for seed in range(40):
        problem = tiny_problem(seed, n_units=9, n_teams=3, focus=True)
        search = Search(problem, Budget(time_limit=60), ColumnGenerationStrategy())
        initial(search)
        out = search.column_generation(Node(0, 0))
        assert out.lp is not None and out.converged
        before = len(search.cuts)
        if not search.separate_cuts(out.lp, out.active):
            continue
        tried += 1
        for units, k in zip(search.cuts.sets[before:], search.cuts.divisors[before:], strict=True):
            lhs = sum(
                out.lp.lam[j] * (len(set(units) & set(search.columns[ci].members)) // k)
                for j, ci in enumerate(out.active)
            )
            assert lhs > len(units) // k + 1e-4
        again = search.column_generation(Node(0, 0))
        assert again.lp is not None and again.lp.value <= out.lp.value + 1e-6
        optimum = brute_force_optimum(problem)
        assert optimum is not None and problem.constant_milli + again.bound >= optimum
        if tried >= 3:
            break
    assert tried, "no tiny problem had a fractional root to cut"


def rank1_lhs_minus_rhs(units: set[int], k: int, lam: np.ndarray, teams: list) -> float:
    """A rank-1 cut's violation counted from the teams themselves (not clnmatch's code)."""
    held = sum(w * (len(units & set(t)) // k) for w, t in zip(lam, teams, strict=True))
    return float(held - len(units) // k)


def test_rank1_separation_finds_a_cluster_shared_out_in_fractions() -> None:
    """Four half-teams of three out of five like-minded units: the LP holds two teams with
    three of them, whole teams only one (floor(5 / 3)); every cut found is violated by
    exactly what an independent count says."""
    from clnmatch.colgen.cuts import rank1_violations

    teams = [(0, 1, 2), (2, 3, 4), (0, 1, 3), (1, 2, 4), (5, 6, 7)]
    lam = np.array([0.5, 0.5, 0.5, 0.5, 1.0])
    a = np.zeros((8, len(teams)))
    for c, members in enumerate(teams):
        a[list(members), c] = 1.0
    found = rank1_violations(a, lam)
    assert found
    for violation, units, k in found:
        assert violation == pytest.approx(rank1_lhs_minus_rhs(set(units), k, lam, teams))
        assert violation > 0 and len(units) > k >= 2
    assert max(v for v, _, _ in found) == pytest.approx(1.0)


@settings(max_examples=60, deadline=None)
@given(st.data())
def test_rank1_separation_returns_violated_sets_no_single_toggle_improves(data) -> None:
    """On random LP answers every cut found is violated by what an independent count says,
    and the compiled search, let run to its end, stops at a local maximum: toggling any one
    unit (within the size limits) does not raise the violation."""
    from clnmatch.colgen.cut_kernels import improve_rank1_set
    from clnmatch.colgen.cuts import CUT_EPS, RANK1_MAX_UNITS, rank1_violations, teams_by_unit

    n = data.draw(st.integers(3, 10))
    n_teams = data.draw(st.integers(1, 8))
    teams = [
        tuple(sorted(data.draw(st.sets(st.integers(0, n - 1), min_size=2, max_size=n))))
        for _ in range(n_teams)
    ]
    lam = np.array([data.draw(st.integers(1, 10)) / 10 for _ in teams])
    a = np.zeros((n, n_teams))
    for c, members in enumerate(teams):
        a[list(members), c] = 1.0

    def violation(units: set[int], k: int) -> float:
        return rank1_lhs_minus_rhs(units, k, lam, teams)

    for found, units, k in rank1_violations(a, lam):
        assert found == pytest.approx(violation(set(units), k))
        assert found > CUT_EPS and k + 1 <= len(units) <= RANK1_MAX_UNITS

    used = np.flatnonzero(a.any(axis=1))
    indptr, teams_of = teams_by_unit(a > 0)
    k = data.draw(st.integers(2, n))
    seed = teams[data.draw(st.integers(0, n_teams - 1))]
    inside = np.zeros(n, dtype=np.bool_)
    inside[list(seed)] = True
    hits = a[list(seed)].sum(axis=0).astype(np.int64)
    value, size = improve_rank1_set(
        indptr, teams_of, lam, used, k, RANK1_MAX_UNITS, 10_000, inside, hits
    )
    chosen = set(np.flatnonzero(inside).tolist())
    assert size == len(chosen) and value == pytest.approx(violation(chosen, k))
    assert (hits == a[list(chosen)].sum(axis=0)).all()
    for u in used.tolist():
        other = chosen ^ {u}
        if k + 1 <= len(other) <= RANK1_MAX_UNITS:
            assert violation(other, k) <= value + 1e-6
