"""Tests for clnmatch.rematch: restoring the rules after withdrawals and late additions."""

from __future__ import annotations

import importlib
import itertools

import numpy as np
import pytest
from builders import balanced_cohort, make_cohort

from clnmatch.errors import InvalidParameterError
from clnmatch.evaluate import check, evaluate
from clnmatch.models import Cohort, Establishment, Facilitator, Practitioner, Rules
from clnmatch.problem import Problem
from clnmatch.rematch import (
    Move,
    RematchResult,
    apply_changes,
    load_previous,
    rematch,
    rematch_teams,
)
from clnmatch.result import Result, Status

# two teams; only sectors and sizes matter (one authority may fill a team)
RULES = Rules(
    teams=2, min_establishments=0, min_authorities=1, max_authority_share=1.0, size_tolerance=2
)
THEMES = ("Literacy", "Numeracy", "Play")
# team 1: primary, secondary, ELC; team 2: primary, special, primary
PREVIOUS = {"E0": 1, "E1": 1, "E2": 1, "E3": 2, "E4": 2, "E5": 2}


def sector_cohort() -> Cohort:
    """Six establishments of two nominees; E4 is team 2's only non-primary establishment."""
    rows = [
        ("A", "primary", [[5, 1, 0], [4, 2, 1]]),
        ("B", "secondary", [[1, 5, 2], [0, 4, 3]]),
        ("C", "ELC", [[0, 1, 5], [1, 2, 4]]),
        ("A", "primary", [[4, 0, 3], [5, 1, 2]]),
        ("B", "special", [[2, 5, 1], [3, 4, 0]]),
        ("C", "primary", [[0, 4, 4], [1, 5, 5]]),
    ]
    return make_cohort(rows, themes=THEMES)


def lexicographic_optimum(
    cohort: Cohort, rules: Rules, previous: dict[str, int]
) -> tuple[int, int]:
    """(fewest moves, best objective with that many) by enumerating every assignment."""
    problem = Problem.from_cohort(cohort, rules)
    prev = [previous.get(uid, 0) - 1 for uid in problem.unit_ids]
    best: tuple[int, int] | None = None
    for teams in itertools.product(range(problem.n_teams), repeat=problem.n_units):
        ev = evaluate(problem, np.array(teams))
        if not ev.feasible:
            continue
        moves = sum(1 for t, p in zip(teams, prev, strict=True) if p >= 0 and t != p)
        key = (moves, -ev.objective_milli)
        if best is None or key < best:
            best = key
    assert best is not None
    return best[0], -best[1]


def global_optimum(cohort: Cohort, rules: Rules) -> int:
    """The best objective of any rule-abiding assignment, by enumeration (milli-points)."""
    problem = Problem.from_cohort(cohort, rules)
    scores = [
        ev.objective_milli
        for teams in itertools.product(range(problem.n_teams), repeat=problem.n_units)
        if (ev := evaluate(problem, np.array(teams))).feasible
    ]
    return max(scores)


def test_previous_teams_are_rule_abiding() -> None:
    """The hand-made starting teams break no rule (so every later breach is the change's)."""
    cohort = sector_cohort()
    assignment = {p.id: PREVIOUS[p.establishment_id] for p in cohort.practitioners}
    assert check(cohort, RULES, assignment).feasible


def test_withdrawal_that_breaks_a_sector_rule_moves_exactly_one() -> None:
    """E4 leaves team 2 with primaries only: one non-primary of team 1 moves over, nobody else."""
    result = rematch_teams(sector_cohort(), PREVIOUS, ["E4"], rules=RULES, time_limit=5)
    assert isinstance(result, RematchResult)
    assert result.feasible
    assert result.moves_proven_minimal
    assert len(result.moves) == 1
    move = result.moves[0]
    assert move.establishment_id in {"E1", "E2"}
    assert (move.from_team, move.to_team) == (1, 2)
    assert "min_sectors" in move.reason or "sector" in move.reason
    teams = result.establishment_team()
    for eid, team in PREVIOUS.items():
        if eid not in ("E4", move.establishment_id):
            assert teams[eid] == team
    assert [b.rule for b in result.broken_before] == ["min_sectors"]
    assert [m.establishment_id for m in result.withdrawn] == ["E4"]
    assert result.withdrawn[0].to_team is None
    assert check(result.cohort, RULES, result.assignment).feasible


