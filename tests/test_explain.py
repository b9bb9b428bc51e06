"""Tests for clnmatch.explain: why each establishment is in its team."""

from __future__ import annotations

import numpy as np
import pytest
from builders import balanced_cohort, make_cohort

from clnmatch.errors import InvalidParameterError
from clnmatch.evaluate import check, evaluate
from clnmatch.explain import Explanation, explain, explanations_frame, move_deltas
from clnmatch.generate import generate_cohort
from clnmatch.models import Cohort, Rules
from clnmatch.problem import Problem
from clnmatch.result import Result, Status

THEMES = ("Literacy", "Numeracy", "Play")
RULES = Rules(
    teams=2, min_establishments=0, min_authorities=1, max_authority_share=1.0, size_tolerance=2
)
# team 1: primary, secondary, ELC; team 2: primary, special, primary
TEAMS = {"E0": 1, "E1": 1, "E2": 1, "E3": 2, "E4": 2, "E5": 2}


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


def hand_result(cohort: Cohort, rules: Rules, teams: dict[str, int]) -> Result:
    """A Result for a hand-made establishment -> team mapping, checked by the evaluator."""
    assignment = {p.id: teams[p.establishment_id] for p in cohort.practitioners}
    problem = Problem.from_cohort(cohort, rules)
    unit_team = np.array([teams[uid] - 1 for uid in problem.unit_ids])
    focus = problem.best_focus(unit_team)
    team_focus = {t + 1: cohort.themes[int(k)] for t, k in enumerate(focus)}
    evaluation = check(cohort, rules, assignment, team_focus=team_focus)
    return Result(
        status=Status.FEASIBLE if evaluation.feasible else Status.UNKNOWN,
        cohort=cohort, rules=rules, objective_name="blend", strategy="hand", seed=0,
        runtime_s=0.0, assignment=assignment, team_focus=team_focus, evaluation=evaluation,
    )  # fmt: skip


def by_id(explanations: list[Explanation]) -> dict[str, Explanation]:
    return {e.establishment_id: e for e in explanations}


def brute_force_alternatives(result: Result) -> dict[str, tuple[int, float, list[str]]]:
    """Establishment -> (best other team, objective change, breach messages), over all teams."""
    problem = Problem.from_cohort(result.cohort, result.rules, result.objective_name)
    teams = result.establishment_team()
    unit_team = np.array([teams[uid] - 1 for uid in problem.unit_ids])
    index = {name: k for k, name in enumerate(problem.theme_names)}
    focus = np.array([index[result.team_focus[t + 1]] for t in range(problem.n_teams)])
    base = evaluate(problem, unit_team, focus)
    assert base.feasible
    chosen = evaluate(problem, unit_team).objective_milli
    out = {}
    for u, uid in enumerate(problem.unit_ids):
        options = []
        for t in range(problem.n_teams):
            if t == unit_team[u]:
                continue
            moved = unit_team.copy()
            moved[u] = t
            ev = evaluate(problem, moved, focus)
            # the points with each team's focus chosen again, as the event's board scores
            delta = evaluate(problem, moved).objective_milli - chosen
            options.append((len(ev.breaches), -delta, t, [b.message for b in ev.breaches]))
        _, loss, t, messages = min(options)
        out[uid] = (t + 1, -loss / 1000, messages)
    return out


def test_every_establishment_gets_an_explanation() -> None:
    """One explanation per establishment, in survey order, with its team and focus."""
    result = hand_result(sector_cohort(), RULES, TEAMS)
    explanations = explain(result)
    assert [e.establishment_id for e in explanations] == list(TEAMS)
    for e in explanations:
        assert isinstance(e, Explanation)
        assert e.team == TEAMS[e.establishment_id]
        assert e.focus == result.team_focus[e.team]
        assert len(e.focus_rating) == 2
        assert e.text.startswith(f"Placed in team {e.team} (focus: {e.focus})")


def test_alternatives_match_what_evaluate_says() -> None:
    """The best alternative, its objective change and its breaches are the evaluator's."""
    result = hand_result(sector_cohort(), RULES, TEAMS)
    expected = brute_force_alternatives(result)
    for e in explain(result):
        team, delta, messages = expected[e.establishment_id]
        assert e.alternative_team == team
        assert e.alternative_delta == pytest.approx(delta)
        assert e.alternative_breaches == messages


