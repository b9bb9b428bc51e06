"""Every rule shape means the same to every backend: numpy, the numba kernels, CP-SAT.

For each shape of the rule table a random small problem has only that shape's rules (the
team sizes always apply) and a random assignment is judged three ways: the numpy check
(``rules.check``, what ``evaluate`` reports), the kernels' violation measure
(``rules.kernels``, what the search engine, repair and pricing read) and the CP-SAT model
with every cell fixed (``rules.cpsat``). They must agree team by team and overall.
"""

from __future__ import annotations

from fractions import Fraction

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from ortools.sat.python import cp_model

from clnmatch.cpmodel import build_model
from clnmatch.problem import Problem
from clnmatch.rules.check import rule_breaches
from clnmatch.rules.kernels import team_violation
from clnmatch.rules.spec import (
    RULE_TABLE,
    Lock,
    MaxShare,
    MinDistinct,
    SumBound,
    ThemeCap,
    compile_rules,
)
from clnmatch.search.grouping import build_grouping
from clnmatch.search.state import new_state, violation

SHAPES = (SumBound, MinDistinct, MaxShare, Lock, ThemeCap)


def test_every_rule_of_the_table_has_a_tested_shape() -> None:
    """The table holds only the shapes below (a new shape needs a backend test)."""
    assert {type(entry) for entry in RULE_TABLE} == set(SHAPES)


def _problem(shape: type, seed: int) -> Problem:
    rng = np.random.default_rng(seed)
    n, teams = int(rng.integers(4, 9)), int(rng.integers(2, 4))
    weight = rng.integers(1, 3, n).astype(np.int64)
    per = weight.sum() / teams
    kw: dict[str, object] = {}
    low, high = max(1, int(per) - 1), int(per) + 1
    if shape is SumBound and rng.random() < 0.5:  # sizes free: only non-empty teams bind
        low, high = 0, int(weight.sum())
    if shape is SumBound and rng.random() < 0.5:  # team_establishments: a cap on units
        kw["team_max_units"] = int(rng.integers(1, n))
    if shape is MinDistinct:
        kw = {
            "unit_sector": rng.integers(0, 3, n).astype(np.int64),
            "sector_names": ("a", "b", "c"),
            "min_sectors": int(rng.integers(1, 3)),
            "unit_authority": rng.integers(0, 3, n).astype(np.int64),
            "authority_names": ("x", "y", "z"),
            "min_authorities": int(rng.integers(1, 3)),
        }
    elif shape is MaxShare:
        kw = {
            "unit_authority": rng.integers(0, 2, n).astype(np.int64),
            "authority_names": ("x", "y"),
            "authority_share": Fraction(int(rng.integers(1, 3)), 3),
        }
    elif shape is Lock:
        allowed = rng.random((n, teams)) < 0.8
        allowed[np.arange(n), rng.integers(0, teams, n)] = True
        pairs = rng.choice(n, size=(2, 2), replace=False)
        kw = {
            "allowed": allowed,
            "unit_pin": np.where(allowed.sum(axis=1) == 1, allowed.argmax(axis=1), -1),
            "together": pairs[:1],
            "apart": pairs[1:],
        }
    elif shape is ThemeCap:
        kw = {
            "theme_milli": rng.integers(0, 5, (n, 2)).astype(np.int64),
            "theme_names": ("t1", "t2"),
            "max_teams_per_theme": 1,
        }
    return Problem(
        unit_ids=tuple(f"u{i}" for i in range(n)),
        unit_weight=weight,
        team_min=np.full(teams, low, dtype=np.int64),
        team_max=np.full(teams, high, dtype=np.int64),
        pair_milli=np.zeros((n, n), dtype=np.int64),
        **kw,  # type: ignore[arg-type]
    )


def _cpsat_accepts(problem: Problem, unit_team: np.ndarray, focus: np.ndarray) -> bool:
    cpm = build_model(problem, objective=False, symmetry=False)
    cpm.fix_units(range(problem.n_units), unit_team)
    if cpm.y is not None:
        for t, k in enumerate(focus):
            cpm.model.add(cpm.y[t][int(k)] == 1)
    solver = cp_model.CpSolver()
    solver.parameters.num_workers = 1
    solver.parameters.max_time_in_seconds = 10
    return solver.solve(cpm.model) in (cp_model.OPTIMAL, cp_model.FEASIBLE)


@pytest.mark.parametrize("shape", SHAPES, ids=lambda s: s.__name__)
@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(seed=st.integers(0, 10_000))
def test_numpy_kernels_and_cpsat_agree(shape: type, seed: int) -> None:
    """The three backends judge a random assignment alike, team by team and overall."""
    problem = _problem(shape, seed)
    rng = np.random.default_rng(seed + 1)
    grouping = build_grouping(problem)
    team = rng.integers(0, problem.n_teams, grouping.n_groups)  # together-groups move as one
    unit_team = grouping.to_units(team)
    focus = rng.integers(0, max(1, problem.n_themes), problem.n_teams)
    breaches = rule_breaches(compile_rules(problem), unit_team, focus)

    # numba: team by team (team rules), and overall (locks too); the theme cap is the
    # search's focus assignment, not a kernel measure
    state = new_state(grouping, team, with_objective=False)
    for t in range(problem.n_teams):
        numpy_team_ok = not any(b.team == t + 1 and b.rule in _team_rules() for b in breaches)
        kernel_team_ok = team_violation(grouping.model.rules, state.sums, state.labels, t, t) == 0
        assert numpy_team_ok == kernel_team_ok, (t, breaches)
    kernel_ok = violation(grouping.model, state) == 0
    assert kernel_ok == (not [b for b in breaches if b.rule != "max_teams_per_theme"])

    # CP-SAT: every cell (and each team's focus) fixed; feasible exactly when numpy finds none
    assert _cpsat_accepts(problem, unit_team, focus) == (not breaches), breaches


def _team_rules() -> set[str]:
    return {e.name for e in RULE_TABLE if isinstance(e, SumBound | MinDistinct | MaxShare)}


def test_cpsat_leaves_out_a_unit_cap_no_team_can_reach() -> None:
    """A cap on a team's establishments that the participants' bound already keeps (10
    establishments, at most 14 participants of mostly two nominees) is not posted: the
    redundant rows slowed CP-SAT's proofs. Where lone nominees could make 11, it is."""
    from dataclasses import replace

    from clnmatch.generate import generate_cohort
    from clnmatch.models import Rules

    def rows(problem: Problem) -> int:
        return len(build_model(problem, objective=False).model.proto.constraints)

    sample = Problem.from_cohort(generate_cohort(50, seed=0), Rules())
    assert rows(sample) == rows(replace(sample, team_max_units=None))
    singles = replace(sample, unit_weight=np.ones(sample.n_units, dtype=np.int64))
    assert rows(singles) > rows(replace(singles, team_max_units=None))
