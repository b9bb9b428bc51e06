"""report.html: self-contained, escaped, every team card and chart, plain-words quality proof.

``hand_result`` (also used by the workbook and browser tests) builds a result by hand:
3 teams of 4 establishments dealt round-robin, which meets every default rule.
"""

from __future__ import annotations

import dataclasses
import re
from html import unescape
from pathlib import Path
from types import SimpleNamespace

import pytest

from clnmatch.evaluate import check
from clnmatch.models import Cohort, Establishment, Facilitator, Practitioner, Rules
from clnmatch.report.html import Heading, render_report, write_report
from clnmatch.report.pseudonymise import PseudonymKey, pseudonymise
from clnmatch.report.words import (
    number,
    quality_sentence,
    rule_checks,
    score_parts,
    score_sentence,
)
from clnmatch.result import Result, Statistics, Status
from clnmatch.strategies.base import TracePoint

FORMULA_NAME = "=cmd|'/c calc'!A1"
SCRIPT_NAME = "<script>alert('x')</script>"
AUTHORITIES = ("Glasgow City", "Inverclyde", "East Renfrewshire", "Renfrewshire")
THEMES = ("Literacy", "Numeracy", "Learning through play")
JOB_TITLES = ("Acting Depute", "Child Development Officer", None, "Nursery Practitioner")
TITLE = "CLN cohort 3 & partners"


def hand_cohort() -> Cohort:
    """12 establishments (4 authorities, primary/secondary alternating), 2 nominees each.

    Two names are hostile: a spreadsheet formula and an HTML script tag. Everyone has an
    email; three in four have a job title.
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
                    job_title=JOB_TITLES[n % len(JOB_TITLES)],
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


def many_teams_result(teams: int) -> Result:
    """``teams`` teams of 2 establishments (one primary, one secondary, two authorities).

    Establishment i (primary for i < teams) and i + teams share team i % teams + 1; no
    facilitators table. Relaxed rules (2 authorities per team) make it feasible.
    """
    establishments, practitioners = [], []
    for i in range(2 * teams):
        establishments.append(
            Establishment(
                id=f"M{i:03d}",
                name=f"Many School {i}",
                authority=AUTHORITIES[i % 4],
                sector="primary" if i < teams else "secondary",
            )
        )
        for j in range(2):
            practitioners.append(
                Practitioner(
                    id=f"Q{i:03d}{j}",
                    name=f"Many Person{i:03d}{j}",
                    establishment_id=f"M{i:03d}",
                    role="promoted" if j == 0 else "practitioner",
                    interests=((i + j) % 6, (2 * i) % 6, (i * j) % 6),
                )
            )
    cohort = Cohort(
        themes=THEMES, establishments=tuple(establishments), practitioners=tuple(practitioners)
    )
    rules = Rules(teams=teams, min_authorities=2, max_participants=1000)
    assignment = {p.id: int(p.establishment_id[1:]) % teams + 1 for p in cohort.practitioners}
    evaluation = check(cohort, rules, assignment)
    assert evaluation.feasible, evaluation.summary_line()
    return Result(
        status=Status.FEASIBLE,
        cohort=cohort,
        rules=rules,
        objective_name="blend",
        strategy="hand",
        seed=0,
        runtime_s=0.1,
        assignment=assignment,
        team_focus={t + 1: cohort.themes[k] for t, k in enumerate(evaluation.team_focus)},
        evaluation=evaluation,
    )


@pytest.fixture(scope="module")
def result() -> Result:
    return hand_result()


@pytest.fixture(scope="module")
def html(result: Result) -> str:
    return render_report(result, explanations=[], heading=Heading(title=TITLE))


@pytest.fixture
def no_charts(monkeypatch: pytest.MonkeyPatch) -> None:
    """Skip drawing charts (the slow part) in tests about text."""
    monkeypatch.setattr("clnmatch.report.html.report_charts", lambda result: [])
    monkeypatch.setattr("clnmatch.report.html.trace_chart", lambda result: None)


def main_text(html: str) -> str:
    """The words a reader sees outside the technical details: tags, styles and ids removed."""
    body = html.split("<body>", 1)[1].split('<details id="technical">', 1)[0]
    return unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", body)))


def test_every_team_card_and_chart(html: str) -> None:
    """One card per team (id team-1..3) and every chart as an <img> with a data: URI."""
    for team in (1, 2, 3):
        assert f'id="team-{team}"' in html
    assert html.count('class="team-card"') == 3
    charts = ("chart-interest", "chart-sizes", "chart-authority", "chart-sector", "chart-trace")
    for chart in charts:
        assert re.search(rf'<img id="{chart}" src="data:image/png;base64,[A-Za-z0-9+/=]+"', html)


def test_each_chart_is_drawn_once(result: Result, monkeypatch: pytest.MonkeyPatch) -> None:
    """The search progress chart was drawn twice for every report (once among the team
    charts, dropped, and again for the technical section): a sixth of the charts' time."""
    from clnmatch.report import charts

    drawn: list[object] = []
    draw = charts.to_data_uri
    monkeypatch.setattr(charts, "to_data_uri", lambda fig: drawn.append(fig) or draw(fig))
    page = render_report(result, explanations=[], heading=Heading(title=TITLE))
    assert len(drawn) == page.count('<img id="chart-') == 5