def test_rematch_is_lexicographically_optimal() -> None:
    """Fewest moves first, then the best objective: both match a brute-force enumeration."""
    cohort = sector_cohort()
    result = rematch_teams(cohort, PREVIOUS, ["E4"], rules=RULES, time_limit=5)
    moves, objective = lexicographic_optimum(result.cohort, RULES, PREVIOUS)
    assert len(result.moves) == moves == 1
    assert result.evaluation is not None
    assert result.evaluation.objective_milli == objective
    assert result.fewest_moves_bound == pytest.approx(objective / 1000)


def test_status_is_honest_about_the_whole_problem() -> None:
    """Optimal only when nothing scores higher; the bound is the whole changed cohort's."""
    result = rematch_teams(sector_cohort(), PREVIOUS, ["E4"], rules=RULES, time_limit=5)
    assert result.evaluation is not None and result.bound is not None
    best = global_optimum(result.cohort, RULES)
    assert result.bound * 1000 >= best - 1e-6  # a valid bound for every assignment
    if result.evaluation.objective_milli < best:
        assert result.status == Status.FEASIBLE
        assert result.best_known == pytest.approx(best / 1000)
        assert any("fresh solve" in n for n in result.notes)
    else:
        assert result.status == Status.OPTIMAL


def test_withdrawal_that_breaks_nothing_moves_nobody() -> None:
    """E5 (a primary of team 2) leaving breaks no rule: zero moves, every team as before."""
    result = rematch_teams(sector_cohort(), PREVIOUS, ["E5"], rules=RULES, time_limit=5)
    assert result.feasible
    assert result.moves == ()
    assert result.broken_before == ()
    assert result.establishment_team() == {k: v for k, v in PREVIOUS.items() if k != "E5"}
    assert check(result.cohort, RULES, result.assignment).feasible


def test_a_withdrawn_school_keeps_no_lock() -> None:
    """Rules that pin, forbid, pair or part a school that withdraws: the locks on it are
    dropped, with a note (the rematch raised: the rules named a school not in the cohort);
    the other locks still hold."""
    rules = RULES.model_copy(
        update={
            "pins": {"E5": 2, "E0": 1},
            "forbidden": (("E5", 1),),
            "apart": (("E5", "E0"),),
            "together": (("E5", "E3"),),
        }
    )
    result = rematch_teams(sector_cohort(), PREVIOUS, ["E5", "E2"], rules=rules, time_limit=5)
    assert result.feasible
    assert result.establishment_team()["E0"] == 1
    assert "locks naming E5 were dropped: withdrawn" in result.notes  # E2 had none
    with pytest.raises(InvalidParameterError, match="E9"):  # a lock on nobody is still wrong
        rematch_teams(
            sector_cohort(), PREVIOUS, ["E5"], rules=RULES.model_copy(update={"pins": {"E9": 1}})
        )


def test_one_nominee_withdrawing_keeps_the_establishment() -> None:
    """A practitioner id withdraws only that person; the establishment stays in its team."""
    result = rematch_teams(sector_cohort(), PREVIOUS, ["E4-2"], rules=RULES, time_limit=5)
    assert result.withdrawn_practitioners == ("E4-2",)
    assert result.withdrawn == ()
    assert result.moves == ()
    assert "E4-2" not in result.assignment
    assert result.assignment["E4-1"] == 2


def test_establishment_withdraws_when_all_nominees_do() -> None:
    """Withdrawing both nominees of E4 withdraws E4 itself."""
    result = rematch_teams(sector_cohort(), PREVIOUS, ["E4-1", "E4-2"], rules=RULES, time_limit=5)
    assert [m.establishment_id for m in result.withdrawn] == ["E4"]
    assert "E4" not in result.cohort.establishment_by_id
    assert len(result.moves) == 1


