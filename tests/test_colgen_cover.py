"""Tests of the cover search that settles branch-and-price nodes (clnmatch.colgen.cover)."""

from __future__ import annotations

import functools
import itertools
import re

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from scipy import sparse
from test_colgen_enumeration import GAPPED, _gapped

import clnmatch.colgen.run as colgen_run
from clnmatch.colgen import cover, enumeration
from clnmatch.colgen.cover import CoverPrices, CoverTeams, best_cover, warm_up
from clnmatch.colgen.search import Search
from clnmatch.evaluate import evaluate
from clnmatch.strategies.base import Budget, Proposal
from clnmatch.strategies.colgen import ColumnGenerationStrategy

FAST = settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@pytest.fixture(scope="module", autouse=True)
def _compiled() -> None:
    warm_up()


@st.composite
def priced_teams(draw: st.DrawFn) -> tuple[CoverTeams, CoverPrices, int]:
    """Teams priced as a node prices them: units' prices pi, cut prices sigma >= 0, theme
    prices rho >= 0 under a cap, each class's best reduced cost D_g. Every value is then
    d_t + pi(S_t) + rho_k + sigma . coef_t, so that a cover's cost (its deficits and the
    cut and theme prices it leaves unearned) is exactly Z less its value (the proof)."""
    n = draw(st.integers(2, 7))
    class_teams = np.array(draw(st.lists(st.integers(1, 2), min_size=1, max_size=2)))
    n_teams = draw(st.integers(len(class_teams) * 2, 24))
    inside = np.array(
        [draw(st.lists(st.booleans(), min_size=n, max_size=n)) for _ in range(n_teams)]
    )
    inside[~inside.any(axis=1), 0] = True
    cls = np.array(
        draw(st.lists(st.integers(0, len(class_teams) - 1), min_size=n_teams, max_size=n_teams))
    )
    themed = draw(st.booleans())
    n_themes = 3
    theme = (
        np.array(draw(st.lists(st.integers(0, n_themes - 1), min_size=n_teams, max_size=n_teams)))
        if themed
        else np.full(n_teams, -1)
    )
    cap = draw(st.integers(1, 2)) if themed else None
    rho = np.array(draw(st.lists(st.integers(0, 5), min_size=n_themes, max_size=n_themes)))
    if cap is None:
        rho = np.zeros(0, dtype=np.int64)
    sets = draw(
        st.lists(
            st.lists(st.integers(0, n - 1), min_size=2, max_size=4, unique=True).map(sorted),
            max_size=4,
        )
    )
    divisors = [draw(st.integers(2, max(2, len(s)))) for s in sets]
    sigma = np.array([draw(st.integers(0, 30)) for _ in sets], dtype=np.float64)
    coef = np.array(
        [
            [int(inside[t, list(s)].sum()) // k for s, k in zip(sets, divisors, strict=True)]
            for t in range(n_teams)
        ],
        dtype=np.int64,
    ).reshape(n_teams, len(sets))
    pi = np.array(draw(st.lists(st.integers(-5, 20), min_size=n, max_size=n)))
    d = np.array(draw(st.lists(st.integers(-30, 0), min_size=n_teams, max_size=n_teams)))
    best = np.array([d[cls == g].max() if (cls == g).any() else 0 for g in range(len(class_teams))])
    value = d + inside @ pi + coef @ sigma.astype(np.int64)
    if cap is not None:
        value = value + rho[theme]
    z = pi.sum() + sum(
        int(s) * (len(m) // k) for s, m, k in zip(sigma, sets, divisors, strict=True)
    )
    z += (cap or 0) * int(rho.sum()) + int((class_teams * best).sum())
    teams = CoverTeams(
        inside,
        cls,
        theme,
        value.astype(np.int64),
        sparse.csr_matrix(coef),
        (best[cls] - d).astype(np.float64),
    )
    prices = CoverPrices(sets, divisors, sigma, cap, rho.astype(np.float64), class_teams)
    return teams, prices, int(z)


def brute_best(teams: CoverTeams, prices: CoverPrices) -> int | None:
    """The best value of a cover of the units by teams keeping class counts and the cap."""
    total = int(prices.class_teams.sum())
    best = None
    for combo in itertools.combinations(range(len(teams.cls)), total):
        rows = list(combo)
        if (teams.inside[rows].sum(axis=0) != 1).any():
            continue
        if (
            np.bincount(teams.cls[rows], minlength=len(prices.class_teams)) != prices.class_teams
        ).any():
            continue
        if prices.cap is not None and (np.bincount(teams.theme[rows]) > prices.cap).any():
            continue
        value = int(teams.value[rows].sum())
        best = value if best is None else max(best, value)
    return best


@given(priced_teams(), st.integers(1, 3), st.integers(-1, 4))
@FAST
def test_the_cover_search_finds_what_brute_force_finds(
    case: tuple[CoverTeams, CoverPrices, int], parts: int, below: int
) -> None:
    """The best cover worth more than the incumbent (or none, when none is), by brute
    force over every set of teams; searched whole or in shares of its first level (the
    best of the shares). The incumbent sits just below the best cover (or on it), so
    that the slack is tight and a bound that over-counts prunes the best."""
    teams, prices, z = case
    best = brute_best(teams, prices)
    incumbent = z - 40 if best is None else best - 1 - below
    expected = best if best is not None and best > incumbent else None
    slack = z - incumbent - 1 + 0.5  # a cover worth incumbent + 1 or more costs no more
    found = []
    for part in range(parts):
        result = best_cover(teams, prices, slack, incumbent, share=(part, parts))
        assert result is not None
        if result.chosen is not None:
            rows = result.chosen.tolist()
            assert sorted(teams.inside[rows].nonzero()[1].tolist()) == list(
                range(teams.inside.shape[1])
            )
            found.append(int(teams.value[rows].sum()))
    assert (max(found) if found else None) == expected


def test_a_negative_price_or_slack_searches_nothing() -> None:
    """A negative price proves nothing (None: the node branches); a negative slack
    leaves no cover to search."""
    inside = np.eye(2, dtype=np.bool_)
    teams = CoverTeams(
        inside,
        np.zeros(2, dtype=np.int64),
        np.full(2, -1),
        np.ones(2, dtype=np.int64),
        sparse.csr_matrix((2, 0)),
        np.zeros(2),
    )
    prices = CoverPrices([], [], np.zeros(0), None, np.zeros(0), np.array([2]))
    assert best_cover(teams, prices, 1.0, 0) is not None
    assert best_cover(teams, prices, -1.0, 0) == (None, 0, 0)  # nothing can beat it
    assert (
        best_cover(
            teams, prices._replace(sigma=np.array([-1.0]), cut_sets=[(0, 1)], divisors=[2]), 1.0, 0
        )
        is None
    )


def _cover_notes(proposal: Proposal) -> int:
    found = re.search(r"(\d+) nodes settled by cover searches", " ".join(proposal.notes))
    return int(found.group(1)) if found else 0


@pytest.mark.parametrize("parts", [1, 2])
def test_nodes_settled_by_cover_searches_prove_the_optimum(
    parts: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Column generation whose nodes are settled by cover searches (every node, however
    many teams it admits) ends at brute force's optimum, against a poor incumbent (no
    combination of columns); on two parts, which make the same tree and each search its
    share of every node's covers, the parts' best assignment and larger bound prove it
    together; no part's bound, as it goes, falls below its best assignment."""
    monkeypatch.setattr(Search, "best_combination", lambda *_args: None)
    monkeypatch.setattr(enumeration, "COVER_TEAMS", 10**9)
    settled = 0
    for case in GAPPED:
        problem, optimum = _gapped(case)
        budget = functools.partial(Budget, time_limit=10, seed=case[2])
        options = {"local_search_iterations": 0, "polish": False}
        runs = [
            ColumnGenerationStrategy(**options, part=k, parts=parts).run(problem, budget())  # type: ignore[arg-type]
            for k in range(parts)
        ]
        values = [
            evaluate(problem, p.unit_team).objective_milli for p in runs if p.unit_team is not None
        ]
        bounds = [p.bound_milli for p in runs]
        assert None not in bounds and max(values) == optimum == max(bounds)  # type: ignore[type-var]
        settled += sum(_cover_notes(p) for p in runs)
        for p in runs:  # a part's bound never falls below what its shares hold back
            assert all(
                t.bound is None or t.objective is None or t.bound >= t.objective for t in p.trace
            )
        said = [any(n.startswith("explored share") for n in p.notes) for p in runs]
        assert said[0] == said[-1]  # both parts split there, or neither
    assert settled  # some node was settled by its covers


@pytest.mark.parametrize("most", [2, 6, 20])
def test_a_shared_search_that_gives_up_in_one_part_leaves_nothing_out(
    most: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Cover searches stopped past ``most`` nodes (looked at after every node): a part
    whose share does not end branches on the node and searches the rest of the tree
    whole, while the other may have settled its share and split its tree (at two open
    nodes). Their best assignment and larger bound still prove brute force's optimum."""
    monkeypatch.setattr(Search, "best_combination", lambda *_args: None)
    monkeypatch.setattr(enumeration, "COVER_TEAMS", 10**9)
    monkeypatch.setattr(enumeration, "COVER_NODES", most)
    monkeypatch.setattr(cover, "NODE_SLICE", 1)
    monkeypatch.setattr(colgen_run, "SPLIT_FRONTIER", 2)
    alone = 0
    for case in GAPPED:
        problem, optimum = _gapped(case)
        options = {"local_search_iterations": 0, "polish": False}
        runs = [
            ColumnGenerationStrategy(**options, part=k, parts=2).run(  # type: ignore[arg-type]
                problem, Budget(time_limit=10, seed=case[2])
            )
            for k in range(2)
        ]
        values = [
            evaluate(problem, p.unit_team).objective_milli for p in runs if p.unit_team is not None
        ]
        bounds = [p.bound_milli for p in runs]
        assert None not in bounds and max(values) == optimum == max(bounds)  # type: ignore[type-var]
        alone += sum(colgen_run.ALONE_NOTE in p.notes for p in runs)
    assert alone  # some part gave up on its share
