"""Tests of the root's enumeration of teams within the gap (clnmatch.colgen.enumeration)."""

from __future__ import annotations

import functools
import itertools
import re

import numpy as np
import pytest
from assignments import Judge
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from test_colgen import brute_force_optimum, random_cuts, random_pairs, random_rules, tiny_problem

import clnmatch.colgen.run as colgen_run
from clnmatch.colgen import enumeration, pricing
from clnmatch.colgen import search as search_module
from clnmatch.colgen.cuts import Cuts
from clnmatch.colgen.enumeration import allowed_set, allowed_teams, enumerate_root
from clnmatch.colgen.master import BASIC, master_columns, rows_of
from clnmatch.colgen.model import Column, ColumnModel
from clnmatch.colgen.pricing import Listing, Pricer, team_feasible, team_value, teams_feasible
from clnmatch.colgen.run import initial
from clnmatch.colgen.search import Node, Search
from clnmatch.evaluate import evaluate
from clnmatch.problem import Problem
from clnmatch.strategies.base import Budget, Proposal
from clnmatch.strategies.colgen import ColumnGenerationStrategy

FAST = settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@pytest.fixture(scope="module", autouse=True)
def _compiled() -> None:
    pricing.warm_up()


@given(seed=st.integers(0, 10_000), n=st.integers(1, 9), with_cuts=st.booleans())
@FAST
def test_enumerate_lists_every_team_above_the_threshold(seed: int, n: int, with_cuts: bool) -> None:
    """Every feasible team worth more than the threshold, and no other (brute force is
    the judge); None when there are more than ``max_teams`` of them."""
    rng = np.random.default_rng(seed)
    rules = random_rules(rng, n)
    pair = random_pairs(rng, n).astype(float)
    lin = rng.integers(-3000, 1000, n).astype(float)
    cuts = random_cuts(rng, n) if with_cuts else None
    values = {
        team: team_value(pair, lin, rules, np.array(team), cuts)
        for size in range(1, n + 1)
        for team in itertools.combinations(range(n), size)
        if team_feasible(rules, np.array(team))
    }
    threshold = float(np.quantile(list(values.values()), rng.random())) if values else 0.0
    above = {team: v for team, v in values.items() if v > threshold}
    pricer = Pricer(pair, rules)
    listed = pricer.enumerate(lin, threshold, max_teams=len(above) + 1, max_nodes=10**6, cuts=cuts)
    assert listed is not None
    assert _teams(listed) == above
    if above:
        fewer = len(above) - 1
        assert pricer.enumerate(lin, threshold, max_teams=fewer, max_nodes=10**6, cuts=cuts) is None
    # a node budget too small to finish: nothing is claimed (or, if it did finish, all)
    short = pricer.enumerate(lin, threshold, max_teams=10**4, max_nodes=2, node_slice=1, cuts=cuts)
    assert short is None or _teams(short) == above


def _teams(listed: Listing) -> dict[tuple[int, ...], object]:
    """A listing as {team (units): value}."""
    return {
        tuple(np.flatnonzero(row).tolist()): pytest.approx(v)
        for row, v in zip(listed.inside, listed.value, strict=True)
    }


def _root(problem: Problem) -> Search:
    """A search after its root's column generation (no local search, no branching)."""
    strategy = ColumnGenerationStrategy(local_search_iterations=0)
    # a limit no run here reaches, even on a machine under load (the tests are not timed)
    search = Search(problem, Budget(time_limit=600, seed=0), strategy)
    initial(search)
    search.column_generation(Node(priority=0.0, seq=0))
    return search


