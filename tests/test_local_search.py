"""Tests of the local search engine (delta evaluation, incremental rule checks) and strategy."""

from __future__ import annotations

import time
from fractions import Fraction
from typing import Any

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from clnmatch.evaluate import evaluate, objective_milli
from clnmatch.problem import Problem
from clnmatch.search import chunking
from clnmatch.search.descent import descent as _descent
from clnmatch.search.descent import new_scratch
from clnmatch.search.descent import walk_steps as _walk_steps
from clnmatch.search.grouping import Grouping, build_grouping
from clnmatch.search.profile import concentrated_profile, reshape
from clnmatch.search.repair import repair
from clnmatch.search.rng import seed_array as _seed_array
from clnmatch.search.state import MOVES_ALL as _MOVES_ALL
from clnmatch.search.state import MOVES_KEEP_LOADS as _MOVES_KEEP_LOADS
from clnmatch.search.state import (
    apply_move,
    apply_swap,
    new_state,
)
from clnmatch.search.state import move_delta as _move_delta
from clnmatch.search.state import move_ok as _move_ok
from clnmatch.search.state import swap_delta as _swap_delta
from clnmatch.search.state import swap_ok as _swap_ok
from clnmatch.search.state import violation as _violation
from clnmatch.strategies.base import Budget
from clnmatch.strategies.local_search import LocalSearchStrategy, warm_up


def _reference_objective(grouping: Grouping, team: np.ndarray, focus: np.ndarray | None) -> int:
    """The evaluator's objective of a group assignment (``focus`` None: each team's best)."""
    problem = grouping.problem
    unit_team = grouping.to_units(np.asarray(team, dtype=np.int64))
    chosen = problem.best_focus(unit_team) if focus is None else focus
    return objective_milli(problem, unit_team, chosen)


def _moved(team: np.ndarray, changes: dict[int, int]) -> np.ndarray:
    out = np.array(team, dtype=np.int64)
    for g, t in changes.items():
        out[g] = t
    return out


def reference_move_delta(
    grouping: Grouping, team: np.ndarray, g: int, b: int, focus: np.ndarray | None = None
) -> int:
    """Plain numpy: objective change of moving group g to team b."""
    after = _moved(team, {g: b})
    return _reference_objective(grouping, after, focus) - _reference_objective(
        grouping, team, focus
    )


def reference_swap_delta(
    grouping: Grouping, team: np.ndarray, g: int, h: int, focus: np.ndarray | None = None
) -> int:
    """Plain numpy: objective change of swapping groups g and h."""
    after = _moved(team, {g: int(team[h]), h: int(team[g])})
    return _reference_objective(grouping, after, focus) - _reference_objective(
        grouping, team, focus
    )


@pytest.fixture(scope="module", autouse=True)
def compiled() -> None:
    """Compile (or load) the numba kernels once, so timings below measure the search only."""
    warm_up()