def test_self_contained(html: str) -> None:
    """No http(s) reference, no script, no external stylesheet: the page loads nothing."""
    assert "http://" not in html and "https://" not in html
    assert "<script" not in html
    assert "<link" not in html
    assert "default-src 'none'" in html


def test_names_are_escaped(html: str) -> None:
    """A name holding a script tag appears escaped, never as markup; so does the title."""
    assert SCRIPT_NAME not in html
    assert "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;" in html
    assert "School 4 &amp; Annexe" in html
    assert "a note about &lt;this&gt; run" in html
    assert "<title>CLN cohort 3 &amp; partners</title>" in html


def test_titled_by_the_cohort_never_by_a_file(result: Result, no_charts: None) -> None:
    """The heading's title names the page; the survey's file name (cohort.source) never shows."""
    sourced = dataclasses.replace(
        result, cohort=result.cohort.model_copy(update={"source": "/data/survey_2025.csv"})
    )
    default = render_report(sourced, explanations=[])
    assert "<title>Collaborative learning teams</title>" in default
    assert "survey_2025" not in default
    titled = render_report(sourced, explanations=[], heading=Heading(title="Cohort 4"))
    assert "<h1>Cohort 4</h1>" in titled and "survey_2025" not in titled


def test_members_grouped_with_facts(result: Result, html: str) -> None:
    """Each card lists its establishments, their authority and sector, and its facilitator."""
    card = html.split('id="team-2"')[1].split("</article>")[0]
    for i in (1, 4, 7, 10):  # establishment i is in team i % 3 + 1
        assert f"School {i} &amp; Annexe" in card
    assert "Inverclyde &middot; Secondary" in card  # E01
    assert "Facilitator Name1 (Inverclyde, QIO)" in card  # F1 -> team 2
    assert "Teacher Person02" in card and "Promoted" in card


def test_job_titles_beside_the_role(result: Result, html: str) -> None:
    """A job title typed in the survey is shown beside the role; e-mails stay out of the report."""
    card = html.split('id="team-1"')[1].split("</article>")[0]
    # P06 (E03, team 1) is promoted with job title "Child Development Officer" (6 % 4 = 2 -> None)
    row = card.split("Teacher Person07")[1].split("</tr>")[0]
    assert "Practitioner" in row and "Nursery Practitioner" in row  # 7 % 4 = 3
    assert "Acting Depute" in html and "person04@example.org" not in html


