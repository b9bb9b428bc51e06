"""Tests of the exact CP-SAT strategy (clnmatch.strategies.cpsat)."""

from __future__ import annotations

import time
from fractions import Fraction

import numpy as np
import pytest
from ortools.sat.python import cp_model

from clnmatch.evaluate import evaluate, objective_milli
from clnmatch.models import Cohort, Establishment, Practitioner, Rules
from clnmatch.problem import Problem
from clnmatch.strategies import Budget, get_strategy
from clnmatch.strategies.cpsat import (
    CpSatModel,
    CpSatStrategy,
    build_model,
    canonical_labels,
    teams_symmetric,
)

SECTORS = ("ELC", "primary", "secondary", "special")


# --------------------------------------------------------------------------- builders
def tiny_problem(
    theme: list[list[int]],
    team_size: tuple[int, int],
    n_teams: int,
    **kw: object,
) -> Problem:
    """A Problem straight from arrays: unit weights 1, no pair terms unless given."""
    n_units = len(theme)
    fields: dict[str, object] = {
        "unit_ids": tuple(f"U{u}" for u in range(n_units)),
        "unit_weight": np.ones(n_units, dtype=np.int64),
        "team_min": np.full(n_teams, team_size[0], dtype=np.int64),
        "team_max": np.full(n_teams, team_size[1], dtype=np.int64),
        "pair_milli": np.zeros((n_units, n_units), dtype=np.int64),
        "theme_milli": 1000 * np.array(theme, dtype=np.int64),
        "theme_names": tuple(f"T{k}" for k in range(len(theme[0]))),
    }
    fields.update(kw)
    return Problem(**fields)  # type: ignore[arg-type]