def make_problem(
    seed: int,
    n_units: int = 16,
    n_teams: int = 4,
    *,
    weights: tuple[int, int] = (1, 3),
    themes: int = 3,
    cap: int | None = None,
    side_rules: bool = True,
    locks: bool = True,
    simd: bool = True,
) -> tuple[Problem, np.ndarray]:
    """A random problem built around a hidden rule-abiding assignment (returned too).

    Every team of the hidden assignment holds >= 2 units, mixes sectors and authorities
    round-robin (so min 2 sectors, min 2 authorities and a share of 1/2 hold), and the
    weight bounds, pins, forbids, together and apart pairs are read off it.
    """
    rng = np.random.default_rng(seed)
    hidden = np.concatenate(
        [np.repeat(np.arange(n_teams), 2), rng.integers(0, n_teams, n_units - 2 * n_teams)]
    )
    hidden = rng.permutation(hidden).astype(np.int64)
    weight = rng.integers(weights[0], weights[1] + 1, n_units).astype(np.int64)
    load = np.bincount(hidden, weights=weight, minlength=n_teams).astype(np.int64)
    pair = rng.integers(-500, 1000, (n_units, n_units))
    pair = np.triu(pair, 1)
    pair = (pair + pair.T).astype(np.int64)
    sector = np.zeros(n_units, dtype=np.int64)
    authority = np.zeros(n_units, dtype=np.int64)
    for t in range(n_teams):
        members = np.flatnonzero(hidden == t)
        sector[members] = (rng.integers(0, 4) + np.arange(len(members))) % 4
        authority[members] = (rng.integers(0, 3) + np.arange(len(members))) % 3
    kwargs: dict[str, object] = {}
    if side_rules:
        kwargs.update(
            unit_sector=sector,
            sector_names=("ELC", "primary", "secondary", "special"),
            min_sectors=2,
            unit_authority=authority,
            authority_names=("A", "B", "C"),
            min_authorities=2,
            authority_share=Fraction(1, 2),
        )
    if locks:
        allowed = np.ones((n_units, n_teams), dtype=bool)
        allowed[0] = False
        allowed[0, hidden[0]] = True  # a pin
        other = int((hidden[1] + 1) % n_teams)
        allowed[1, other] = False  # a forbid
        same = [
            (u, v) for u in range(n_units) for v in range(u + 1, n_units) if hidden[u] == hidden[v]
        ]
        diff = [
            (u, v) for u in range(n_units) for v in range(u + 1, n_units) if hidden[u] != hidden[v]
        ]
        kwargs.update(
            allowed=allowed,
            together=np.array([same[int(rng.integers(len(same)))]], dtype=np.int64),
            apart=np.array([diff[int(rng.integers(len(diff)))]], dtype=np.int64),
        )
    if themes:
        kwargs.update(
            theme_milli=rng.integers(0, 5000, (n_units, themes)).astype(np.int64),
            theme_names=tuple(f"theme{k}" for k in range(themes)),
            max_teams_per_theme=cap,
        )
    if simd:
        kwargs.update(
            unit_challenge=rng.random(n_units) < 0.4,
            unit_affluent=rng.random(n_units) < 0.4,
            simd_milli=2000,
        )
    problem = Problem(
        unit_ids=tuple(f"u{u}" for u in range(n_units)),
        unit_weight=weight,
        team_min=np.maximum(load - 2, 1),
        team_max=load + 2,
        pair_milli=pair,
        constant_milli=7,
        **kwargs,  # type: ignore[arg-type]
    )
    assert evaluate(problem, hidden).feasible
    return problem, hidden