def test_quality_sentences() -> None:
    """Optimal, within a gap (with score and ceiling), and no bound each read plainly."""
    feasible = hand_result(bound_factor=1.008)
    objective, bound = feasible.objective, feasible.bound
    assert objective is not None and bound is not None
    text = quality_sentence(feasible)
    assert f"score {objective:,.1f} points" in text and f"more than {bound:,.1f}" in text
    assert text.endswith(", at most 0.8% above theirs.")  # the gap is of their score
    assert quality_sentence(hand_result(bound_factor=None)).endswith(
        "no proof of how close that is to the best possible was found in the time limit."
    )
    optimal = dataclasses.replace(feasible, status=Status.OPTIMAL, bound=objective)
    assert "proven the best possible" in quality_sentence(optimal)


def test_score_explained_with_its_parts(result: Result, html: str) -> None:
    """One sentence names each part of the score in points; the parts add up to the score."""
    parts = score_parts(result)
    evaluation = result.evaluation
    assert evaluation is not None and result.objective is not None
    names = [what for what, _ in parts]
    assert any("focus theme" in n for n in names) and any("share interests" in n for n in names)
    assert any("more and less deprived" in n for n in names)  # every school has SIMD
    assert sum(points for _, points in parts) == pytest.approx(result.objective, abs=0.01)
    sentence = score_sentence(result)
    assert sentence.startswith(f"The score of {result.objective:,.1f} points adds ")
    assert f"{evaluation.focus_points} points for members' interest" in sentence
    assert sentence.endswith(".") and ". " not in sentence  # one sentence
    assert sentence in unescape(html)


def test_rule_checks_in_plain_words(result: Result, html: str) -> None:
    """Every applicable rule passes, stated as a person would say it, with its tightest numbers."""
    checks = {c.rule: c for c in rule_checks(result)}
    assert all(c.passed for c in checks.values())
    assert checks["min_sectors"].title == "Each team mixes at least 2 sectors"
    assert checks["min_sectors"].numbers == "Every team has 2 sectors"
    assert checks["min_authorities"].numbers == "Every team has 4 authorities"
    assert checks["team_size"].title == "Teams are of even size: 6 to 10 participants each"
    assert checks["max_authority_share"].title == (
        "No authority holds more than half of a team's establishments"
    )
    assert "largest share is a quarter" in checks["max_authority_share"].numbers
    assert checks["facilitator_supply"].title == (
        "Each authority supplies one facilitator for every 10 of its establishments (or part of 10)"
    )
    assert "busiest facilitator supports 4" in checks["facilitator_load"].numbers
    assert "pin" not in checks  # no pins: the rule does not apply
    assert 'id="rule-min_sectors"' in html


def test_no_setting_names_or_solver_internals_in_the_main_text(html: str) -> None:
    """Outside the technical details no setting name, formula, strategy or seed is shown."""
    text = main_text(html)
    for code in (
        "max_participants",
        "min_sectors",
        "max_authority_share",
        "schools_per_facilitator",
        "size_tolerance",
        "ceil(",
        "objective",
        "strategy",
        "seed",
        "hand",  # the strategy's name
        "a note about",  # the search's notes
    ):
        assert code not in text, code
    assert "Each team mixes at least 2 sectors" in text


def test_technical_details_collapsed(html: str) -> None:
    """Strategy, seed, settings, the search's notes and trace sit in a closed <details>."""
    technical = html.split('<details id="technical">', 1)[1].split("</details>", 1)[0]
    assert "<summary>Technical details" in technical
    assert "hand" in technical and "seed 0" in technical
    assert "max_participants = 100" in technical and "ceil(establishments" in technical
    assert "a note about &lt;this&gt; run" in technical
    assert 'id="chart-trace"' in technical
    assert '<details id="technical" open' not in html


def test_breach_shown(result: Result, no_charts: None) -> None:
    """A result whose evaluation has a breach shows the rule as broken with its message."""
    cohort = result.cohort
    assignment = dict(result.assignment)
    assignment["P00"] = 2  # splits E00's nominees
    evaluation = check(cohort, result.rules, assignment, result.facilitator_links)
    broken = dataclasses.replace(result, evaluation=evaluation, assignment=assignment)
    checks = {c.rule: c for c in rule_checks(broken)}
    assert not checks["nominees_together"].passed
    assert checks["nominees_together"].numbers == "1 of 12 establishments are split across teams"
    assert "BROKEN (1)" in render_report(broken, explanations=[])