def test_late_addition_is_placed_and_rules_hold() -> None:
    """A late secondary school joins a team; nobody moves and every rule holds."""
    extra = Cohort(
        themes=THEMES,
        establishments=(Establishment(id="N1", name="Late High", authority="B", sector="S"),),
        practitioners=(
            Practitioner(id="N1-1", name="Late One", establishment_id="N1", role="HT",
                         interests=(2, 2, 2)),
            Practitioner(id="N1-2", name="Late Two", establishment_id="N1", role="teacher",
                         interests=(3, 1, 4)),
        ),
    )  # fmt: skip
    result = rematch_teams(sector_cohort(), PREVIOUS, added=extra, rules=RULES, time_limit=5)
    assert result.feasible
    assert result.moves == ()
    assert [m.establishment_id for m in result.added] == ["N1"]
    placed = result.added[0]
    assert placed.from_team is None and placed.to_team in (1, 2)
    assert result.assignment["N1-1"] == result.assignment["N1-2"] == placed.to_team
    assert check(result.cohort, RULES, result.assignment).feasible


def test_withdrawal_and_addition_together() -> None:
    """E4 leaves and a late special school arrives: it fills team 2's sector gap, no move."""
    extra = make_cohort([("B", "special", [[2, 5, 1], [3, 4, 0]])], themes=THEMES)
    extra = Cohort(
        themes=extra.themes,
        establishments=tuple(e.model_copy(update={"id": "N" + e.id}) for e in extra.establishments),
        practitioners=tuple(
            p.model_copy(update={"id": "N" + p.id, "establishment_id": "N" + p.establishment_id})
            for p in extra.practitioners
        ),
    )
    result = rematch_teams(sector_cohort(), PREVIOUS, ["E4"], extra, rules=RULES, time_limit=5)
    assert result.feasible
    assert result.moves == ()
    assert result.establishment_team()["NE0"] == 2
    assert check(result.cohort, RULES, result.assignment).feasible


def test_rules_that_cannot_be_restored_give_infeasible() -> None:
    """With E1 and E2 gone only one non-primary remains for two teams: status infeasible."""
    result = rematch_teams(sector_cohort(), PREVIOUS, ["E1", "E2"], rules=RULES, time_limit=5)
    assert result.status == Status.INFEASIBLE
    assert not result.feasible
    assert result.assignment == {}
    assert result.diagnosis is not None
    assert "min_sectors" in result.diagnosis.rules


def test_infeasible_by_locks_names_conflicting_rules() -> None:
    """Pinning both non-primaries of team 1 there after E4 leaves: infeasible, rules named."""
    rules = RULES.model_copy(update={"pins": {"E1": 1, "E2": 1}})
    result = rematch_teams(sector_cohort(), PREVIOUS, ["E4"], rules=rules, time_limit=5)
    assert result.status == Status.INFEASIBLE
    assert result.diagnosis is not None
    assert {"pin", "min_sectors"} <= set(result.diagnosis.rules)


def test_unknown_withdrawn_id_is_an_error() -> None:
    """An id that names nobody is refused with the parameter's name."""
    with pytest.raises(InvalidParameterError, match="withdrawn") as refused:
        rematch_teams(sector_cohort(), PREVIOUS, ["NOPE"], rules=RULES, time_limit=5)
    assert "the ids are in teams.csv's establishment_id" in str(refused.value)
    # a school's name (all a survey export gives a lead officer): its id is said
    school = sector_cohort().establishments[2]
    with pytest.raises(InvalidParameterError) as refused:
        rematch_teams(sector_cohort(), PREVIOUS, [f" {school.name.upper()} "], rules=RULES)
    assert f"is the name of {school.id}; give the id" in str(refused.value)