def mdgp(seed: int, n: int = 30, groups: int = 3) -> Problem:
    """An MDGPLIB-like instance: unit weights, equal team sizes, random pair gains."""
    rng = np.random.default_rng(seed)
    pair = np.triu(rng.integers(0, 100_000, (n, n)), 1)
    return Problem(
        unit_ids=tuple(str(i) for i in range(n)),
        unit_weight=np.ones(n, dtype=np.int64),
        team_min=np.full(groups, n // groups, dtype=np.int64),
        team_max=np.full(groups, n // groups, dtype=np.int64),
        pair_milli=(pair + pair.T).astype(np.int64),
    )


def mdgp_ds(seed: int, low: list[int], high: list[int], n: int, lowest_gain: int = 0) -> Problem:
    """An MDGPLIB ``ds``-like instance: team size bounds differ, pair gains >= ``lowest_gain``."""
    rng = np.random.default_rng(seed)
    pair = np.triu(rng.integers(lowest_gain, 100_000, (n, n)), 1)
    return Problem(
        unit_ids=tuple(str(i) for i in range(n)),
        unit_weight=np.ones(n, dtype=np.int64),
        team_min=np.asarray(low, dtype=np.int64),
        team_max=np.asarray(high, dtype=np.int64),
        pair_milli=(pair + pair.T).astype(np.int64),
    )


def snapshot(problem: Problem) -> dict[str, object]:
    return {
        k: (np.array(v, copy=True) if isinstance(v, np.ndarray) else v)
        for k, v in vars(problem).items()
    }


def same_problem(before: dict[str, object], problem: Problem) -> bool:
    for key, value in vars(problem).items():
        old = before[key]
        if isinstance(value, np.ndarray):
            if not np.array_equal(old, value):  # type: ignore[arg-type]
                return False
        elif old != value:
            return False
    return True


# --------------------------------------------------------------------------- delta evaluation
@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    seed=st.integers(0, 10_000),
    cap=st.sampled_from([None, 1, 2]),
    moves=st.lists(
        st.tuples(st.booleans(), st.integers(0, 10_000), st.integers(0, 10_000)),
        min_size=1,
        max_size=25,
    ),
)
def test_delta_matches_full_evaluation(
    seed: int, cap: int | None, moves: list[tuple[bool, int, int]]
) -> None:
    """Every move/swap delta equals a full re-evaluation (evaluate.objective_milli) and the numpy reference."""
    problem, _ = make_problem(seed, cap=cap)
    grouping = build_grouping(problem)
    m = grouping.model
    rng = np.random.default_rng(seed)
    state = new_state(grouping, rng.integers(0, problem.n_teams, grouping.n_groups))
    focus = state.focus.copy()  # fixed when the cap binds; argmax otherwise
    fixed = focus if m.obj.focus_fixed else None

    def full(team: np.ndarray) -> int:
        unit_team = grouping.to_units(team)
        chosen = focus if m.obj.focus_fixed else problem.best_focus(unit_team)
        return objective_milli(problem, unit_team, chosen)

    assert state.objective[0] == full(state.team)
    for is_swap, x, y in moves:
        g = x % grouping.n_groups
        team = state.team.copy()
        if is_swap:
            h = y % grouping.n_groups
            if team[h] == team[g]:
                continue
            delta = _swap_delta(m, state, g, h)
            assert delta == reference_swap_delta(grouping, team, g, h, fixed)
            booked = apply_swap(m, state, g, h)
        else:
            b = y % problem.n_teams
            if b == team[g]:
                continue
            delta = _move_delta(m, state, g, b)
            assert delta == reference_move_delta(grouping, team, g, b, fixed)
            booked = apply_move(m, state, g, b)
        assert booked == delta
        assert delta == full(state.team) - full(team)
        assert state.objective[0] == full(state.team)
    fresh = new_state(grouping, state.team)
    if m.obj.focus_fixed:  # a fresh state re-optimises the focus: same assignment, other focus
        fresh.focus[:] = focus
    for name in (
        "load",
        "sums",
        "labels",
        "gain",
        "theme_sum",
        "n_challenge",
        "n_affluent",
    ):
        assert np.array_equal(getattr(state, name), getattr(fresh, name)), name


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    seed=st.integers(0, 10_000),
    trials=st.lists(st.tuples(st.integers(0, 999), st.integers(0, 999)), min_size=5, max_size=30),
)
def test_incremental_rule_checks_match_evaluate(seed: int, trials: list[tuple[int, int]]) -> None:
    """From a rule-abiding state, _move_ok/_swap_ok agree with evaluate on the moved assignment."""
    problem, hidden = make_problem(seed)
    grouping = build_grouping(problem)
    m = grouping.model
    state = new_state(grouping, grouping.from_units(hidden))
    assert _violation(m, state) == 0
    for x, y in trials:
        g = x % grouping.n_groups
        team = state.team.copy()
        b = y % problem.n_teams
        if b != team[g]:
            moved = team.copy()
            moved[g] = b
            assert _move_ok(m, state, g, b) == evaluate(problem, grouping.to_units(moved)).feasible
        h = y % grouping.n_groups
        if team[h] != team[g]:
            swapped = team.copy()
            swapped[g], swapped[h] = team[h], team[g]
            assert (
                _swap_ok(m, state, g, h) == evaluate(problem, grouping.to_units(swapped)).feasible
            )


