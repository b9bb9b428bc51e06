"""report.html: self-contained, escaped, every team card and chart, plain-words quality proof.

``hand_result`` (also used by the workbook and browser tests) builds a result by hand:
3 teams of 4 establishments dealt round-robin, which meets every default rule.
"""

from __future__ import annotations

import dataclasses
import re
from pathlib import Path
from types import SimpleNamespace

import pytest

from clnmatch.evaluate import check
from clnmatch.models import Cohort, Establishment, Facilitator, Practitioner, Rules
from clnmatch.report.html import quality_sentence, render_report, rule_checks, write_report
from clnmatch.report.pseudonymise import pseudonymise
from clnmatch.result import Result, Statistics, Status
from clnmatch.strategies.base import TracePoint

FORMULA_NAME = "=cmd|'/c calc'!A1"
SCRIPT_NAME = "<script>alert('x')</script>"
AUTHORITIES = ("Glasgow City", "Inverclyde", "East Renfrewshire", "Renfrewshire")
THEMES = ("Literacy", "Numeracy", "Learning through play")


def hand_cohort() -> Cohort:
    """12 establishments (4 authorities, primary/secondary alternating), 2 nominees each.

    Two names are hostile: a spreadsheet formula and an HTML script tag. Everyone has an email.
    """
    establishments, practitioners = [], []
    for i in range(12):
        establishments.append(
            Establishment(
                id=f"E{i:02d}",
                name=f"School {i} & Annexe",
                authority=AUTHORITIES[i % 4],
                sector="primary" if i % 2 == 0 else "secondary",
                simd_quintile=1 + i % 5,
            )
        )
        for j in range(2):
            n = 2 * i + j
            name = {0: FORMULA_NAME, 1: SCRIPT_NAME}.get(n, f"Teacher Person{n:02d}")
            practitioners.append(
                Practitioner(
                    id=f"P{n:02d}",
                    name=name,
                    establishment_id=f"E{i:02d}",
                    role="promoted" if j == 0 else "practitioner",
                    interests=((n + 1) % 6, (2 * n) % 6, (3 * n + 2) % 6),
                    email=f"person{n:02d}@example.org",
                )
            )
    facilitators = tuple(
        Facilitator(id=f"F{k}", name=f"Facilitator Name{k}", authority=a, role="QIO")
        for k, a in enumerate(AUTHORITIES)
    )
    return Cohort(
        themes=THEMES,
        establishments=tuple(establishments),
        practitioners=tuple(practitioners),
        facilitators=facilitators,
        source="hand cohort",
    )


def hand_result(*, bound_factor: float | None = 1.008, trace: bool = True) -> Result:
    """A feasible result: establishment i in team i % 3 + 1; facilitator k in team k % 3 + 1."""
    cohort = hand_cohort()
    rules = Rules(teams=3)
    assignment = {p.id: int(p.establishment_id[1:]) % 3 + 1 for p in cohort.practitioners}
    links = tuple((f.id, k % 3 + 1) for k, f in enumerate(cohort.facilitators))
    evaluation = check(cohort, rules, assignment, links)
    assert evaluation.feasible, evaluation.summary_line()
    team_focus = {t + 1: cohort.themes[k] for t, k in enumerate(evaluation.team_focus)}
    objective = evaluation.objective
    points = (
        (TracePoint(0.1, objective * 0.9, objective * 1.2), TracePoint(0.5, objective, None))
        if trace
        else ()
    )
    return Result(
        status=Status.FEASIBLE,
        cohort=cohort,
        rules=rules,
        objective_name="blend",
        strategy="hand",
        seed=0,
        runtime_s=0.5,
        assignment=assignment,
        team_focus=team_focus,
        facilitator_links=links,
        evaluation=evaluation,
        bound=None if bound_factor is None else objective * bound_factor,
        statistics=Statistics(points),
        notes=("a note about <this> run",),
    )


@pytest.fixture(scope="module")
def result() -> Result:
    return hand_result()


@pytest.fixture(scope="module")
def html(result: Result) -> str:
    return render_report(result, explanations=[])


@pytest.fixture
def no_charts(monkeypatch: pytest.MonkeyPatch) -> None:
    """Skip drawing charts (the slow part) in tests about text."""
    monkeypatch.setattr("clnmatch.report.html.all_charts", lambda result: [])


def test_every_team_card_and_chart(html: str) -> None:
    """One card per team (id team-1..3) and every chart as an <img> with a data: URI."""
    for team in (1, 2, 3):
        assert f'id="team-{team}"' in html
    assert html.count('class="team-card"') == 3
    charts = ("chart-interest", "chart-sizes", "chart-authority", "chart-sector", "chart-trace")
    for chart in charts:
        assert re.search(rf'<img id="{chart}" src="data:image/png;base64,[A-Za-z0-9+/=]+"', html)


def test_self_contained(html: str) -> None:
    """No http(s) reference, no script, no external stylesheet: the page loads nothing."""
    assert "http://" not in html and "https://" not in html
    assert "<script" not in html
    assert "<link" not in html
    assert "default-src 'none'" in html


def test_names_are_escaped(html: str) -> None:
    """A name holding a script tag appears escaped, never as markup."""
    assert SCRIPT_NAME not in html
    assert "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;" in html
    assert "School 4 &amp; Annexe" in html
    assert "a note about &lt;this&gt; run" in html


def test_members_grouped_with_facts(result: Result, html: str) -> None:
    """Each card lists its establishments, their authority and sector, and its facilitator."""
    card = html.split('id="team-2"')[1].split("</article>")[0]
    for i in (1, 4, 7, 10):  # establishment i is in team i % 3 + 1
        assert f"School {i} &amp; Annexe" in card
    assert "Inverclyde &middot; Secondary" in card  # E01
    assert "Facilitator Name1" in card  # F1 -> team 2
    assert "Teacher Person02" in card and "Promoted" in card