def random_problem(n_units: int, n_teams: int, seed: int, *, themes: int = 3) -> Problem:
    """Random weights, pairs of both signs, themes and SIMD; no side rules."""
    rng = np.random.default_rng(seed)
    pair = rng.integers(-400, 600, size=(n_units, n_units))
    pair = np.triu(pair, 1)
    pair = pair + pair.T
    weight = rng.integers(1, 3, size=n_units)
    total = int(weight.sum())
    return Problem(
        unit_ids=tuple(f"U{u}" for u in range(n_units)),
        unit_weight=weight.astype(np.int64),
        team_min=np.full(n_teams, total // n_teams - 1, dtype=np.int64),
        team_max=np.full(n_teams, total // n_teams + 2, dtype=np.int64),
        pair_milli=pair.astype(np.int64),
        constant_milli=1234,
        theme_milli=rng.integers(0, 6, size=(n_units, themes)).astype(np.int64) * 1000,
        theme_names=tuple(f"T{k}" for k in range(themes)),
        unit_challenge=rng.random(n_units) < 0.4,
        unit_affluent=rng.random(n_units) < 0.3,
        simd_milli=2000,
    )


def cohort(n_est: int, seed: int, *, authorities: int = 4, themes: int = 4) -> Cohort:
    """A random cohort: two nominees per establishment, every sector and authority used."""
    rng = np.random.default_rng(seed)
    ests, pracs = [], []
    for i in range(n_est):
        ests.append(
            Establishment(
                id=f"E{i:02d}",
                name=f"School {i}",
                authority=f"Authority {i % authorities}",
                sector=SECTORS[(i // authorities) % len(SECTORS)],
                simd_quintile=int(rng.integers(1, 6)),
                latitude=55.8 + 0.1 * rng.normal(),
                longitude=-4.2 + 0.1 * rng.normal(),
            )
        )
        for j in range(2):
            pracs.append(
                Practitioner(
                    id=f"P{i:02d}{j}",
                    name="anon",
                    establishment_id=f"E{i:02d}",
                    role="promoted" if j == 0 else "practitioner",
                    interests=tuple(int(r) for r in rng.integers(0, 6, size=themes)),
                )
            )
    return Cohort(
        themes=tuple(f"Theme {k}" for k in range(themes)),
        establishments=tuple(ests),
        practitioners=tuple(pracs),
    )


def run(problem: Problem, time_limit: float = 5.0, seed: int = 0, **kw: object):  # noqa: ANN201
    """Solve without the greedy warm start (so tests do not depend on another strategy)."""
    kw.setdefault("warm_start", False)
    return CpSatStrategy(**kw).run(problem, Budget(time_limit=time_limit, seed=seed))  # type: ignore[arg-type]


def assert_valid(problem: Problem, proposal) -> int:  # noqa: ANN001
    """The proposal breaks no rule and its bound is not below its objective."""
    assert proposal.unit_team is not None
    ev = evaluate(problem, proposal.unit_team, proposal.team_focus)
    assert ev.feasible, ev.summary_line()
    if proposal.bound_milli is not None:
        assert proposal.bound_milli >= ev.objective_milli
    return ev.objective_milli


# --------------------------------------------------------------------------- optimum by hand
def test_focus_optimum_known_by_hand() -> None:
    """Units 0,1 love theme 0 and 2,3 theme 1: pairing them is the proven optimum 16."""
    problem = tiny_problem([[5, 0], [5, 0], [0, 3], [0, 3]], (2, 2), 2)
    proposal = run(problem)
    assert proposal.proven_optimal
    assert assert_valid(problem, proposal) == 16_000
    assert proposal.bound_milli == 16_000
    team = proposal.unit_team
    assert team[0] == team[1] and team[2] == team[3] and team[0] != team[2]
    assert proposal.team_focus[team[0]] == 0 and proposal.team_focus[team[2]] == 1


def test_theme_cap_changes_the_optimum() -> None:
    """With one team per theme, the pair that also likes theme 1 takes it: 8 + 10 = 18."""
    theme = [[5, 4], [5, 4], [5, 0], [5, 0]]
    assert run(tiny_problem(theme, (2, 2), 2)).bound_milli == 20_000
    problem = tiny_problem(theme, (2, 2), 2, max_teams_per_theme=1)
    proposal = run(problem)
    assert proposal.proven_optimal and assert_valid(problem, proposal) == 18_000
    team, focus = proposal.unit_team, proposal.team_focus
    assert team[0] == team[1] and focus[team[0]] == 1


def test_simd_and_pairs_known_by_hand() -> None:
    """A SIMD mix (+4) beats keeping a liked pair (+5) beside a disliked one (-3)."""
    pair = np.zeros((4, 4), dtype=np.int64)
    pair[0, 1] = pair[1, 0] = 5000
    pair[2, 3] = pair[3, 2] = -3000
    problem = tiny_problem(
        [[0], [0], [0], [0]],
        (2, 2),
        2,
        pair_milli=pair,
        constant_milli=7,
        unit_challenge=np.array([False, False, True, True]),
        unit_affluent=np.array([True, False, False, False]),
        simd_milli=4000,
    )
    # {0,1}{2,3}: 5 - 3 = 2; {0,2}{1,3} and {0,3}{1,2}: one mixed team = 4; plus 0.007
    proposal = run(problem)
    assert proposal.proven_optimal
    assert assert_valid(problem, proposal) == 4007 == proposal.bound_milli
    assert proposal.unit_team[0] != proposal.unit_team[1]


# --------------------------------------------------------------------------- exactness
@pytest.mark.parametrize("focus_form", ["z", "zv", "v", "compact"])
def test_model_objective_equals_evaluator_for_fixed_assignments(focus_form: str) -> None:
    """Fixing x to any assignment, the model's optimum is evaluate's objective (best focus)."""
    problem = random_problem(9, 3, seed=3)
    rng = np.random.default_rng(0)
    for _ in range(3):
        unit_team = rng.permutation(np.arange(9) % 3).astype(np.int64)
        cpm = build_model(problem, symmetry=False, focus_form=focus_form)  # type: ignore[arg-type]
        cpm.fix_units(range(9), unit_team)
        solver = cp_model.CpSolver()
        solver.parameters.num_workers = 1
        solver.parameters.max_time_in_seconds = 5
        assert solver.solve(cpm.model) == cp_model.OPTIMAL
        expected = objective_milli(problem, unit_team, problem.best_focus(unit_team))
        assert int(solver.objective_value) == expected
        decoded, focus = cpm.decode(solver.response_proto.solution)
        assert np.array_equal(decoded, unit_team)
        assert objective_milli(problem, decoded, focus) == expected


def test_focus_forms_agree_on_the_optimum() -> None:
    """Every focus formulation proves the same optimum on a small cohort."""
    problem = Problem.from_cohort(cohort(12, seed=14), Rules(teams=3, min_authorities=2), "focus")
    optima = set()
    for form in ("v", "z", "zv", "compact"):
        proposal = run(problem, time_limit=10, focus_form=form)
        assert proposal.proven_optimal, form
        optima.add(assert_valid(problem, proposal))
    assert len(optima) == 1


def test_solver_objective_equals_evaluator_at_the_optimum() -> None:
    """On a small blend cohort solved to optimality, CP-SAT's objective is evaluate's."""
    problem = Problem.from_cohort(cohort(8, seed=1), Rules(teams=2, min_authorities=2), "blend")
    cpm = build_model(problem)
    solver = cp_model.CpSolver()
    solver.parameters.num_workers = 1
    solver.parameters.max_time_in_seconds = 10
    assert solver.solve(cpm.model) == cp_model.OPTIMAL
    unit_team, focus = cpm.decode(solver.response_proto.solution)
    ev = evaluate(problem, unit_team, focus)
    assert ev.feasible
    assert ev.objective_milli == int(solver.objective_value)


def test_hint_is_a_complete_feasible_solution() -> None:
    """A rule-abiding warm start hinted with its auxiliaries is accepted as it stands."""
    problem = Problem.from_cohort(cohort(12, seed=2), Rules(teams=3, min_authorities=2), "blend")
    found = run(problem, time_limit=5)
    start = assert_valid(problem, found)
    cpm = build_model(problem)
    cpm.hint(found.unit_team)
    proto = cpm.model.proto
    for index, value in zip(proto.solution_hint.vars, proto.solution_hint.values, strict=True):
        cpm.model.add(cpm.model.get_int_var_from_proto_index(index) == value)
    solver = cp_model.CpSolver()
    solver.parameters.num_workers = 1
    assert solver.solve(cpm.model) == cp_model.OPTIMAL
    assert int(solver.objective_value) == start


def test_bound_with_pairs_left_out_is_still_valid() -> None:
    """Modelling only the strongest pairs (or none) keeps the bound above the true optimum."""
    problem = random_problem(10, 2, seed=5, themes=2)
    full = run(problem, time_limit=10)
    assert full.proven_optimal
    optimum = assert_valid(problem, full)
    for kw in ({"pair_terms": "none"}, {"pair_var_limit": 40}):
        partial = run(problem, time_limit=3, **kw)
        assert assert_valid(problem, partial) <= optimum
        assert partial.bound_milli is not None and partial.bound_milli >= optimum
        assert any("left out" in n for n in partial.notes)


# --------------------------------------------------------------------------- rules
def test_locks_are_obeyed() -> None:
    """Pins, forbidden teams, keep-apart and keep-together all hold in the answer."""
    rules = Rules(
        teams=3,
        min_authorities=2,
        pins={"E00": 3, "E05": 1},
        forbidden=(("E01", 1), ("E01", 2)),
        apart=(("E02", "E03"), ("E06", "E07")),
        together=(("E04", "E08"), ("E09", "E10")),
    )
    problem = Problem.from_cohort(cohort(12, seed=4), rules, "blend")
    proposal = run(problem, time_limit=5)
    assert_valid(problem, proposal)
    team = {uid: int(t) + 1 for uid, t in zip(problem.unit_ids, proposal.unit_team, strict=True)}
    assert team["E00"] == 3 and team["E05"] == 1 and team["E01"] == 3
    assert team["E02"] != team["E03"] and team["E06"] != team["E07"]
    assert team["E04"] == team["E08"] and team["E09"] == team["E10"]


def test_authority_share_uses_the_floor() -> None:
    """Share 1/2 of a 3-unit team allows 1 unit of an authority, as evaluate counts it."""
    problem = tiny_problem(
        [[1]] * 6,
        (3, 3),
        2,
        unit_authority=np.array([0, 0, 1, 1, 2, 2]),
        authority_names=("A", "B", "C"),
        authority_share=Fraction(1, 2),
    )
    proposal = run(problem)
    assert_valid(problem, proposal)
    for t in range(2):
        members = problem.unit_authority[proposal.unit_team == t]
        assert np.bincount(members).max() == 1


@pytest.mark.parametrize(
    ("kw", "expected"),
    [
        # one authority holds 5 of 6 units; share 1/2 needs as many others in every team
        (
            {
                "unit_authority": np.array([0, 0, 0, 0, 0, 1]),
                "authority_names": ("A", "B"),
                "authority_share": Fraction(1, 2),
            },
            ("max_authority_share",),
        ),
        # two sectors per team, one sector in the cohort
        (
            {"unit_sector": np.zeros(6, dtype=np.int64), "sector_names": SECTORS, "min_sectors": 2},
            ("min_sectors",),
        ),
        # the same pair kept together and apart
        ({"together": np.array([[0, 1]]), "apart": np.array([[1, 0]])}, ("together", "apart")),
        # two units pinned to team 1 that holds only one unit
        ({"allowed": np.array([[True, False]] * 2 + [[True, True]] * 4)}, ("team_size", "pin")),
    ],
)
def test_planted_conflict_is_named(kw: dict[str, object], expected: tuple[str, ...]) -> None:
    """An impossible rule set is proven infeasible and the core names exactly the rules."""
    if "allowed" in kw:
        kw = {**kw, "team_min": np.array([1, 1]), "team_max": np.array([1, 5])}
    problem = tiny_problem([[1]] * 6, (1, 5), 2, **kw)
    proposal = run(problem)
    assert proposal.unit_team is None
    assert proposal.proven_infeasible
    assert set(proposal.conflicting_rules) == set(expected)


def test_cohort_with_too_few_sectors_names_min_sectors() -> None:
    """A real cohort where every school is primary cannot have two sectors per team."""
    base = cohort(8, seed=6)
    ests = tuple(
        Establishment.model_validate({**e.model_dump(), "sector": "primary"})
        for e in base.establishments
    )
    one_sector = Cohort(themes=base.themes, establishments=ests, practitioners=base.practitioners)
    problem = Problem.from_cohort(one_sector, Rules(teams=2, min_authorities=2), "focus")
    proposal = run(problem)
    assert proposal.proven_infeasible
    assert proposal.conflicting_rules == ("min_sectors",)


def test_too_few_units_for_the_teams_names_teams() -> None:
    """Three units cannot fill four non-empty teams."""
    problem = tiny_problem([[1]] * 3, (0, 3), 4)
    proposal = run(problem)
    assert proposal.proven_infeasible
    assert proposal.conflicting_rules == ("teams",)


# --------------------------------------------------------------------------- behaviour
def test_same_seed_same_assignment() -> None:
    """Two runs with one seed return the same assignment and focus."""
    problem = Problem.from_cohort(cohort(12, seed=7), Rules(teams=3, min_authorities=2), "focus")
    first = run(problem, seed=11)
    second = run(problem, seed=11)
    assert first.proven_optimal and second.proven_optimal
    assert np.array_equal(first.unit_team, second.unit_team)
    assert np.array_equal(first.team_focus, second.team_focus)


def test_time_limit_is_honoured() -> None:
    """A 60-unit blend instance with a 1 s limit returns soon after the limit.

    The warm start's kernels are compiled first: one-off compilation is not search time.
    """
    problem = Problem.from_cohort(
        cohort(60, seed=8, authorities=8, themes=8), Rules(teams=8), "blend"
    )
    CpSatStrategy().warm_up()
    start = time.perf_counter()
    proposal = run(problem, time_limit=1.0)
    elapsed = time.perf_counter() - start
    assert elapsed < 1.0 + 3.0
    if proposal.unit_team is not None:
        assert_valid(problem, proposal)


def test_warm_start_is_used_and_trace_recorded() -> None:
    """A given warm start is noted; the trace and progress reports carry objective and bound."""
    problem = Problem.from_cohort(cohort(12, seed=9), Rules(teams=3, min_authorities=2), "blend")
    first = run(problem, time_limit=3)
    seen = []
    budget = Budget(time_limit=3, seed=1, warm_start=first.unit_team, progress=seen.append)
    proposal = CpSatStrategy().run(problem, budget)
    assert "warm start: given" in proposal.notes
    assert assert_valid(problem, proposal) >= assert_valid(problem, first)
    assert proposal.trace and seen
    assert all(
        p.bound is None or p.objective is None or p.bound >= p.objective - 1e-9 for p in seen
    )


def test_problem_is_not_mutated() -> None:
    """Running the strategy leaves every array of the problem as it was."""
    problem = Problem.from_cohort(
        cohort(10, seed=10), Rules(teams=2, min_authorities=2, together=(("E01", "E02"),)), "blend"
    )
    before = {k: np.copy(v) for k, v in vars(problem).items() if isinstance(v, np.ndarray)}
    run(problem, time_limit=2)
    for key, value in before.items():
        assert np.array_equal(getattr(problem, key), value), key


def test_registered_by_name() -> None:
    """``get_strategy("cpsat")`` gives this strategy."""
    strategy = get_strategy("cpsat")
    assert isinstance(strategy, CpSatStrategy) and strategy.name == "cpsat"


# --------------------------------------------------------------------------- model API
def test_symmetry_only_for_interchangeable_teams() -> None:
    """Team ordering is used only when bounds and allowed teams are the same for all."""
    problem = tiny_problem([[1]] * 4, (2, 2), 2)
    assert teams_symmetric(problem)
    pinned = tiny_problem(
        [[1]] * 4, (2, 2), 2, allowed=np.array([[True, False]] + [[True, True]] * 3)
    )
    assert not teams_symmetric(pinned)
    assert build_model(pinned).symmetry_broken is False


def test_canonical_labels_sort_by_focus_then_lowest_unit() -> None:
    """Relabelling puts teams in (focus, lowest unit) order and maps every unit."""
    unit_team = np.array([2, 0, 2, 1, 0])
    relabelled, mapping = canonical_labels(unit_team, 3)
    assert relabelled.tolist() == [0, 1, 0, 2, 1]
    relabelled, mapping = canonical_labels(unit_team, 3, np.array([1, 0, 1]))
    assert relabelled.tolist() == [1, 2, 1, 0, 2]
    assert mapping.tolist() == [2, 0, 1]


def test_fix_units_and_move_limit() -> None:
    """LNS handles: fixing units and limiting moves keep the reference where asked."""
    problem = random_problem(8, 2, seed=12)
    reference = np.array([0, 0, 0, 0, 1, 1, 1, 1])
    cpm: CpSatModel = build_model(problem, symmetry=False)
    cpm.fix_units([0, 4], reference)
    cpm.add_move_limit(reference, 2)
    solver = cp_model.CpSolver()
    solver.parameters.num_workers = 1
    assert solver.solve(cpm.model) == cp_model.OPTIMAL
    unit_team, _ = cpm.decode(solver.response_proto.solution)
    assert unit_team[0] == 0 and unit_team[4] == 1
    assert int((unit_team != reference).sum()) <= 2
    with pytest.raises(ValueError, match="symmetry=False"):
        build_model(tiny_problem([[1]] * 4, (2, 2), 2)).fix_units([0], [1, 0, 0, 0])


def test_large_model_path(monkeypatch: pytest.MonkeyPatch) -> None:
    """The large-model forms (compact focus, free symmetry part, greedy hint) stay exact."""
    import clnmatch.cpmodel as cpmodel

    monkeypatch.setattr(cpmodel, "LARGE_CELLS", 10)
    problem = Problem.from_cohort(cohort(12, seed=13), Rules(teams=3, min_authorities=2), "blend")
    cpm = build_model(problem)
    assert cpm.large and cpm.focus_form == "compact" and not cpm.focus_ordered
    assert not cpm.possible[0, 1:].any()  # unit 0 opens team 0
    proposal = run(problem, time_limit=5, warm_start=None)
    assert_valid(problem, proposal)
    assert any(n.startswith("warm start") for n in proposal.notes)
    exact = run(problem, time_limit=10)
    assert exact.proven_optimal
    assert proposal.bound_milli >= exact.bound_milli


def test_when_cp_sat_finds_nothing_the_rule_abiding_start_stands(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """CP-SAT out of time with no solution of its own: the greedy start it was given keeps
    every rule, so it is the answer (strategies return the best teams found), not None."""
    from clnmatch.generate import generate_cohort

    real = cp_model.CpSolver.solve

    def out_of_time(self: cp_model.CpSolver, model: cp_model.CpModel, cb: object = None) -> int:
        self.parameters.max_time_in_seconds = 0.0  # stops before any solution of its own
        return real(self, model)

    monkeypatch.setattr(cp_model.CpSolver, "solve", out_of_time)
    problem = Problem.from_cohort(generate_cohort(30, seed=1, teams_hint=5), Rules(teams=5))
    proposal = get_strategy("cpsat").run(problem, Budget(time_limit=5, seed=0))
    assert proposal.unit_team is not None and not proposal.proven_optimal
    assert evaluate(problem, proposal.unit_team).feasible
    assert "the start stands" in " ".join(proposal.notes)


def test_ctrl_c_after_a_cp_sat_solve_is_still_a_keyboard_interrupt() -> None:
    """CP-SAT left SIGINT at the system default after each solve, so a later Ctrl+C killed
    the process outright (no clean-up of staging folders holding names). Every solver is
    made by clnmatch.cpsolver.cp_solver, which leaves the handler alone."""
    import re
    import subprocess
    import sys
    from pathlib import Path

    src = Path(__file__).resolve().parents[1] / "src" / "clnmatch"
    direct = [
        p.name for p in src.rglob("*.py") if p.name != "cpsolver.py" and re.search(
            r"CpSolver\(\)", p.read_text(encoding="utf-8"))
    ]  # fmt: skip
    assert direct == []
    script = (
        "import os, signal, time, clnmatch\n"
        # Ctrl-C as a terminal gives it, whatever the test run passed down
        "signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGINT})\n"
        "signal.signal(signal.SIGINT, signal.default_int_handler)\n"
        "from clnmatch.cli import sample_paths\n"
        "cohort = clnmatch.Cohort.from_csv(sample_paths()[0])\n"
        "clnmatch.solve(cohort, objective='focus', strategy='cpsat', time_limit=2)\n"
        "try:\n"
        "    os.kill(os.getpid(), signal.SIGINT); time.sleep(2); print('no interrupt')\n"
        "except KeyboardInterrupt:\n"
        "    print('KeyboardInterrupt')\n"
    )
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                          timeout=120)  # fmt: skip
    assert done.returncode == 0 and done.stdout.strip() == "KeyboardInterrupt", done.stderr[-800:]


def test_a_model_too_large_for_the_time_or_memory_is_not_built(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """5,000 establishments in 500 teams built for 107 s and 15 GB against a 1 s limit:
    a model whose build would outlast the time left, or outgrow memory, is not begun, and
    solve answers with its greedy fallback within the limit."""
    import clnmatch.strategies.cpsat as cpsat
    from clnmatch import solve

    problem = random_problem(12, 3, seed=1)
    monkeypatch.setattr(cpsat, "BUILD_CELLS_PER_S", 1.0)  # 36 cells: 36 s to build
    proposal = run(problem, time_limit=2.0)
    assert proposal.unit_team is None and "not built" in proposal.notes[0]
    monkeypatch.setattr(cpsat, "BUILD_CELLS_PER_S", 50_000)
    monkeypatch.setattr(cpsat, "MAX_MODEL_CELLS", 10)
    proposal = run(problem, time_limit=60.0)
    assert proposal.unit_team is None and "memory" in proposal.notes[0]
    result = solve(cohort(16, seed=2), Rules(teams=2, min_establishments=0), strategy="cpsat",
                   time_limit=5)  # fmt: skip
    assert result.feasible and result.evaluation is not None and result.evaluation.feasible


def test_the_pair_variables_count_in_the_building_time(monkeypatch: pytest.MonkeyPatch) -> None:
    """Up to 40,000 pair variables take about a second to build whatever the cohort's
    size: 300 establishments in 30 teams built for 1.0-2.0 s against a 0.3 s limit. A
    model with pair terms is not begun when they would take most of the time left; one
    without is."""
    import dataclasses

    import clnmatch.strategies.cpsat as cpsat

    monkeypatch.setattr(cpsat, "BUILD_PAIR_VARS_PER_S", 100.0)  # 198 pair variables: 2 s
    problem = random_problem(12, 3, seed=1)
    proposal = run(problem, time_limit=3.0)
    assert proposal.unit_team is None and "s left" in proposal.notes[0]
    without_pairs = dataclasses.replace(problem, pair_milli=np.zeros_like(problem.pair_milli))
    assert run(without_pairs, time_limit=3.0).unit_team is not None