def test_ambiguous_id_needs_a_kind_prefix() -> None:
    """An id that is both a practitioner and an establishment id needs 'kind:id'."""
    cohort = sector_cohort()
    clash = Cohort(
        themes=cohort.themes,
        establishments=cohort.establishments,
        practitioners=tuple(
            p.model_copy(update={"id": "E5"}) if p.id == "E0-2" else p for p in cohort.practitioners
        ),
    )
    with pytest.raises(InvalidParameterError, match="practitioner:E5"):
        apply_changes(clash, ["E5"])
    change = apply_changes(clash, ["establishment:E5"])
    assert change.withdrawn_establishments == ("E5",)
    assert "E5" in change.cohort.practitioner_by_id


def test_a_fresh_export_does_not_bring_back_who_withdrew_before() -> None:
    """A rematch --add of the whole survey exported again brought back a school withdrawn a
    rematch ago, as a late addition (a tester); its people stay out, named, while a file of
    only their rows still brings them back."""
    survey = sector_cohort()
    after = apply_changes(survey, ["E4"]).cohort  # withdrawn at an earlier change
    gone = [p for p in survey.practitioners if p.id not in after.practitioner_by_id]
    change = apply_changes(after, [], survey, withdrawn_before=gone)
    assert "E4" not in change.cohort.establishment_by_id
    assert change.added_practitioners == () and set(change.passed_over) == {p.id for p in gone}
    assert change.passed_over_schools == ("School 4",)  # a note names schools, not people
    theirs = survey.model_copy(
        update={
            "establishments": tuple(e for e in survey.establishments if e.id == "E4"),
            "practitioners": tuple(gone),
        }
    )
    back = apply_changes(after, [], theirs, withdrawn_before=gone)
    assert "E4" in back.cohort.establishment_by_id and back.passed_over == ()


def test_additions_all_already_in_the_cohort_are_said_to_add_nothing() -> None:
    """rematch --add of rows of a school already in the cohort added nothing, silently (a
    contract auditor): the result's notes say none was added."""
    cohort = sector_cohort()
    same = cohort.model_copy(
        update={"establishments": cohort.establishments[:1],
                "practitioners": tuple(cohort.nominees[cohort.establishments[0].id])}
    )  # fmt: skip
    result = rematch_teams(cohort, PREVIOUS, [], same, rules=RULES, time_limit=5)
    assert any("none was added" in n for n in result.warnings()), result.notes
    plain = rematch_teams(cohort, PREVIOUS, ["E4"], rules=RULES, time_limit=5)
    assert not any("none was added" in n for n in plain.warnings())


def with_facilitators(cohort: Cohort) -> Cohort:
    """``cohort`` with a facilitator from each of its authorities A, B and C."""
    return cohort.model_copy(update={"facilitators": (
        Facilitator(id="F1", name="Fac One", authority="A"),
        Facilitator(id="F2", name="Fac Two", authority="B"),
        Facilitator(id="F3", name="Fac Three", authority="C"),
    )})  # fmt: skip


def test_facilitators_are_reallocated() -> None:
    """After a re-match every team has a facilitator and the facilitator rules hold."""
    cohort = with_facilitators(sector_cohort())
    result = rematch_teams(cohort, PREVIOUS, ["E4"], rules=RULES, time_limit=5)
    assert result.feasible
    assert {team for _, team in result.facilitator_links} == {1, 2}
    assert check(result.cohort, RULES, result.assignment, result.facilitator_links).feasible


