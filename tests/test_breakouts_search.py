"""The tabu search kernels, the solver, CP-SAT repair and the Python API."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from test_breakouts_checker import check_plan

from clnmatch.breakouts import (
    BreakoutProblem,
    BreakoutRules,
    History,
    Person,
    Roster,
    SearchSettings,
    api,
    evaluate_schedule,
    plan_breakouts,
    replan_round,
    search,
    solve_golf,
    warm_up,
)
from clnmatch.breakouts.repair import counting_diagnosis, repair_round
from clnmatch.breakouts.solver import _model, _state
from clnmatch.errors import InvalidParameterError

QUICK = SearchSettings(soft_stall=300, max_steps=3000)


@pytest.fixture(scope="module", autouse=True)
def _compiled():
    """Compile the kernels once (numba caches them on disk; the first run on a machine
    takes tens of seconds)."""
    warm_up()


def _roster(n: int, authorities: int = 5, seed: int = 0) -> Roster:
    rng = np.random.default_rng(seed)
    return Roster(
        tuple(
            Person(
                f"P{i:03d}",
                f"Name {i}",
                f"E{i // 2}",
                f"Authority {(i // 2) % authorities}",
                ("ELC", "primary", "secondary", "special")[(i // 2) % 4],
                f"p{i}@school.example",
                tuple(int(v) for v in rng.integers(0, 6, 3)),
            )
            for i in range(n)
        ),
        ("Literacy", "Numeracy", "Wellbeing"),
    )


def _loaded_state(problem: BreakoutProblem, seed: int):
    model = _model(problem, SearchSettings())
    state = _state(problem, seed)
    rng = np.random.default_rng(seed)
    start = np.where(problem.fixed[:, None], problem.fixed_rooms, -1).astype(np.int32)
    for r in np.flatnonzero(~problem.fixed):
        people = np.flatnonzero(problem.present[r])
        start[r, rng.permutation(people)] = np.arange(people.size) % problem.rooms[r]
    search.build(model, state, start)
    return model, state


def _kernel_problem() -> BreakoutProblem:
    roster = _roster(40)
    rules = BreakoutRules(rounds=4, room_size=5, min_authorities=3, max_per_authority=2)
    present = np.ones((4, 40), dtype=np.bool_)
    present[3, :3] = False  # three people miss the last round
    fixed = np.full((4, 40), -1, dtype=np.int32)
    fixed[0] = np.arange(40) % 8  # a kept round
    history = History(({"P001": "x", "P007": "x", "P009": "x"},))
    return BreakoutProblem.build(roster, rules, history, present=present, fixed_rooms=fixed)


def test_incremental_state_equals_a_rebuild_and_the_evaluator():
    """After steps of the tabu search, every incremental array equals a rebuild from the
    rooms, and the totals equal the evaluator's (history, a kept round, absences)."""
    problem = _kernel_problem()
    model, state = _loaded_state(problem, 3)
    for _ in range(15):
        search.run_steps(model, state, 9, 0)
        totals, rep, met = state.totals.copy(), state.rep.copy(), state.met.copy()
        conflicts = set(state.conf_list[: state.ctl[search.C_CONF_N]].tolist())
        rooms = state.room.copy()
        search.build(model, state, rooms.copy())
        assert (state.totals == totals).all() and (state.rep == rep).all()
        assert (state.met == met).all()
        assert conflicts == set(state.conf_list[: state.ctl[search.C_CONF_N]].tolist())
        ev = evaluate_schedule(problem, rooms)
        assert ev.repeats == totals[search.T_REP]
        assert ev.violation == totals[search.T_VIOL] + totals[search.T_COLL]
        assert ev.sector_same_pairs - ev.shared_interest_pairs == totals[search.T_SOFT]
        assert (rooms[0] == problem.fixed_rooms[0]).all()  # the kept round never moves
        assert (rooms[3, :3] == -1).all()