@settings(max_examples=40, deadline=None)
@given(seed=st.integers(0, 10_000))
def test_violation_is_zero_exactly_when_evaluate_finds_no_breach(seed: int) -> None:
    """The repair's violation measure is 0 iff evaluate reports no breach (random assignments)."""
    problem, hidden = make_problem(seed, n_units=10, n_teams=3)
    grouping = build_grouping(problem)
    rng = np.random.default_rng(seed)
    for team in (grouping.from_units(hidden), rng.integers(0, 3, grouping.n_groups)):
        state = new_state(grouping, team, with_objective=False)
        feasible = evaluate(problem, grouping.to_units(team)).feasible
        assert (_violation(grouping.model, state) == 0) == feasible


# --------------------------------------------------------------------------- repair
@pytest.mark.parametrize("seed", range(6))
def test_repair_reaches_a_breach_free_assignment(seed: int) -> None:
    """repair turns a random assignment into one evaluate accepts, keeping the input intact."""
    problem, _ = make_problem(seed, n_units=24, n_teams=5)
    rng = np.random.default_rng(seed)
    start = rng.integers(0, problem.n_teams, problem.n_units)
    kept = start.copy()
    fixed = repair(problem, start, rng, time.perf_counter() + 10)
    assert fixed is not None
    assert evaluate(problem, fixed).feasible
    assert np.array_equal(start, kept)


def test_repair_gives_up_on_contradictory_rules() -> None:
    """A pair that must be both together and apart cannot be repaired: None, quickly."""
    problem, hidden = make_problem(1, locks=False)
    pair = np.array([[2, 3]], dtype=np.int64)
    contradictory = Problem(**{**vars(problem), "together": pair, "apart": pair})
    assert repair(contradictory, hidden, np.random.default_rng(0), time.perf_counter() + 5) is None
    proposal = LocalSearchStrategy().run(contradictory, Budget(time_limit=2, seed=0))
    assert proposal.unit_team is None


def test_repair_stops_at_the_deadline() -> None:
    """An impossible weight rule (every team too heavy) is abandoned at the deadline."""
    problem = Problem(**{**vars(mdgp(0)), "team_max": np.full(3, 5, dtype=np.int64)})
    tick = time.perf_counter()
    assert (
        repair(problem, np.zeros(30, dtype=np.int64), np.random.default_rng(0), tick + 0.5) is None
    )
    assert time.perf_counter() - tick < 2.5


# --------------------------------------------------------------------------- strategy
@pytest.mark.parametrize("seed", range(4))
def test_local_search_is_breach_free_with_side_rules(seed: int) -> None:
    """Weighted units (1-3), sectors, authorities, share cap, pin, forbid, together, apart: no breach."""
    problem, _ = make_problem(seed, n_units=20, n_teams=4, cap=1 if seed % 2 else None)
    before = snapshot(problem)
    proposal = LocalSearchStrategy(max_iterations=400).run(problem, Budget(time_limit=5, seed=seed))
    assert proposal.unit_team is not None
    evaluation = evaluate(problem, proposal.unit_team, proposal.team_focus)
    assert evaluation.feasible, evaluation.summary_line()
    assert same_problem(before, problem)


def test_local_search_beats_its_start_on_mdgp() -> None:
    """On an MDGP-like instance the search ends no worse than its first trace point."""
    problem = mdgp(3, n=45, groups=5)
    proposal = LocalSearchStrategy(max_iterations=3000).run(problem, Budget(time_limit=5, seed=1))
    assert proposal.unit_team is not None
    values = [p.objective for p in proposal.trace]
    assert values == sorted(values)
    assert evaluate(problem, proposal.unit_team).objective == pytest.approx(values[-1])


def test_local_search_finds_the_optimum_of_a_tiny_instance() -> None:
    """4 units in 2 teams of 2 with one strong pair per team: the search finds both pairs."""
    pair = np.zeros((4, 4), dtype=np.int64)
    pair[0, 3] = pair[3, 0] = 10
    pair[1, 2] = pair[2, 1] = 10
    pair[0, 1] = pair[1, 0] = 1
    problem = Problem(
        unit_ids=("a", "b", "c", "d"),
        unit_weight=np.ones(4, dtype=np.int64),
        team_min=np.full(2, 2, dtype=np.int64),
        team_max=np.full(2, 2, dtype=np.int64),
        pair_milli=pair,
    )
    proposal = LocalSearchStrategy(max_iterations=100).run(problem, Budget(time_limit=5, seed=0))
    assert proposal.unit_team is not None
    team = proposal.unit_team
    assert team[0] == team[3] and team[1] == team[2] and team[0] != team[1]