@given(seed=st.integers(0, 10_000), n_teams=st.integers(2, 3), options=st.integers(0, 15))
@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
def test_listed_teams_hold_every_assignment_better_than_the_incumbent(
    seed: int, n_teams: int, options: int
) -> None:
    """With the worst feasible assignment as the incumbent, every feasible assignment
    worth more is made of listed teams (each team with the focus evaluate gives it)."""
    problem = tiny_problem(
        seed,
        n_units=7,
        n_teams=n_teams,
        focus=bool(options & 1),
        cap=bool(options & 2),
        simd=bool(options & 4),
        locks=bool(options & 8),
    )
    feasible = []
    judge = Judge(problem)  # evaluate's answer, once for assignments equal up to renaming
    for assignment in itertools.product(range(n_teams), repeat=problem.n_units):
        unit_team = np.array(assignment, dtype=np.int64)
        ok, value = judge(assignment)
        if len(set(assignment)) == n_teams and ok:
            feasible.append((value, unit_team))
    if not feasible:
        return
    search = _root(problem)
    worst, worst_assign = min(feasible, key=lambda f: f[0])
    search.best_obj, search.best_assign = worst, worst_assign
    listed = enumerate_root(search, 100_000, [])
    if search.reachable_floor(search.constant + search.last_pricing.bound) <= worst:
        assert all(objective <= worst for objective, _ in feasible)  # the bound proves it
        return
    assert listed is not None
    row_of = {
        (search.columns[int(ci)].members, search.columns[int(ci)].theme): row
        for row, ci in enumerate(listed.index)
    }
    # a node of branch and price: two units together or apart; the teams its reduced costs
    # keep for its children must still hold every better assignment of the node
    a, b = sorted(int(u) for u in np.random.default_rng(seed).choice(problem.n_units, 2, False))
    node = Node(0.0, 1, together=((a, b),)) if options % 2 else Node(0.0, 1, apart=((a, b),))
    outcome = listed.solve_node(search, node)
    themes = problem.n_themes > 0
    for objective, unit_team in feasible:
        if objective <= worst:
            continue
        focus = problem.best_focus(unit_team)
        rows = [
            row_of[
                (
                    tuple(int(u) for u in np.flatnonzero(unit_team == t)),
                    int(focus[t]) if themes else -1,
                )
            ]
            for t in range(n_teams)
        ]  # (a KeyError: a better assignment's team was not listed)
        if (unit_team[a] == unit_team[b]) != bool(options % 2):
            continue  # not in the node
        assert outcome.bound + search.constant >= objective
        if node.allowed is not None:  # the children's teams
            children = listed.admitted(Node(0.0, 2, allowed=node.allowed))
            assert set(rows) <= set(children.tolist())


@given(n=st.integers(1, 400), data=st.data())
@FAST
def test_a_subtrees_teams_read_back_in_either_form(n: int, data: st.DataObject) -> None:
    """The teams a subtree may use read back the same whether kept as indices (a few) or
    one bit a team (many)."""
    teams = np.array(sorted(data.draw(st.sets(st.integers(0, n - 1)))), dtype=np.int64)
    kept = allowed_set(teams, n)
    assert kept.dtype == (np.int32 if len(teams) * 32 <= n else np.uint8)
    assert allowed_teams(kept, n).tolist() == teams.tolist()


# tiny problems whose root leaves a gap, so that branch and price runs (found by a scan)
GAPPED = [(9, 3, 5, True), (9, 3, 12, True), (9, 3, 14, True), (8, 3, 33, False), (8, 3, 50, True)]


def _proofs_of_gapped_cases() -> list[Proposal]:
    """Column generation's proposals for the GAPPED cases, each checked: proven, and
    brute force's optimum."""
    proposals = []
    for case in GAPPED:
        problem, optimum = _gapped(case)
        proposal = ColumnGenerationStrategy(local_search_iterations=0, polish=False).run(
            problem, Budget(time_limit=10, seed=case[2])
        )
        assert proposal.unit_team is not None and proposal.proven_optimal
        assert evaluate(problem, proposal.unit_team).objective_milli == optimum
        proposals.append(proposal)
    return proposals


@functools.cache
def _gapped(case: tuple[int, int, int, bool]) -> tuple[Problem, int | None]:
    n_units, n_teams, seed, focus = case
    problem = tiny_problem(seed, n_units=n_units, n_teams=n_teams, focus=focus)
    return problem, brute_force_optimum(problem)