def test_breaches_counted_as_rules_and_times(result: Result) -> None:
    """'break 2 rules (3 breaches in all)': a rule broken in two teams is one rule, not two."""
    assignment = dict(result.assignment)
    assignment["P00"] = 2  # splits E00's nominees
    evaluation = check(result.cohort, result.rules, assignment, result.facilitator_links)
    one = dataclasses.replace(evaluation.breaches[0], team=98)
    two = dataclasses.replace(evaluation.breaches[0], rule="min_sectors", team=99)
    evaluation = dataclasses.replace(evaluation, breaches=[*evaluation.breaches, one, two])
    broken = dataclasses.replace(result, evaluation=evaluation, status=Status.BREACHES)
    rules = len({b.rule for b in evaluation.breaches})
    text = quality_sentence(broken)
    assert f"break {rules} rules ({len(evaluation.breaches)} breaches in all)" in text


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
    """After pseudonymise, no practitioner name, id, job title or email is in the report."""
    path = tmp_path / "report.html"
    write_report(pseudonymise(result), path)
    text = path.read_text(encoding="utf-8")
    for p in result.cohort.practitioners:
        assert p.email is not None and p.email not in text
        assert f">{p.id}<" not in text
    for name in ("Teacher Person", "Facilitator Name", "calc", "alert(", "Acting Depute"):
        assert name not in text
    assert "Practitioner 001" in text and "School 4 &amp; Annexe" in text


def test_pseudonymise_keyed_stable_and_leaves_input(result: Result) -> None:
    """Same key, same pseudonyms; a new key, new ids; the original result keeps its names."""
    key = PseudonymKey(b"k" * 32)
    first, second = pseudonymise(result, key), pseudonymise(result, key)
    assert [p.id for p in first.cohort.practitioners] == [p.id for p in second.cohort.practitioners]
    # numbered by their keyed ids, not in survey order (the survey alone would undo that)
    names = [p.name for p in first.cohort.practitioners]
    n = len(names)
    assert sorted(names) == [f"Practitioner {k:03d}" for k in range(1, n + 1)]
    assert names == [p.name for p in second.cohort.practitioners]
    assert names[:2] != ["Practitioner 001", "Practitioner 002"]
    by_id = sorted(first.cohort.practitioners, key=lambda p: p.id)
    assert [p.name for p in by_id] == sorted(names)
    other = pseudonymise(result, PseudonymKey(b"x" * 32))
    assert {p.id for p in other.cohort.practitioners}.isdisjoint(
        p.id for p in first.cohort.practitioners
    )
    assert all(re.fullmatch(r"P-[A-Z2-7]{8}", p.id) for p in first.cohort.practitioners)
    assert all(re.fullmatch(r"F-[A-Z2-7]{8}", f.id) for f in first.cohort.facilitators)
    assert all(p.email is None and p.job_title is None for p in first.cohort.practitioners)
    assert result.cohort.practitioners[2].name == "Teacher Person02"
    # the assignment and facilitator links follow the new ids, team for team
    by_new = {
        new.id: old.id
        for new, old in zip(first.cohort.practitioners, result.cohort.practitioners, strict=True)
    }
    assert {by_new[p]: t for p, t in first.assignment.items()} == result.assignment
    assert [t for _, t in first.facilitator_links] == [t for _, t in result.facilitator_links]


def test_solved_result_renders() -> None:
    """The real pipeline (greedy on a generated 50-establishment cohort) renders whole."""
    from clnmatch.generate import generate_cohort
    from clnmatch.solve import solve

    solved = solve(generate_cohort(50, seed=1), strategy="greedy", time_limit=5)
    html = render_report(solved)
    assert html.count('class="team-card"') == (solved.rules.teams if solved.feasible else 0)
    assert "http://" not in html and "https://" not in html