def test_same_seed_same_answer_when_iterations_bind() -> None:
    """With max_iterations binding, two runs with one seed give the same assignment."""
    problem, _ = make_problem(11, n_units=24, n_teams=4)
    runs = [
        LocalSearchStrategy(max_iterations=600)
        .run(problem, Budget(time_limit=30, seed=4))
        .unit_team
        for _ in range(2)
    ]
    assert runs[0] is not None and runs[1] is not None
    assert np.array_equal(runs[0], runs[1])


def test_time_limit_is_honoured() -> None:
    """A 1 s run on a 90-unit instance returns within the limit plus 2 s."""
    problem = mdgp(5, n=90, groups=6)
    tick = time.perf_counter()
    proposal = LocalSearchStrategy().run(problem, Budget(time_limit=1.0, seed=0))
    assert time.perf_counter() - tick < 3.0
    assert proposal.unit_team is not None
    assert evaluate(problem, proposal.unit_team).feasible


def test_warm_start_is_used_and_not_modified() -> None:
    """A rule-abiding warm start is the start; the search returns something at least as good."""
    problem, hidden = make_problem(2, n_units=20, n_teams=4)
    warm = hidden.copy()
    proposal = LocalSearchStrategy(max_iterations=200).run(
        problem, Budget(time_limit=5, seed=0, warm_start=warm)
    )
    assert "started from the warm start" in proposal.notes
    assert np.array_equal(warm, hidden)
    assert proposal.unit_team is not None
    assert (
        evaluate(problem, proposal.unit_team).objective_milli
        >= evaluate(problem, hidden).objective_milli
    )


def test_stops_once_it_meets_a_proven_bound() -> None:
    """A target the warm start already meets (a proven bound) ends the search before any
    step; an unreachable one leaves the step budget spent."""
    problem, hidden = make_problem(2, n_units=20, n_teams=4)
    start = evaluate(problem, hidden).objective_milli
    met = LocalSearchStrategy(max_iterations=500).run(
        problem, Budget(time_limit=5, seed=0, warm_start=hidden, target_milli=start)
    )
    assert "0 tabu steps" in met.notes
    assert met.unit_team is not None and np.array_equal(met.unit_team, hidden)
    unmet = LocalSearchStrategy(max_iterations=500).run(
        problem, Budget(time_limit=5, seed=0, warm_start=hidden, target_milli=10**12)
    )
    assert "500 tabu steps" in unmet.notes


def test_progress_is_reported() -> None:
    """The budget's progress callback hears about every new best."""
    seen: list[float | None] = []
    problem = mdgp(1)
    budget = Budget(time_limit=5, seed=0, progress=lambda p: seen.append(p.objective))
    proposal = LocalSearchStrategy(max_iterations=300).run(problem, budget)
    assert seen and seen[-1] == pytest.approx(proposal.trace[-1].objective)


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("max_iterations", -1),
        ("population", 0),
        ("depth", 0),
        ("tenure_span", 0),
        ("perturbation", (0.5, 0.1)),
        ("walk_share", 1.5),
        ("walk_slack", -0.1),
    ],
)
def test_bad_parameters_are_refused_by_name(name: str, value: object) -> None:
    """A bad parameter raises InvalidParameterError naming it."""
    from clnmatch.errors import InvalidParameterError

    with pytest.raises(InvalidParameterError, match=name):
        LocalSearchStrategy(**{name: value}).run(mdgp(0), Budget(time_limit=1, seed=0))  # type: ignore[arg-type]