@pytest.mark.parametrize("weak_incumbent", [False, True])
@pytest.mark.parametrize(
    ("columns", "strong"),
    [(colgen_run.ENUMERATION_COLUMNS, colgen_run.STRONG_CANDIDATES), (10**6, 1), (0, 1)],
)
def test_branching_over_listed_or_priced_teams_proves_the_optimum(
    columns: int, strong: int, weak_incumbent: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Branch and price over the listed teams (or, with none listed, over priced ones)
    ends at brute force's optimum on problems whose root leaves a gap, with strong
    branching or on the most fractional pair; also when the incumbent is CP-SAT's first
    assignment (no combination of columns), so that the teams are listed, and left out by
    nodes' reduced costs, against a poor incumbent."""
    monkeypatch.setattr(colgen_run, "ENUMERATION_COLUMNS", columns)
    monkeypatch.setattr(colgen_run, "STRONG_CANDIDATES", strong)
    monkeypatch.setattr(enumeration, "COVER_TEAMS", 0)  # nodes branch (tests/test_colgen_cover.py)
    strong_lps = 0
    if weak_incumbent:
        monkeypatch.setattr(Search, "best_combination", lambda *_args: None)
    for proposal in _proofs_of_gapped_cases():
        listed = any("branching over" in note for note in proposal.notes)
        assert listed == (columns > 0), proposal.notes
        for note in proposal.notes:
            tried = re.search(r"(\d+) strong branching LPs", note)
            strong_lps += int(tried.group(1)) if tried else 0
    # the cases' trees are small: only with the poor incumbent do they reach a second node
    assert (strong_lps > 0) == (strong > 1 and weak_incumbent)


@pytest.mark.parametrize("case", GAPPED)
def test_a_node_lp_from_its_parents_basis_equals_one_from_nothing(
    case: tuple[int, int, int, bool], monkeypatch: pytest.MonkeyPatch
) -> None:
    """A child's LP holds only the teams it admits (and the parent's basic teams it leaves
    out, at 0): the parent's basis maps onto it as a basis (one basic column per row) and
    the child's LP value and bound are those of the same LP solved from nothing."""
    monkeypatch.setattr(enumeration, "COVER_TEAMS", 0)  # the nodes' LPs, not their covers
    problem, _optimum = _gapped(case)
    search = _root(problem)
    judge = Judge(problem)  # evaluate's answer, once for assignments equal up to renaming
    feasible = [
        np.array(a, dtype=np.int64)
        for a in itertools.product(range(case[1]), repeat=problem.n_units)
        if len(set(a)) == case[1] and judge(a)[0]
    ]
    worst = min(feasible, key=lambda a: judge(a)[1])
    search.best_obj = judge(worst)[1]
    search.best_assign = worst
    listed = enumerate_root(search, 100_000, [])
    assert listed is not None
    parent = Node(0.0, 1)
    assert listed.solve_node(search, parent).converged and parent.basis is not None
    master = listed.master
    n_rows = master.n_rows + master.n_cuts
    checked = 0
    for a, b in itertools.combinations(range(problem.n_units), 2):
        for pairs in ({"together": ((a, b),)}, {"apart": ((a, b),)}):
            warm = Node(0.0, 2, allowed=parent.allowed, basis=parent.basis, **pairs)
            cold = Node(0.0, 3, allowed=parent.allowed, **pairs)
            keep = listed.admitted(warm)
            if not len(keep):
                continue
            start = listed.load(warm, keep, keep[listed.entered[keep]])
            codes, row_codes = master.status_codes(start)
            assert len(codes) == master.n_slack + master.n_cols
            assert (codes == BASIC).sum() + (row_codes == BASIC).sum() == n_rows
            out_cold = listed.solve_node(search, cold)
            out_warm = listed.solve_node(search, warm)
            assert out_warm.infeasible == out_cold.infeasible
            if out_cold.lp is not None and out_warm.lp is not None:
                assert out_warm.lp.value == pytest.approx(out_cold.lp.value, abs=1e-6)
                # the bounds (of grid-rounded prices) may differ where the LP's duals do
                assert out_warm.bound == pytest.approx(out_cold.bound, abs=1.0)
                checked += 1
    assert checked


def test_without_the_highs_binding_nodes_are_priced(monkeypatch: pytest.MonkeyPatch) -> None:
    """Without scipy's HiGHS binding (the master LP from scratch) no list is made: branch
    and price prices its nodes and still ends at brute force's optimum."""
    monkeypatch.setattr(search_module, "HAVE_HIGHS_CORE", False)
    for case in GAPPED[:3]:
        problem, optimum = _gapped(case)
        proposal = ColumnGenerationStrategy(local_search_iterations=0, polish=False).run(
            problem, Budget(time_limit=20, seed=case[2])
        )
        assert proposal.unit_team is not None and proposal.proven_optimal
        assert evaluate(problem, proposal.unit_team).objective_milli == optimum
        assert not any("branching over" in note for note in proposal.notes), proposal.notes


@given(seed=st.integers(0, 10_000), n=st.integers(1, 9))
@FAST
def test_rules_of_many_teams_at_once_are_those_of_each_team(seed: int, n: int) -> None:
    """``teams_feasible`` over every subset of a class's units (the empty one too) says
    what ``team_feasible`` says of each."""
    rules = random_rules(np.random.default_rng(seed), n)
    inside = ((np.arange(2**n)[:, None] >> np.arange(n)) & 1).astype(np.bool_)
    each = [team_feasible(rules, np.flatnonzero(row)) if row.any() else False for row in inside]
    assert teams_feasible(rules, inside).tolist() == each


@given(seed=st.integers(0, 10_000), options=st.integers(0, 15))
@FAST
def test_columns_of_many_teams_at_once_are_those_of_each_team(seed: int, options: int) -> None:
    """Values, rule checks and master LP columns (with theme caps and rank-1 cuts) of
    many teams at once equal ``value``, ``feasible`` and ``rows_of`` team by team."""
    focus, cap, simd, pins = (bool(options >> i & 1) for i in range(4))
    problem = tiny_problem(seed, 8, 3, focus=focus, cap=cap, simd=simd, pins=pins, locks=True)
    model = ColumnModel(problem)
    rng = np.random.default_rng(seed)
    cuts = Cuts()
    for _ in range(int(rng.integers(0, 5))):
        cuts.add(
            tuple(int(u) for u in rng.permutation(8)[: rng.integers(3, 7)]), int(rng.integers(2, 4))
        )
    inside = rng.random((40, 8)) < 0.4
    theme = rng.integers(0, 3, 40) if focus else np.full(40, -1)
    cls = rng.integers(0, len(model.classes), 40)
    columns = [
        Column(tuple(np.flatnonzero(row).tolist()), int(k), int(g), 0)
        for row, k, g in zip(inside, theme, cls, strict=True)
    ]
    for g in range(len(model.classes)):
        mine = np.flatnonzero(cls == g)
        assert model.feasible_many(inside[mine], g).tolist() == [
            model.feasible(columns[i].members, g) for i in mine
        ]
    for k in set(theme.tolist()):
        mine = np.flatnonzero(theme == k)
        assert model.values(inside[mine], k).tolist() == [
            model.value(columns[i].members, k) if columns[i].members else 0 for i in mine
        ]
    built = master_columns(model, inside, cls, theme, cuts).toarray()
    for row, column in enumerate(columns):
        rows, values = rows_of(model, column, cuts)
        expected = np.zeros(built.shape[1])
        expected[rows] = values
        assert built[row].tolist() == expected.tolist()


def test_cut_rounds_without_exact_pricing_still_prove_the_optimum(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Root cut rounds whose bound could not close the gap stop where the pricing
    heuristic finds no column (no exact pricing); the last round's LP is then priced
    exactly, so brute force's optimum is still proven."""
    cheap: list[bool] = []
    original = Search.column_generation

    def spy(self: Search, node: Node, *args: object, exact: bool = True, **kw: object) -> object:
        cheap.append(not exact)
        return original(self, node, *args, exact=exact, **kw)  # type: ignore[arg-type]

    monkeypatch.setattr(Search, "column_generation", spy)
    monkeypatch.setattr(colgen_run, "_one_step_short", lambda _search: False)
    _proofs_of_gapped_cases()
    assert any(cheap)


def test_the_shares_of_a_split_tree_prove_the_optimum_together(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A tree shared out in two (``part`` of ``parts``, split at two open nodes): each share
    explores less than the whole tree, and together they prove brute force's optimum (the
    better assignment, the larger bound). The poor incumbent keeps the trees from closing
    at their first node."""
    monkeypatch.setattr(colgen_run, "SPLIT_FRONTIER", 2)
    monkeypatch.setattr(Search, "best_combination", lambda *_args: None)
    monkeypatch.setattr(enumeration, "COVER_TEAMS", 0)  # the tree's split, not a cover's

    def nodes(proposal: Proposal) -> int:
        found = re.search(r"(\d+) branch-and-price nodes", proposal.notes[0])
        assert found is not None
        return int(found.group(1))

    split = 0
    for case in GAPPED:
        problem, optimum = _gapped(case)
        budget = functools.partial(Budget, time_limit=10, seed=case[2])
        options = {"local_search_iterations": 0, "polish": False}
        whole = ColumnGenerationStrategy(**options).run(problem, budget())  # type: ignore[arg-type]
        shares = [
            ColumnGenerationStrategy(**options, part=k, parts=2).run(problem, budget())  # type: ignore[arg-type]
            for k in range(2)
        ]
        values = [
            evaluate(problem, p.unit_team).objective_milli
            for p in shares
            if p.unit_team is not None
        ]
        bounds = [p.bound_milli for p in shares]
        assert None not in bounds and max(values) == optimum == max(bounds)  # type: ignore[type-var]
        assert all(nodes(p) <= nodes(whole) for p in shares)
        said = [any(n.startswith("explored share") for n in p.notes) for p in shares]
        assert said[0] == said[1]  # both split, or neither (the same tree until the split)
        split += said[0] and all(nodes(p) < nodes(whole) for p in shares)
    assert split  # some tree was big enough to split


@given(
    bounds=st.lists(st.floats(-10, 10, allow_nan=False), max_size=40),
    parts=st.integers(1, 4),
)
@FAST
def test_the_shares_of_the_open_nodes_hold_each_node_once(bounds: list[float], parts: int) -> None:
    """However many parts, the shares of the open nodes (and of the bounds of nodes left
    unresolved) hold every one of them exactly once, in shares of sizes one apart."""
    nodes = [Node(priority=-b, seq=i) for i, b in enumerate(bounds)]
    shares = [colgen_run.share(nodes, k, parts) for k in range(parts)]
    assert sorted(id(n) for s in shares for n in s) == sorted(id(n) for n in nodes)
    assert max(map(len, shares)) - min(map(len, shares)) <= 1
    floats = [colgen_run.share(bounds, k, parts) for k in range(parts)]
    assert sorted(b for s in floats for b in s) == sorted(bounds)