def test_quality_sentences() -> None:
    """Optimal, within a gap (with objective and bound), and no bound each read plainly."""
    feasible = hand_result(bound_factor=1.008)
    objective = feasible.objective
    assert objective is not None
    text = quality_sentence(feasible)
    assert "within 0.8% of the best possible" in text
    assert f"objective {objective:,.1f}" in text
    assert quality_sentence(hand_result(bound_factor=None)).endswith(
        f"no proof of optimality was found in the time limit (objective {objective:,.1f})."
    )
    optimal = dataclasses.replace(feasible, status=Status.OPTIMAL, bound=objective)
    assert quality_sentence(optimal).startswith("This assignment is proven optimal")


def test_rule_checks_with_numbers(result: Result, html: str) -> None:
    """Every applicable rule passes, with its tightest numbers (all teams have 2 sectors)."""
    checks = {c.rule: c for c in rule_checks(result)}
    assert all(c.passed for c in checks.values())
    assert checks["min_sectors"].numbers == "min 2 required; teams have 2"
    assert checks["min_authorities"].numbers == "min 3 required; teams have 4"
    assert checks["team_size"].numbers == "6-10 participants allowed; teams have 8"
    assert "largest share is 25%" in checks["max_authority_share"].numbers
    assert "busiest facilitator supports 4" in checks["facilitator_load"].numbers
    assert "pin" not in checks  # no pins: the rule does not apply
    assert 'id="rule-min_sectors"' in html and "Sectors per team" in html


def test_breach_shown(result: Result, no_charts: None) -> None:
    """A result whose evaluation has a breach shows the rule as breached with its message."""
    cohort = result.cohort
    assignment = dict(result.assignment)
    assignment["P00"] = 2  # splits E00's nominees
    evaluation = check(cohort, result.rules, assignment, result.facilitator_links)
    broken = dataclasses.replace(result, evaluation=evaluation, assignment=assignment)
    checks = {c.rule: c for c in rule_checks(broken)}
    assert not checks["nominees_together"].passed
    assert "1 have nominees in more than one team" in checks["nominees_together"].numbers
    assert "BREACHED" in render_report(broken, explanations=[])


def test_explanations_rendered(result: Result, no_charts: None) -> None:
    """Explanations (establishment_id, text) appear, escaped, in the 'why here' section."""
    why = [
        SimpleNamespace(establishment_id="E03", text="shares <Numeracy> with team 1"),
        SimpleNamespace(establishment_id="E99", text="unknown establishment is ignored"),
    ]
    html = render_report(result, explanations=why)
    section = html.split('id="why"')[1]
    assert "shares &lt;Numeracy&gt; with team 1" in section
    assert "unknown establishment" not in html


def test_infeasible_renders_diagnosis(result: Result, no_charts: None) -> None:
    """An infeasible result shows the diagnosis and no team card."""
    message = "Glasgow City has 9 establishments but at most 8 fit"
    diagnosis = SimpleNamespace(message=lambda: message, to_dict=dict)
    infeasible = dataclasses.replace(
        result,
        status=Status.INFEASIBLE,
        assignment={},
        team_focus={},
        facilitator_links=(),
        evaluation=None,
        bound=None,
        diagnosis=diagnosis,
    )
    html = render_report(infeasible, explanations=[])
    assert "The rules cannot all be met" in html
    assert message in html
    assert 'class="team-card"' not in html and "<img" not in html


def test_pseudonymised_report_has_no_names(result: Result, tmp_path: Path, no_charts: None) -> None:
    """After pseudonymise, no practitioner name or email is in the written report."""
    path = tmp_path / "report.html"
    write_report(pseudonymise(result), path)
    text = path.read_text(encoding="utf-8")
    for p in result.cohort.practitioners:
        assert p.email is not None and p.email not in text
    for name in ("Teacher Person", "Facilitator Name", "calc", "alert("):
        assert name not in text
    assert "Practitioner 001" in text and "School 4 &amp; Annexe" in text


def test_pseudonymise_is_stable_and_leaves_input(result: Result) -> None:
    """Same input, same pseudonyms; the original result keeps its names; ids with '@' go."""
    first, second = pseudonymise(result), pseudonymise(result)
    names = [p.name for p in first.cohort.practitioners]
    assert names == [p.name for p in second.cohort.practitioners]
    assert result.cohort.practitioners[2].name == "Teacher Person02"
    assert all(p.email is None for p in first.cohort.practitioners)
    assert first.assignment == result.assignment
    email_keyed = dataclasses.replace(
        result,
        cohort=result.cohort.model_copy(
            update={
                "practitioners": tuple(
                    p.model_copy(update={"id": p.email}) for p in result.cohort.practitioners
                )
            }
        ),
        assignment={
            f"person{int(pid[1:]):02d}@example.org": t for pid, t in result.assignment.items()
        },
    )
    anonymous = pseudonymise(email_keyed)
    assert not any("@" in pid for pid in anonymous.assignment)
    assert sorted(anonymous.assignment.values()) == sorted(result.assignment.values())


def test_solved_result_renders() -> None:
    """The real pipeline (greedy on a generated 50-establishment cohort) renders whole."""
    try:
        from clnmatch.generate import generate_cohort
        from clnmatch.solve import solve

        solved = solve(generate_cohort(50, seed=1), strategy="greedy", time_limit=5)
    except ImportError as exc:  # a strategy's module not written yet
        pytest.skip(f"solve/generate not importable yet: {exc!r}")
    html = render_report(solved)
    assert html.count('class="team-card"') == (solved.rules.teams if solved.feasible else 0)
    assert "http://" not in html and "https://" not in html