def test_answer_does_not_depend_on_how_steps_are_chunked(monkeypatch: pytest.MonkeyPatch) -> None:
    """Kernels are resumable: one step per kernel call gives the same answer as big chunks."""
    problem, _ = make_problem(21, n_units=24, n_teams=4)
    strategy = LocalSearchStrategy(max_iterations=300)
    default = strategy.run(problem, Budget(time_limit=30, seed=2)).unit_team
    monkeypatch.setattr(chunking, "next_chunk", lambda chunk, spent, target=0.03: 1)
    stepwise = strategy.run(problem, Budget(time_limit=30, seed=2)).unit_team
    assert default is not None and stepwise is not None
    assert np.array_equal(default, stepwise)


@pytest.mark.parametrize("max_iterations", [100, None])
def test_nothing_to_move_returns_promptly(max_iterations: int | None) -> None:
    """One team leaves no move or swap: the search (tabu search and iterated descent) stops
    at once instead of idling to the limit."""
    problem = Problem(**{**vars(mdgp(0, n=6, groups=1))})
    tick = time.perf_counter()
    proposal = LocalSearchStrategy(max_iterations=max_iterations).run(
        problem, Budget(time_limit=30, seed=0)
    )
    assert time.perf_counter() - tick < 5
    assert proposal.unit_team is not None and proposal.unit_team.tolist() == [0] * 6


@given(st.lists(st.tuples(st.integers(0, 4), st.integers(0, 4)), min_size=1, max_size=4), st.data())
@settings(max_examples=60, deadline=None)
def test_concentrated_profile_has_the_largest_sum_of_squares(
    bounds: list[tuple[int, int]], data: st.DataObject
) -> None:
    """Against every profile within the bounds (brute force)."""
    import itertools

    low = [min(a, b) for a, b in bounds]
    high = [max(a, b) for a, b in bounds]
    n = data.draw(st.integers(max(2, sum(low)), max(2, sum(high))))
    if sum(low) > n or sum(high) < n or low == high:
        return
    profiles = [
        p
        for p in itertools.product(*(range(a, b + 1) for a, b in zip(low, high, strict=True)))
        if sum(p) == n
    ]
    problem = mdgp_ds(0, low, high, n)
    profile = concentrated_profile(build_grouping(problem).model)
    assert profile is not None
    assert sum(profile) == n
    assert all(a <= s <= b for a, s, b in zip(low, profile, high, strict=True))
    assert sum(int(s) ** 2 for s in profile) == max(sum(s * s for s in p) for p in profiles)


def test_concentrated_profile_only_where_concentration_pays() -> None:
    ds = mdgp_ds(1, [2, 2, 2], [5, 5, 5], 10)
    assert concentrated_profile(build_grouping(ds).model) is not None
    assert (
        concentrated_profile(build_grouping(mdgp(1, n=12, groups=3)).model) is None
    )  # equal sizes
    signed = mdgp_ds(1, [2, 2, 2], [5, 5, 5], 10)
    signed.pair_milli[0, 1] = signed.pair_milli[1, 0] = -1
    assert concentrated_profile(build_grouping(signed).model) is None  # a negative pair gain
    weighted, _ = make_problem(
        2, n_units=12, n_teams=3, side_rules=False, locks=False, themes=0, simd=False
    )
    assert concentrated_profile(build_grouping(weighted).model) is None  # weights 1-3


def test_reshape_reaches_the_profile_and_keeps_the_rules() -> None:
    """From the most even assignment, reshape reaches the target sizes; evaluate agrees."""
    problem = mdgp_ds(4, [3, 3, 3, 3], [9, 9, 9, 9], 24)
    grouping = build_grouping(problem)
    target = concentrated_profile(grouping.model)
    assert target is not None and sorted(target.tolist()) == [3, 3, 9, 9]
    even = np.repeat(np.arange(4), 6).astype(np.int64)
    shaped = reshape(grouping, even, target)
    assert np.bincount(shaped, minlength=4).tolist() == target.tolist()
    assert evaluate(problem, grouping.to_units(shaped)).feasible
    assert even.tolist() == np.repeat(np.arange(4), 6).tolist()  # the input is not modified