def test_swap_delta_predicts_the_change():
    """The (hard, repeats, soft) delta of a swap is exactly what applying it changes."""
    problem = _kernel_problem()
    model, state = _loaded_state(problem, 5)
    rng = np.random.default_rng(1)
    checked = 0
    while checked < 400:
        r = int(rng.integers(1, 4))
        a, b = rng.integers(40, size=2)
        ka, kb = state.room[r, a], state.room[r, b]
        if ka < 0 or kb < 0 or ka == kb:
            continue
        delta = search._swap_delta(model, state, r, a, b)
        before = state.totals.copy()
        search._apply_swap(model, state, r, a, b)
        after = state.totals
        assert delta == (
            after[0] + after[1] - before[0] - before[1],
            after[2] - before[2],
            after[3] - before[3],
        )
        checked += 1


def test_same_seed_same_schedule_and_settings_are_checked():
    """With a step budget, a seed gives one schedule; bad settings are named."""
    roster = _roster(30)
    rules = BreakoutRules(rounds=3, room_size=4, min_authorities=2)
    first = plan_breakouts(roster, rules, seed=7, time_limit=60, settings=QUICK)
    again = plan_breakouts(roster, rules, seed=7, time_limit=60, settings=QUICK)
    assert first.schedule is not None and again.schedule is not None
    assert (first.schedule == again.schedule).all()
    with pytest.raises(InvalidParameterError, match="'stall' parameter of SearchSettings"):
        SearchSettings(stall=-1)
    with pytest.raises(InvalidParameterError, match="'time_limit' parameter of plan_breakouts"):
        plan_breakouts(roster, rules, time_limit=0)


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    n=st.integers(8, 48),
    size=st.integers(2, 6),
    rounds=st.integers(1, 5),
    min_auth=st.integers(0, 3),
    cap=st.one_of(st.none(), st.integers(2, 4)),
    seed=st.integers(0, 1000),
)
# found by this test: the design's renaming spent the whole step budget (no tabu search
# after it) and the first round's CP-SAT repair took all the time the others needed
@example(n=22, size=5, rounds=5, min_auth=0, cap=None, seed=0)
def test_plans_keep_every_rule_and_report_honest_numbers(n, size, rounds, min_auth, cap, seed):
    """Generated rosters: a plan either keeps every hard rule (checked independently), with
    repeats equal to a recount and a bound no larger, or says why the rules cannot hold."""
    roster = _roster(n, authorities=4, seed=seed)
    rules = BreakoutRules(
        rounds=rounds, room_size=size, min_authorities=min_auth, max_per_authority=cap
    )
    plan = plan_breakouts(roster, rules, seed=seed, time_limit=20, settings=QUICK)
    if plan.status == "infeasible":
        assert plan.diagnosis is not None and plan.diagnosis.rules
        return
    assert plan.status in ("optimal", "feasible")
    checked = check_plan(plan)
    assert checked.broken == set()
    assert checked.repeats == plan.repeats
    assert plan.lower_bound_repeats is not None and plan.lower_bound_repeats <= plan.repeats
    assert (plan.status == "optimal") == (plan.repeats == plan.lower_bound_repeats)


@pytest.mark.parametrize("rounds", [4, 8])
def test_the_cln_webinar_reaches_the_counting_bound(rounds):
    """The sample's 99 people in 8 rooms (no design seats 12-13 a room): AG(2, 8) with 35
    points seating two gives 35 * (rounds - 1) repeats, the proven bound, with every rule
    kept (checked independently). The tabu search alone stopped at 660 for 8 rounds."""
    from clnmatch.cli import sample_paths
    from clnmatch.io.survey import read_cohort

    cohort = read_cohort(sample_paths()[0])
    rules = BreakoutRules(rounds=rounds, rooms=8, min_authorities=3)
    plan = plan_breakouts(cohort, rules, seed=1, time_limit=20)
    assert plan.status == "optimal" and plan.repeats == plan.lower_bound_repeats
    assert plan.repeats == 35 * (rounds - 1) and "AG(2,8)" in plan.method
    checked = check_plan(plan)
    assert checked.broken == set() and checked.repeats == plan.repeats