def test_only_special_school_is_bound_by_the_sector_rule() -> None:
    """E4 is team 2's only non-primary: min_sectors binds it, and the text says so."""
    explanations = by_id(explain(hand_result(sector_cohort(), RULES, TEAMS)))
    e4 = explanations["E4"]
    assert e4.binding_rules == ["min_sectors"]
    assert "the only special school there" in e4.text
    assert e4.alternative_team == 1
    assert any("team 2 has 1 sector(s)" in m for m in e4.alternative_breaches)
    assert "leave team 2 with one sector" in e4.text
    # team 1 keeps two sectors without any one of its establishments
    for eid in ("E0", "E1", "E2"):
        assert explanations[eid].binding_rules == []
        assert "No rule ties it to team 1" in explanations[eid].text


def test_shared_themes_need_a_rating_of_four_on_both_sides() -> None:
    """E0 (Literacy 5 and 4) shares Literacy with no team mate rating it 4 or more."""
    explanations = by_id(explain(hand_result(sector_cohort(), RULES, TEAMS)))
    assert explanations["E0"].shared_themes == {}
    # E3 (Literacy 4, 5) and E0 are in different teams; E4 and E5 both rate Numeracy >= 4
    assert explanations["E4"].shared_themes == {"Numeracy": ["E5"]}
    assert "They share Numeracy with School 5." in explanations["E4"].text


def test_text_names_no_person() -> None:
    """Texts name establishments and themes, never practitioners (names or emails)."""
    cohort = generate_cohort(16, seed=4, teams_hint=2, with_facilitators=False)
    from clnmatch.solve import solve

    result = solve(cohort, Rules(teams=2, min_establishments=0), strategy="greedy", time_limit=5)
    assert result.feasible
    texts = " ".join(e.text for e in explain(result))
    for p in cohort.practitioners:
        assert p.name not in texts
        assert p.email is None or p.email not in texts
        for part in p.name.split():
            if len(part) > 3 and not any(part in e.name for e in cohort.establishments):
                assert part not in texts


def test_move_deltas_equal_the_evaluators_change() -> None:
    """The fast per-move objective change equals evaluate's, with SIMD and travel terms."""
    cohort = generate_cohort(14, seed=2, teams_hint=3, with_facilitators=False)
    problem = Problem.from_cohort(cohort, Rules(teams=3, min_establishments=0))
    assert problem.simd_milli and problem.travel_km is not None
    rng = np.random.default_rng(0)
    unit_team = rng.integers(0, 3, problem.n_units)
    base = evaluate(problem, unit_team).objective_milli
    delta = move_deltas(problem, unit_team)
    for u in range(problem.n_units):
        for t in range(problem.n_teams):
            moved = unit_team.copy()
            moved[u] = t  # each team's focus chosen again, as the event's board does
            assert delta[u, t] == evaluate(problem, moved).objective_milli - base


def test_solved_result_is_explained_consistently() -> None:
    """On a solved cohort every alternative agrees with a brute-force run of the evaluator."""
    from clnmatch.solve import solve

    result = solve(balanced_cohort(12, 3), Rules(teams=3, min_establishments=0), strategy="greedy",
                   time_limit=5)  # fmt: skip
    assert result.feasible
    expected = brute_force_alternatives(result)
    explanations = explain(result)
    assert len(explanations) == 12
    for e in explanations:
        team, delta, messages = expected[e.establishment_id]
        assert (e.alternative_team, e.alternative_breaches) == (team, messages)
        assert e.alternative_delta == pytest.approx(delta)


def test_frame_has_one_row_per_establishment() -> None:
    """explanations_frame gives a table with one row per establishment and its text."""
    explanations = explain(hand_result(sector_cohort(), RULES, TEAMS))
    frame = explanations_frame(explanations)
    assert list(frame["establishment_id"]) == list(TEAMS)
    assert list(frame["explanation"]) == [e.text for e in explanations]
    assert explanations[0].to_dict()["team"] == 1


def test_result_without_assignment_is_refused() -> None:
    """An infeasible result (no teams) cannot be explained: a clear parameter error."""
    cohort = sector_cohort()
    empty = Result(status=Status.INFEASIBLE, cohort=cohort, rules=RULES, objective_name="blend",
                   strategy="hand", seed=0, runtime_s=0.0)  # fmt: skip
    with pytest.raises(InvalidParameterError, match="result"):
        explain(empty)