def test_local_search_finds_the_concentrated_profile() -> None:
    """A ds instance whose greedy start is even: the answer has the largest sum of squares."""
    problem = mdgp_ds(5, [4, 4, 4, 4], [10, 10, 10, 10], 28)
    proposal = LocalSearchStrategy(max_iterations=2000).run(problem, Budget(time_limit=10, seed=0))
    assert proposal.unit_team is not None
    sizes = np.bincount(proposal.unit_team, minlength=4)
    assert sorted(sizes.tolist()) == [4, 4, 10, 10]


# --------------------------------------------------------------------------- iterated descent
def plain_problems() -> list[tuple[Problem, np.ndarray]]:
    """Problems without side rules (where the iterated descent runs), each with a rule-abiding start."""
    weighted, hidden = make_problem(
        6, n_units=20, n_teams=4, side_rules=False, locks=False, themes=0, simd=False
    )
    return [
        (mdgp(3, n=24, groups=4), np.repeat(np.arange(4), 6)),
        (mdgp_ds(3, [3, 3, 3, 3], [9, 9, 9, 9], 24), np.repeat(np.arange(4), [4, 5, 6, 9])),
        (weighted, hidden),
        # negative gains: the descent's pruning bound must use the smallest pair gain
        (
            mdgp_ds(4, [3, 3, 3, 3], [9, 9, 9, 9], 24, -80_000),
            np.repeat(np.arange(4), [4, 5, 6, 9]),
        ),
    ]


def trades_loads(m: Any, state: Any, g: int, b: int) -> bool:
    """Moving ``g`` to ``b`` leaves the two teams with each other's load."""
    return bool(state.load[b] + m.weight[g] == state.load[state.team[g]])


@pytest.mark.parametrize("moves", [_MOVES_ALL, _MOVES_KEEP_LOADS])
@pytest.mark.parametrize("case", range(4))
def test_descent_ends_at_a_local_optimum(case: int, moves: int) -> None:
    """After ``_descent`` no rule-keeping move (of the kind asked for) or swap gains (numpy
    reference deltas), and the objective it tracked is the evaluator's. With unit weights,
    load-trading moves (and swaps) keep the multiset of team loads."""
    problem, start = plain_problems()[case]
    grouping = build_grouping(problem)
    m = grouping.model
    state = new_state(grouping, grouping.from_units(start))
    before, loads = state.objective[0], sorted(state.load.tolist())
    sc = new_scratch(grouping.n_groups, problem.n_teams)
    _descent(m, state, _seed_array(np.random.default_rng(case)), moves, sc)
    team = state.team.copy()
    assert (
        state.objective[0] == evaluate(problem, grouping.to_units(team)).objective_milli >= before
    )
    assert evaluate(problem, grouping.to_units(team)).feasible
    if moves == _MOVES_KEEP_LOADS and (m.weight == 1).all():
        assert sorted(state.load.tolist()) == loads
    for g in range(grouping.n_groups):
        for b in range(problem.n_teams):
            if b == team[g] or not _move_ok(m, state, g, b):
                continue
            if moves == _MOVES_ALL or trades_loads(m, state, g, b):
                assert reference_move_delta(grouping, team, g, b) <= 0
        for h in range(g + 1, grouping.n_groups):
            if team[h] != team[g] and _swap_ok(m, state, g, h):
                assert reference_swap_delta(grouping, team, g, h) <= 0