def test_history_is_avoided_when_possible():
    """People who met in an earlier event's rooms do not meet again when rooms allow."""
    roster = _roster(24)
    first = plan_breakouts(roster, BreakoutRules(rounds=2, room_size=4), settings=QUICK)
    rooms = first.rooms_frame()
    history = History(
        tuple(
            {str(p): str(room) for p, room in zip(part.person_id, part.room, strict=True)}
            for _, part in rooms.groupby("round")
        )
    )
    second = plan_breakouts(
        roster, BreakoutRules(rounds=2, room_size=4), history=history, settings=QUICK
    )
    assert second.status == "optimal" and second.repeats == 0
    hist = [
        dict(zip(part.person_id, part.room.astype(str), strict=True))
        for _, part in rooms.groupby("round")
    ]
    assert check_plan(second, history=hist).repeats == 0
    assert second.history_rounds == 2


def test_replan_keeps_earlier_rounds_and_drops_people_from_then_on():
    """Re-planning round 2 without two people keeps round 1 as it was, leaves them out of
    rounds 2-4 and keeps the rules; only broken later rounds are planned again."""
    roster = _roster(40)
    rules = BreakoutRules(rounds=4, room_size=5, min_authorities=2)
    plan = plan_breakouts(roster, rules, seed=2, settings=QUICK)
    again = replan_round(plan, 2, ["P000", "P017"], seed=2, time_limit=20, settings=QUICK)
    assert again.feasible and again.schedule is not None and plan.schedule is not None
    assert (again.schedule[0] == plan.schedule[0]).all()
    gone = [roster.index["P000"], roster.index["P017"]]
    assert (again.schedule[1:, gone] == -1).all()
    assert 2 in again.replanned_rounds and again.dropped == ("P000", "P017")
    kept = [r for r in (3, 4) if r not in again.replanned_rounds]
    for r in kept:  # a kept round is the old one without the two people
        old = np.where(again.present[r - 1], plan.schedule[r - 1], -1)
        assert (again.schedule[r - 1] == old).all()
    checked = check_plan(again)
    assert checked.broken == set() and checked.repeats == again.repeats
    with pytest.raises(InvalidParameterError, match="'drop' parameter of replan_round"):
        replan_round(plan, 2, ["nobody"])
    with pytest.raises(InvalidParameterError, match="'round_number'"):
        replan_round(plan, 5, [])
    # one id as a string is one person (it was read letter by letter: "P, 0, 0, 0")
    alone = replan_round(plan, 2, "P000", seed=2, time_limit=20, settings=QUICK)
    assert alone.dropped == ("P000",)
    for number in (1, [1]):  # a Forms ID as a number: said, not a bare TypeError
        with pytest.raises(InvalidParameterError, match=r"'drop' parameter .* ids \(text\)"):
            replan_round(plan, 2, number)  # type: ignore[arg-type]