def test_many_teams_fold_into_a_table(monkeypatch: pytest.MonkeyPatch) -> None:
    """With 30 teams: a glance table, folded member lists, distribution charts, no per-team columns."""
    monkeypatch.setattr("clnmatch.report.many_teams.EXPLAIN_MAX_MOVES", 100)  # 60 x 30 is more
    many = many_teams_result(30)
    html = render_report(many)
    assert 'class="team-card"' not in html and html.count('<details class="team"') == 30
    assert 'id="glance"' in html and html.count('<a href="#team-') == 30
    for chart in ("chart-interest", "chart-sizes", "chart-authority", "chart-sector"):
        assert f'<img id="{chart}"' in html
    assert "Sector mixes" in html and "Heat" not in html
    assert 'id="why-left-out"' in html and "60 establishments" in html
    assert "Many Person0290" in html  # members are still in the page, folded


def test_many_reasons_fold_like_the_member_lists() -> None:
    """70 establishments' reasons (35 teams) are folded under one summary line (at region
    scale the open table was 80% of the page); a CLN cohort's (60 at most) stay open."""
    html = render_report(many_teams_result(35))
    assert '<details class="team" id="why-list">' in html and 'id="why-table"' in html
    assert "The reasons for all 70 establishments" in html
    assert 'id="why-list"' not in render_report(many_teams_result(30))


def test_tables_name_their_rows_and_columns_for_screen_readers(html: str) -> None:
    """Every column header has scope="col", and each rule check starts with a row header
    (a screen reader then says "Teams are of even size: passed", not just "passed"); so
    do the teams, supply and facilitator tables."""
    assert "<th>" not in html and "<th class=" not in html  # every header is scoped
    checks = html.split('id="rule-checks"', 1)[1].split("</table>", 1)[0]
    firsts = re.findall(r'<tr id="rule-[^"]+">\s*(<t[hd][^>]*>)', checks)
    assert firsts and set(firsts) == {'<th scope="row">'}


def test_a_bound_certified_after_the_search_is_in_the_progress_chart() -> None:
    """The search's trace has no bound, the result has one (clnmatch.bounds, after the
    search): the chart drew none and said "no bound was proven"."""
    from clnmatch.report.charts import objective_trace_chart

    traced = hand_result()
    late = dataclasses.replace(
        traced,
        statistics=Statistics(
            tuple(dataclasses.replace(p, bound=None) for p in traced.statistics.trace)
        ),
    )
    chart = objective_trace_chart(late)
    assert chart is not None and "certified after the search" in chart.caption
    assert "no bound was proven" not in chart.caption
    unbounded = objective_trace_chart(dataclasses.replace(late, bound=None))
    assert unbounded is not None and "no bound was proven" in unbounded.caption


def test_a_facilitator_of_several_teams_says_which_team_each_reason_is_for() -> None:
    from clnmatch.report.views import _reasons

    reasons = {("F1", 2): "from A, which has 2 establishments in the team", ("F1", 5): "from A"}
    assert _reasons("F1", (2, 5), reasons) == (
        "Team 2: from A, which has 2 establishments in the team. Team 5: from A."
    )
    assert _reasons("F1", (2,), reasons) == "from A, which has 2 establishments in the team"


def test_team_links_of_many_teams_open_their_fold(no_charts: None) -> None:
    """A link to a folded team targets its content, which a browser opens on arrival (the
    fold itself as target stayed shut), and each school's rows are one print group."""
    page = render_report(many_teams_result(30))
    assert '<a href="#team-1">' in page
    assert '<div id="team-1">' in page and 'id="team-1"' not in page.replace(
        '<div id="team-1">', ""
    )
    members = page[page.index('class="members"') :]
    assert members.index("<tbody>") < members.index("Many School")