@pytest.mark.parametrize("moves", [_MOVES_ALL, _MOVES_KEEP_LOADS])
@pytest.mark.parametrize("case", range(4))
def test_walk_keeps_its_books_and_the_rules(case: int, moves: int) -> None:
    """Kicks, descents, rejections (restores) and restarts: the state still equals a fresh one
    for the walk's assignment, and the best it reports is rule-abiding with that objective.
    With unit weights and load-trading moves, the multiset of team loads never changes."""
    problem, start = plain_problems()[case]
    grouping = build_grouping(problem)
    m = grouping.model
    state = new_state(grouping, grouping.from_units(start))
    loads = sorted(state.load.tolist())
    walk, best = state.team.copy(), state.team.copy()
    ws = np.array([state.objective[0], state.objective[0], 0, 0], dtype=np.int64)
    rs = _seed_array(np.random.default_rng(case))
    sc = new_scratch(grouping.n_groups, problem.n_teams)
    # a zero slack rejects most kicks; a restart every 7 steps exercises the return to the best
    assert _walk_steps(m, state, rs, walk, best, ws, sc, 300, 2, 5, 0.3, moves, 0, 7) == 300
    if moves == _MOVES_KEEP_LOADS and (m.weight == 1).all():
        for team in (walk, best):
            team_loads = np.bincount(team, weights=m.weight, minlength=problem.n_teams)
            assert sorted(team_loads.astype(int).tolist()) == loads
    assert np.array_equal(state.team, walk)
    fresh = new_state(grouping, walk)
    assert ws[0] == state.objective[0] == fresh.objective[0]
    for name in ("load", "sums", "gain"):
        assert np.array_equal(getattr(state, name), getattr(fresh, name)), name
    assert evaluate(problem, grouping.to_units(best)).feasible
    assert evaluate(problem, grouping.to_units(best)).objective_milli == ws[1] >= ws[0]


def test_walk_with_load_trading_moves_changes_which_team_has_which_load() -> None:
    """The walk does make load-trading moves: per-team loads change, their multiset does not."""
    problem, start = plain_problems()[1]
    grouping = build_grouping(problem)
    m = grouping.model
    state = new_state(grouping, grouping.from_units(start))
    walk, best = state.team.copy(), state.team.copy()
    ws = np.array([state.objective[0], state.objective[0], 0, 0], dtype=np.int64)
    rs = _seed_array(np.random.default_rng(0))
    sc = new_scratch(grouping.n_groups, problem.n_teams)
    seen = set()
    for _ in range(30):
        _walk_steps(m, state, rs, walk, best, ws, sc, 10, 2, 5, 0.3, _MOVES_KEEP_LOADS, 10**9, 3000)
        seen.add(tuple(state.load.tolist()))
    assert len(seen) > 1
    assert {tuple(sorted(loads)) for loads in seen} == {(4, 5, 6, 9)}


def test_iterated_descent_runs_only_on_problems_without_side_rules() -> None:
    """Its kicks are reported; a problem with side rules, or walk_share=0, stays with tabu search."""
    plain = LocalSearchStrategy(max_iterations=400).run(mdgp(2), Budget(time_limit=30, seed=0))
    assert "200 tabu steps" in plain.notes and "200 kicks of the iterated descent" in plain.notes
    off = LocalSearchStrategy(max_iterations=400, walk_share=0.0).run(
        mdgp(2), Budget(time_limit=30, seed=0)
    )
    assert "400 tabu steps" in off.notes and not any("kicks" in note for note in off.notes)
    ruled, _ = make_problem(3, n_units=20, n_teams=4)
    with_rules = LocalSearchStrategy(max_iterations=400).run(ruled, Budget(time_limit=30, seed=0))
    assert "400 tabu steps" in with_rules.notes and not any(
        "kicks" in note for note in with_rules.notes
    )


def test_iterated_descent_is_reproducible_and_independent_of_chunking(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Same seed, same answer, whether kernel calls take one step or many."""
    problem = mdgp_ds(7, [4, 4, 4, 4], [12, 12, 12, 12], 36)
    strategy = LocalSearchStrategy(max_iterations=600)
    runs = [strategy.run(problem, Budget(time_limit=30, seed=5)).unit_team for _ in range(2)]
    monkeypatch.setattr(chunking, "next_chunk", lambda chunk, spent, target=0.03: 1)
    runs.append(strategy.run(problem, Budget(time_limit=30, seed=5)).unit_team)
    assert runs[0] is not None and all(np.array_equal(runs[0], run) for run in runs)
    assert evaluate(problem, runs[0]).feasible