def test_a_replan_after_one_drop_starts_from_the_plans_rooms():
    """A re-plan planned its rounds afresh: one drop-out from 97 people in 8 rooms over 5
    rounds (132 repeats, optimal) gave 181, where moving one person a round gave 140 (a
    tester). It starts from the plan's rooms now (sizes rebalanced by single moves), so
    it stays near the plan: at most the plan's repeats and one room of new meetings a
    round re-planned."""
    roster = _roster(97, authorities=6, seed=3)
    rules = BreakoutRules(rounds=5, rooms=8, min_authorities=3)
    plan = plan_breakouts(roster, rules, seed=0, time_limit=8)
    assert plan.feasible and plan.repeats is not None
    again = replan_round(plan, 3, ["P042"], seed=0, time_limit=8)
    assert again.feasible and again.repeats is not None and check_plan(again).broken == set()
    largest = -(-len(roster) // 8)
    assert again.repeats <= plan.repeats + largest * len(again.replanned_rounds), (
        plan.repeats,
        again.repeats,
        again.method,
    )
    assert again.method.startswith("the previous rooms")
    # the bound's sum is shown: the kept rounds' repeats were in no table ("171 (proven
    # below)" over a table whose largest argument was 68)
    from clnmatch.breakouts.report import quality_sentence, render_report

    assert again.bound is not None and again.bound.unavoidable > 0
    largest_argument = max(a.value for a in again.bound.arguments)
    total = f"{again.bound.unavoidable} + {largest_argument} = {again.lower_bound_repeats}"
    assert total in render_report(again)
    assert "in report.html" in quality_sentence(again, "in report.html")  # not "below"


def test_impossible_rules_are_diagnosed_in_numbers():
    """Counting proves the conflict before any search, naming rule and numbers."""
    roster = _roster(20, authorities=2)
    plan = plan_breakouts(roster, BreakoutRules(rounds=2, room_size=4, min_authorities=3))
    assert plan.status == "infeasible" and plan.schedule is None
    assert plan.diagnosis is not None and "min_authorities" in plan.diagnosis.rules
    assert "only 2 authorities take part" in str(plan.diagnosis)
    # --json's diagnosis has its text in one message, as solve's has (it was '')
    said = plan.summary()["diagnosis"]["message"]
    assert said.startswith("The rules cannot all be met.") and "only 2 authorities" in said
    tight = BreakoutProblem.build(roster, BreakoutRules(rounds=1, rooms=2, max_per_authority=4))
    found = counting_diagnosis(tight)
    assert found is not None and "at most 8 fit in 2 rooms" in str(found)
    # 73 people in rooms of at most 3: rooms of 2 and of 3 are both too small for 4
    small = BreakoutProblem.build(
        _roster(73, authorities=5), BreakoutRules(rounds=1, room_size=3, min_authorities=4)
    )
    found = counting_diagnosis(small)
    assert found is not None and "rooms of 2-3 people cannot hold 4 authorities" in str(found)


def test_cp_sat_proves_a_round_impossible_and_names_the_rules():
    """CP-SAT's assumptions name the rules that cannot hold together."""
    people = tuple(Person(f"p{i}", authority="North" if i < 3 else "South") for i in range(4))
    problem = BreakoutProblem.build(
        Roster(people), BreakoutRules(rounds=1, rooms=2, min_authorities=2, max_per_authority=1)
    )
    row, proof = repair_round(problem, np.zeros((1, 4), np.int32), 0, time_limit=10, seed=0)
    assert row is None and proof is not None
    assert set(proof.rules) <= {"min_authorities", "max_per_authority"} and proof.rules
    assert proof.proven_by == "CP-SAT"


def test_cp_sat_repairs_what_the_search_left_broken(monkeypatch):
    """When the search hands back a round that breaks a rule, CP-SAT re-solves that round
    and the plan keeps every rule."""
    roster = _roster(24)
    rules = BreakoutRules(rounds=2, room_size=4, min_authorities=3)
    real = api.solve_schedule

    def broken_search(problem, **kwargs):
        outcome = real(problem, **kwargs)
        bad = outcome.schedule.copy()
        bad[1] = np.arange(problem.n) // 4  # colleagues (i, i + 1) share rooms
        return type(outcome)(bad, outcome.method, outcome.steps, outcome.trace)

    monkeypatch.setattr(api, "solve_schedule", broken_search)
    plan = plan_breakouts(roster, rules, time_limit=30, settings=QUICK)
    assert plan.feasible and "CP-SAT repair of round 2" in plan.method
    assert check_plan(plan).broken == set()


def test_golf_targets_kirkman_and_the_original_nine_weeks():
    """5-3-7, 8-4-9 and 7-7-8 come out of designs with no repeat (no search needed)."""
    for g, s, w, design in (
        (5, 3, 7, "Kirkman triple system"),
        (8, 4, 9, "transversal design TD(4,8)"),
        (7, 7, 8, "affine geometry AG(2,7)"),
    ):
        result = solve_golf(g, s, w, time_limit=5)
        assert result.repeats == 0 == result.lower_bound_repeats
        assert result.method.startswith(design)
        lines = result.lines().splitlines()
        assert len(lines) == g * s * w and lines[0].count(" ") == 2


def test_golf_beyond_the_bound_reports_at_least_the_bound():
    """8-4-11 cannot be repeat-free: the schedule has at least the proven 32 repeats."""
    result = solve_golf(8, 4, 11, time_limit=1, settings=SearchSettings(max_steps=500))
    assert result.lower_bound_repeats == 32 <= result.repeats
    with pytest.raises(InvalidParameterError, match="'groups' parameter of solve_golf"):
        solve_golf(0, 4, 2)
    # groups of one meet nobody: such an instance is refused, not solved with fewer groups
    for groups in (2, 3, 4):
        with pytest.raises(InvalidParameterError, match="'size' parameter of solve_golf"):
            solve_golf(groups, 1, 3)
    # a plan that is not a BreakoutPlan is named, not an AttributeError from inside
    with pytest.raises(InvalidParameterError, match="'plan' parameter of replan_round"):
        replan_round("plan.csv", 2, [])  # type: ignore[arg-type]


def test_a_history_naming_nobody_on_the_roster_is_refused_from_python_too():
    """The command refused it, plan_breakouts planned as if there were none (the wrong
    file, a pseudonymised one perhaps, would have kept nobody apart); a history naming
    some strangers is planned, as from the command (with a warning there)."""
    roster = _roster(12)
    rules = BreakoutRules(rounds=2, room_size=3)
    strangers = History(({"X1": "a", "X2": "a", "X3": "b"},))
    with pytest.raises(InvalidParameterError, match="naming people of the roster"):
        plan_breakouts(roster, rules, history=strangers, time_limit=3)
    some = History(({"X1": "a", "P001": "a", "P002": "a"},))
    assert plan_breakouts(roster, rules, history=some, time_limit=3).schedule is not None


def test_golf_of_one_group_is_refused_in_its_own_words():
    """solve_golf(1, 3, 2) named BreakoutRules' 'rooms', a parameter its caller never gave."""
    with pytest.raises(InvalidParameterError, match="'groups' parameter of solve_golf"):
        solve_golf(1, 3, 2)


# (authority, people, schools sending two)
_ORGANISERS_31 = [("Glasgow City", 12, 2), ("South Lanarkshire", 8, 2),
                  ("North Lanarkshire", 5, 0), ("Renfrewshire", 4, 1),
                  ("East Dunbartonshire", 2, 0)]  # fmt: skip
_REVIEWERS_121 = [("Glasgow City", 40, 10), ("South Lanarkshire", 25, 6),
                  ("North Lanarkshire", 20, 4), ("Renfrewshire", 12, 3),
                  ("East Dunbartonshire", 8, 2), ("Inverclyde", 6, 1),
                  ("East Renfrewshire", 5, 1), ("West Dunbartonshire", 5, 0)]  # fmt: skip


@pytest.mark.parametrize("seed", [0, 1])
@pytest.mark.parametrize(
    ("sizes", "room_size", "rounds", "authorities", "design"),
    [(_ORGANISERS_31, 4, 8, 3, "TD(4,8)"), (_REVIEWERS_121, 11, 7, 6, "AG(2,11)")],
)
def test_a_design_is_renamed_until_the_authority_rule_holds(
    seed, sizes, room_size, rounds, authorities, design
):
    """A design has 0 repeats, and renaming its people meets the authority rule. 31 people
    of 5 authorities in rooms of 4 for 8 rounds, 3 authorities a room: the tabu renaming
    stalled and the search ended at 5-6 repeats after 17 s (an organiser's annealing did
    it in under a thousand swaps). 121 people of 8 authorities in rooms of 11, 6 a room:
    annealing alone lost what the tabu renaming did in 0.02 s (a reviewer: 26-227 repeats,
    or no plan at a short limit). The tabu search first, then annealing, does both."""
    places = []
    for authority, count, pairs in sizes:
        schools = [f"{authority} {k // 2}" for k in range(2 * pairs)]
        schools += [f"{authority} {pairs + k}" for k in range(count - 2 * pairs)]
        places += [(school, authority) for school in schools]
    people = tuple(Person(f"P{i:03d}", f"Name {i}", *place) for i, place in enumerate(places))
    rules = BreakoutRules(rounds=rounds, room_size=room_size, min_authorities=authorities)
    plan = plan_breakouts(Roster(people, ()), rules, seed=seed, time_limit=5)
    assert plan.status == "optimal" and plan.repeats == 0, (plan.repeats, plan.method)
    assert design in plan.method
    assert check_plan(plan).broken == set()