def test_a_rematchs_report_says_what_changed(no_charts: None) -> None:
    """After a re-match the report named no withdrawn school or person and no move (they
    were only in moves.csv and summary.json)."""
    from test_rematch import PREVIOUS, RULES, sector_cohort

    from clnmatch.rematch import rematch_teams

    cohort = sector_cohort()
    result = rematch_teams(cohort, PREVIOUS, ["E4", "E0-2"], rules=RULES, time_limit=5)
    page = render_report(result)
    changes = unescape(re.sub(r"<[^>]+>", " ", page[page.index('id="changes"') :]))
    changes = " ".join(changes[: changes.index("Rule checks")].split())
    assert f"withdrawn {cohort.establishment_by_id['E4'].name} 2 -" in changes
    moved = result.moves[0]
    assert f"moved {moved.establishment_name} {moved.from_team} {moved.to_team}" in changes
    assert "nominees withdrawn E0-2, E4-1, E4-2" in changes
    assert 'id="changes"' not in render_report(hand_result())


def test_the_charts_leave_an_apps_matplotlib_as_it_was() -> None:
    """The charts set matplotlib's backend to Agg on import, changing an embedding app's
    (its 'svg' became 'Agg'); they use the object API and no pyplot now."""
    import subprocess
    import sys

    code = (
        "import matplotlib; matplotlib.use('svg')\n"
        "from clnmatch import solve\n"
        "from clnmatch.generate import generate_cohort\n"
        "from clnmatch.models import Rules\n"
        "from clnmatch.report.html import render_report\n"
        "result = solve(generate_cohort(16, seed=1), Rules(teams=2), strategy='greedy',"
        " time_limit=5)\n"
        "assert 'data:image/png;base64,' in render_report(result)\n"
        "import sys; print(matplotlib.get_backend(), 'matplotlib.pyplot' in sys.modules)\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.split() == ["svg", "False"]


def test_dollar_signs_in_a_theme_or_authority_are_drawn_as_typed(tmp_path: Path) -> None:
    """Two '$' in a theme's or an authority's name started matplotlib's maths notation:
    '$\\frac{1}$' stopped every report (solve exited 1 writing nothing; the event's
    "Save every file" answered 500), and '$5 ... $10' was drawn as maths (a security
    tester). The report now draws them as typed."""
    from clnmatch import read_cohort, solve
    from clnmatch.cli import sample_paths
    from clnmatch.report.charts import all_charts

    survey, _ = sample_paths()
    text = survey.read_text(encoding="utf-8-sig")
    authority = "Inverclyde"
    assert authority in text and "theme:Literacy" in text
    text = text.replace("theme:Literacy", "theme:Budget $\\frac{1}$ matters")
    text = text.replace(authority, "Inver $5 and $10 clyde")
    odd = tmp_path / "survey.csv"
    odd.write_text(text, encoding="utf-8")
    result = solve(read_cohort(odd), strategy="greedy", time_limit=2, seed=0)
    assert len(all_charts(result)) >= 3
    html = render_report(result)
    assert "Budget $\\frac{1}$ matters" in unescape(html)


def test_a_score_below_zero_is_written_and_said(tmp_path: Path) -> None:
    """A rule-abiding result whose score has no positive part (travel alone; cohesion of
    random teams) crashed every write (IndexError: a researcher): it is written, and the
    report says the score's parts as they are."""
    import clnmatch
    from clnmatch.cli import sample_paths
    from clnmatch.publish import write_result

    cohort = clnmatch.Cohort.from_csv(sample_paths()[0])
    travel = clnmatch.ObjectiveWeights(focus=0, cohesion=0, simd_mix=0, travel=1, name="travel")
    result = clnmatch.solve(cohort, objective=travel, strategy="greedy", time_limit=10, seed=0)
    assert result.feasible and result.objective is not None and result.objective < 0
    write_result(result, tmp_path / "out", pdf=False)
    text = " ".join((tmp_path / "out" / "report.html").read_text(encoding="utf-8").split())
    assert f"The score of {number(round(result.objective, 1))} points is -" in text