def test_the_facilitators_allocation_gets_what_is_left_of_the_limit(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Not its own 10 s: at region scale it ran a rematch 2.5 s past a 10 s limit."""
    import clnmatch.facilitators as facilitators

    given: list[float] = []
    allocate = facilitators.allocate_facilitators

    def spy(*args, **kwargs):  # type: ignore[no-untyped-def]
        given.append(kwargs["time_limit"])
        return allocate(*args, **kwargs)

    monkeypatch.setattr(facilitators, "allocate_facilitators", spy)
    cohort = with_facilitators(sector_cohort())
    result = rematch_teams(cohort, PREVIOUS, ["E4"], rules=RULES, time_limit=3)
    assert result.feasible
    assert given and all(0 < seconds <= 3 for seconds in given)


def test_facilitators_placed_by_hand_keep_their_teams_where_the_rules_allow() -> None:
    """``placed_facilitators``: F1 placed with team 2 stays there (another takes team 1);
    all three placed with team 2, at most 3 schools each, cannot all stay (team 1 needs
    one): the rules allocate, and a note names the placements not kept."""
    cohort = sector_cohort()
    cohort = cohort.model_copy(update={"facilitators": tuple(
        Facilitator(id=f"F{i}", name=f"Fac {i}", authority=a) for i, a in ((1, "A"), (2, "B"), (3, "C"))
    )})  # fmt: skip
    links = [("F1", 1), ("F2", 2), ("F3", 2)]
    kept = rematch_teams(cohort, PREVIOUS, ["E3"], rules=RULES, time_limit=5,
                         previous_links=links, placed_facilitators={"F1": 2})  # fmt: skip
    assert kept.feasible and ("F1", 2) in kept.facilitator_links
    assert {team for _, team in kept.facilitator_links} == {1, 2}
    few = RULES.model_copy(update={"schools_per_facilitator": 3})
    every = {"F1": 2, "F2": 2, "F3": 2}
    none = rematch_teams(cohort, PREVIOUS, ["E3"], rules=few, time_limit=5,
                         previous_links=links, placed_facilitators=every)  # fmt: skip
    assert none.feasible and {team for _, team in none.facilitator_links} == {1, 2}
    assert any("no allocation keeps every facilitator placed by hand" in n for n in none.notes)


def test_rematch_of_a_solved_result() -> None:
    """rematch(result, ...) keeps the rules, objective and teams of a solved cohort."""
    from clnmatch.solve import solve

    cohort = balanced_cohort(12, 2)
    rules = Rules(teams=2, min_establishments=0)
    previous = solve(cohort, rules, strategy="greedy", time_limit=5)
    assert previous.feasible
    result = rematch(previous, ["E3"], time_limit=5)
    assert result.feasible
    assert result.rules == rules
    assert result.objective_name == previous.objective_name
    assert check(result.cohort, rules, result.assignment).feasible
    before = previous.establishment_team()
    after = result.establishment_team()
    stayed = [e for e in after if after[e] == before[e]]
    assert len(stayed) == len(after) - len(result.moves)


def test_load_previous_reads_teams_csv(tmp_path) -> None:  # type: ignore[no-untyped-def]
    """A teams.csv written from a result gives back each establishment's team."""
    cohort = sector_cohort()
    assignment = {p.id: PREVIOUS[p.establishment_id] for p in cohort.practitioners}
    result = Result(
        status=Status.FEASIBLE, cohort=cohort, rules=RULES, objective_name="blend",
        strategy="hand", seed=0, runtime_s=0.0, assignment=assignment,
    )  # fmt: skip
    path = tmp_path / "teams.csv"
    result.to_dataframe().to_csv(path, index=False)
    assert load_previous(cohort, path) == PREVIOUS
    again = rematch_teams(cohort, load_previous(cohort, path), ["E5"], rules=RULES, time_limit=5)
    assert again.moves == ()


def test_a_school_split_by_hand_is_said_to_be_together_again(tmp_path) -> None:  # type: ignore[no-untyped-def]
    """`event --from` and `rematch` on a teams.csv with one nominee moved by hand put the
    school in one team unsaid (a re-tester): said now, naming the school and its teams."""
    cohort = sector_cohort()
    est = next(e for e in cohort.establishments if len(cohort.nominees[e.id]) > 1)
    first, *others = cohort.nominees[est.id]
    moved = PREVIOUS[est.id] % RULES.teams + 1
    rows = [
        (p.id, moved if p is first else PREVIOUS[p.establishment_id]) for p in cohort.practitioners
    ]
    path = tmp_path / "teams.csv"
    path.write_text("practitioner_id,team\n" + "".join(f"{p},{t}\n" for p, t in rows))
    notes: list[str] = []
    teams = load_previous(cohort, path, notes=notes)
    (note,) = notes
    assert f"nominees of {est.name} ({est.id}) are in teams" in note
    assert f"all in team {teams[est.id]}" in note and str(path) in note


def test_previous_teams_may_be_keyed_by_practitioner() -> None:
    """A practitioner -> team mapping (as in Result.assignment) works as the previous teams."""
    cohort = sector_cohort()
    by_person = {p.id: PREVIOUS[p.establishment_id] for p in cohort.practitioners}
    result = rematch_teams(cohort, by_person, ["E5"], rules=RULES, time_limit=5)
    assert result.moves == ()
    assert result.previous_teams == PREVIOUS


def test_summary_lists_the_changes() -> None:
    """summary() carries the moves and withdrawals; the moves table has one row per change."""
    result = rematch_teams(sector_cohort(), PREVIOUS, ["E4"], rules=RULES, time_limit=5)
    summary = result.summary()
    assert summary["rematch"]["withdrawn"][0]["establishment_id"] == "E4"
    assert len(summary["rematch"]["moves"]) == 1
    frame = result.moves_frame()
    assert list(frame["change"]) == ["withdrawn", "moved"]
    assert isinstance(result.moves[0], Move)


def test_bad_time_limit_is_refused() -> None:
    """A time limit that is not a positive number is refused naming the parameter."""
    with pytest.raises(InvalidParameterError, match="time_limit"):
        rematch_teams(sector_cohort(), PREVIOUS, ["E5"], rules=RULES, time_limit=0)


def test_cpsat_stage_two_agrees_with_brute_force(monkeypatch: pytest.MonkeyPatch) -> None:
    """With enumeration switched off, the CP-SAT stage 2 reaches the same lexicographic optimum."""
    # the package re-exports the function rematch, which hides the module's attribute
    rematch_module = importlib.import_module("clnmatch.rematch.stages")

    monkeypatch.setattr(rematch_module, "_ENUMERATION_LIMIT", 0)
    result = rematch_teams(sector_cohort(), PREVIOUS, ["E4"], rules=RULES, time_limit=5)
    assert any("stage 2 (objective) on the whole: OPTIMAL in" in n for n in result.notes)
    moves, objective = lexicographic_optimum(result.cohort, RULES, PREVIOUS)
    assert len(result.moves) == moves
    assert result.evaluation is not None
    assert result.evaluation.objective_milli == objective
    assert result.fewest_moves_bound == pytest.approx(objective / 1000)


def test_team_that_no_longer_exists_forces_a_move() -> None:
    """An establishment recorded in team 3 of a 2-team cohort must move, and says why."""
    previous = {**PREVIOUS, "E5": 3}
    result = rematch_teams(sector_cohort(), previous, rules=RULES, time_limit=5)
    assert result.feasible
    assert [(m.establishment_id, m.from_team) for m in result.moves] == [("E5", 3)]
    assert "no longer exists" in result.moves[0].reason
    assert check(result.cohort, RULES, result.assignment).feasible


def test_same_seed_same_answer() -> None:
    """Two runs with the same seed give the same teams."""
    runs = [
        rematch_teams(sector_cohort(), PREVIOUS, ["E4"], rules=RULES, time_limit=5, seed=3)
        for _ in range(2)
    ]
    assert runs[0].assignment == runs[1].assignment
    assert runs[0].moves == runs[1].moves


def test_late_additions_from_a_dataframe() -> None:
    """Additions given as a survey-shaped DataFrame (themes in another order) are placed."""
    import pandas as pd

    frame = pd.DataFrame(
        {
            "practitioner_id": ["N1-1", "N1-2"],
            "name": ["Late One", "Late Two"],
            "establishment_id": ["N1", "N1"],
            "establishment_name": ["Late High", "Late High"],
            "authority": ["B", "B"],
            "sector": ["secondary", "secondary"],
            "role": ["promoted", "practitioner"],
            "theme:Play": [5, 4],
            "theme:Literacy": [0, 1],
            "theme:Numeracy": [2, 2],
        }
    )
    result = rematch_teams(sector_cohort(), PREVIOUS, added=frame, rules=RULES, time_limit=5)
    assert result.feasible
    assert [m.establishment_id for m in result.added] == ["N1"]
    assert result.cohort.practitioner_by_id["N1-1"].interests == (0, 2, 5)
    assert check(result.cohort, RULES, result.assignment).feasible


def test_when_the_fewest_moves_model_finds_nothing_the_rest_of_the_time_still_answers(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Stage 1 finding nothing in its share (as at 1,000 establishments) is no 'unknown':
    a solve from the previous teams answers, establishments it moved without need go back,
    every rule holds, and the notes say what happened and how long stage 1 took."""
    from ortools.sat.python import cp_model

    core = importlib.import_module("clnmatch.rematch.core")
    Stage = importlib.import_module("clnmatch.rematch.stages").Stage  # noqa: N806

    def nothing(*args: object, **kwargs: object) -> object:
        return Stage(cp_model.UNKNOWN)

    monkeypatch.setattr(core, "min_moves", nothing)
    cohort = balanced_cohort(24, teams=4)
    rules = Rules(teams=4)
    previous = rematch_teams(cohort, {}, rules=rules, time_limit=5, seed=0, mode="reoptimise")
    assert previous.feasible
    gone = cohort.establishments[0].id
    result = rematch(previous, withdrawn=[gone], time_limit=5, seed=0)
    assert result.status in (Status.FEASIBLE, Status.OPTIMAL)
    assert check(result.cohort, rules, result.assignment).feasible
    assert any(
        "the fewest-moves search found no rule-abiding assignment" in n for n in result.notes
    )
    assert not result.moves_proven_minimal
    assert result.n_moves < len(result.cohort.establishments) // 2


def test_move_back_returns_units_only_where_every_rule_holds() -> None:
    """From a rule-abiding assignment, move_back puts units back in their previous teams
    (never breaking a rule) and moves no unit that was not moved."""
    move_back = importlib.import_module("clnmatch.rematch.restore").move_back

    cohort = balanced_cohort(24, teams=4)
    problem = Problem.from_cohort(cohort, Rules(teams=4))
    rng = np.random.default_rng(0)
    solved = rematch_teams(cohort, {}, rules=Rules(teams=4), time_limit=3, mode="reoptimise")
    start = np.array([solved.establishment_team()[u] - 1 for u in problem.unit_ids])
    assert not evaluate(problem, start).breaches
    prev = start.copy()
    swap = rng.permutation(problem.n_units)[:6]
    for a, b in zip(swap[:3], swap[3:], strict=True):
        prev[a], prev[b] = start[b], start[a]  # as if the solve had swapped three pairs
    back = move_back(problem, prev, start, deadline=float("inf"))
    assert not evaluate(problem, back).breaches
    assert ((back != start) <= (prev != start)).all()
    assert (back != prev).sum() < (start != prev).sum()


def test_a_result_of_custom_weights_is_rematched_for_the_same_weights() -> None:
    """rematch(previous) re-matches for previous's own weights (it raised on 'custom')."""
    from clnmatch import ObjectiveWeights, solve

    weights = ObjectiveWeights(focus=1, cohesion=2, simd_mix=5, travel=0.02, name="custom")
    cohort = balanced_cohort(12)
    previous = solve(cohort, Rules(teams=2), objective=weights, time_limit=5, seed=0)
    assert previous.feasible
    new = rematch(previous, withdrawn=[cohort.establishments[0].id], time_limit=5)
    assert new.feasible and new.objective_name == "custom"
    assert new.objective_weights == weights


def test_reoptimise_with_fewer_teams_than_before() -> None:
    """Previous teams past the new rules' count are not handed to the solve as a start
    (which refused them)."""
    cohort = balanced_cohort(24, teams=4)
    before = rematch_teams(cohort, {}, rules=Rules(teams=4), time_limit=3, mode="reoptimise")
    gone = cohort.establishments[0].id
    after = rematch_teams(
        cohort, before.establishment_team(), [gone], rules=Rules(teams=3), time_limit=3,
        mode="reoptimise",
    )  # fmt: skip
    assert after.feasible and set(after.establishment_team().values()) <= {1, 2, 3}


def test_when_the_fewest_moves_model_finds_nothing_the_quick_repair_answers(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """At sizes where CP-SAT finds nothing in stage 1's share, the search's rule repair from
    the previous teams (units moved back where rules allow) is the answer: every rule
    holds, and it moves about as few establishments as the proven fewest."""
    from ortools.sat.python import cp_model

    stages = importlib.import_module("clnmatch.rematch.stages")
    cohort = balanced_cohort(36, teams=6)
    rules = Rules(teams=6)
    previous = rematch_teams(cohort, {}, rules=rules, time_limit=5, seed=0, mode="reoptimise")
    gone = [cohort.establishments[k].id for k in (0, 7)]
    proven = rematch(previous, withdrawn=gone, time_limit=10, seed=0)
    assert proven.moves_proven_minimal

    class Silent:  # a CP-SAT that finds nothing in its time
        wall_time = 0.0

        def solve(self, *args: object) -> int:
            return cp_model.UNKNOWN

        def status_name(self, status: int) -> str:
            return "UNKNOWN"

    monkeypatch.setattr(stages, "_solver", lambda *args: Silent())
    repaired = rematch(previous, withdrawn=gone, time_limit=10, seed=0)
    assert repaired.feasible and not repaired.moves_proven_minimal
    assert check(repaired.cohort, rules, repaired.assignment).feasible
    assert any("quick repair" in n for n in repaired.notes)
    assert not any("found no rule-abiding assignment" in n for n in repaired.notes)
    assert repaired.n_moves <= proven.n_moves + 2


def test_a_model_too_slow_to_build_in_the_time_left_is_not_built(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """At 1,000 establishments stage 1's model took 1.3 s to build (6 s on a busy
    machine), past a 2 s limit: where it would not fit, the quick repair answers, and
    stage 2 counts on a build as slow (both said in the notes)."""
    stages = importlib.import_module("clnmatch.rematch.stages")
    cohort = balanced_cohort(36, teams=6)
    rules = Rules(teams=6)
    previous = rematch_teams(cohort, {}, rules=rules, time_limit=5, seed=0, mode="reoptimise")
    gone = [cohort.establishments[0].id]
    monkeypatch.setattr(stages, "_BUILD_S_PER_CELL", 1.0)  # 216 s for 36 x 6
    built: list[object] = []
    monkeypatch.setattr(stages, "_build", lambda *args, **kwargs: built.append(1))
    answer = rematch(previous, withdrawn=gone, time_limit=3, seed=0)
    assert built == [] and answer.feasible
    assert check(answer.cohort, rules, answer.assignment).feasible
    assert any("stage 1 (fewest moves) skipped: its model takes about" in n for n in answer.notes)
    assert any("no time to build its model" in n for n in answer.notes), answer.notes


def test_a_survey_school_that_came_back_is_said_to_be_back() -> None:
    """changes.json lists a school that withdrew and came back among the additions (a
    rematch reads it so); `check` said "3 establishment(s) ... added" when one joined late."""
    from clnmatch.models import Establishment, Practitioner
    from clnmatch.rematch import ChangeRecord

    survey = sector_cohort()
    came_back = survey.establishment_by_id["E1"]
    late = Establishment(id="N1", name="Late High", authority="B", sector="secondary")
    person = Practitioner(id="N1-1", name="New", establishment_id="N1", role="promoted",
                          interests=(1, 2, 3))  # fmt: skip
    nominee = Practitioner(id="E2-9", name="Later", establishment_id="E2", role="practitioner",
                           interests=(1, 2, 3))  # fmt: skip
    record = ChangeRecord(
        themes=THEMES,
        added_establishments=(came_back, late),
        added_practitioners=(*survey.nominees["E1"], person, nominee),
    )
    assert record.summary_line(survey) == (
        "1 establishment(s) and 2 practitioner(s) added; 1 establishment(s) of the survey back"
    )
    assert record.summary_line() == "2 establishment(s) and 4 practitioner(s) added"
