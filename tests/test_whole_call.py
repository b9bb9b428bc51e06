"""The time limit covers the whole call: the split of the limit, and outputs cut with a note.

No wall-clock asserts: the arithmetic of ``clnmatch.time_budget`` is tested on numbers,
and the cut-offs with deadlines already passed or estimated costs made huge (so the
decision does not depend on how fast this machine is). How close the real command comes
to its limit is measured by ``benchmarks/whole_call.py``.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
import time
from pathlib import Path

import pytest
from test_explain import RULES, TEAMS, hand_result, sector_cohort
from typer.testing import CliRunner

from clnmatch import publish, time_budget
from clnmatch.cli import app, sample_paths
from clnmatch.publish import write_result
from clnmatch.report.handouts import find_chromium
from clnmatch.time_budget import (
    EXPLANATIONS,
    MATCH_SHARE,
    MAX_SLOWDOWN,
    MIN_MATCH_S,
    PDF,
    Deadline,
    OutputCosts,
    Pace,
    left_out_reason,
    plan_call,
)

COSTS = OutputCosts(files=1.0, report=1.0, explanations=1.0, pdf=3.0)  # core 2 s


def test_plan_reserves_every_output_when_the_limit_is_long() -> None:
    """With time to spare the match gets what is left minus every output's cost."""
    plan = plan_call(20.0, COSTS)
    assert plan.reserved == (EXPLANATIONS, PDF)
    assert plan.reserve_s == pytest.approx(6.0)
    assert plan.match_s == pytest.approx(14.0)


def test_plan_drops_the_pdf_first_to_keep_the_match_its_share() -> None:
    """8 s: core 2 + explanations 1 leave the match 5 >= 4 (half); the PDF would leave 2."""
    plan = plan_call(8.0, COSTS)
    assert plan.reserved == (EXPLANATIONS,)
    assert plan.match_s == pytest.approx(5.0)
    assert plan.match_s >= MATCH_SHARE * 8.0


def test_plan_keeps_the_core_outputs_even_when_nothing_else_fits() -> None:
    """5 s: the core outputs are reserved for, the optional ones are not."""
    plan = plan_call(5.0, COSTS)
    assert plan.reserved == ()
    assert plan.match_s == pytest.approx(3.0)


def test_plan_never_starves_the_match() -> None:
    """When the core outputs alone exceed the limit the match still gets MIN_MATCH_S."""
    plan = plan_call(1.0, COSTS)
    assert plan.match_s == MIN_MATCH_S and plan.reserved == ()
    assert plan_call(-3.0, COSTS).match_s == MIN_MATCH_S


def test_estimates_grow_with_the_cohort_and_drop_what_is_not_asked() -> None:
    """Bigger cohorts cost more; no PDF or no explanations asked: nothing reserved for them."""
    small = OutputCosts.estimate(
        establishments=50, participants=100, teams=8, explain=True, pdf=True
    )
    large = OutputCosts.estimate(
        establishments=5000, participants=10000, teams=1000, explain=True, pdf=True
    )
    for part in ("files", "explanations", "pdf"):
        assert getattr(large, part) > getattr(small, part)
    assert large.core > small.core
    bare = OutputCosts.estimate(
        establishments=50, participants=100, teams=8, explain=False, pdf=False
    )
    assert bare.explanations == 0.0 and bare.pdf == 0.0 and bare.core == small.core


def test_pace_counts_the_cpu_of_children_that_searched() -> None:
    """A portfolio's racers search in child processes while this one waits: their CPU time
    counts, or a calm machine looks three times busier and handouts.pdf is left out."""
    before = time_budget._cpu_seconds()
    burn = "import time\nwhile time.process_time() < 0.3: pass"
    subprocess.run([sys.executable, "-c", burn], check=True)
    assert time_budget._cpu_seconds() - before >= 0.25


def test_pace_measures_how_busy_the_machine_is(monkeypatch: pytest.MonkeyPatch) -> None:
    """Slowdown = wall / CPU time since the start, from 1 (a core to ourselves) to the cap;
    estimates scale with it."""
    clock = {"wall": 100.0, "cpu": 10.0}
    monkeypatch.setattr(time_budget.time, "perf_counter", lambda: clock["wall"])
    monkeypatch.setattr(time_budget, "_cpu_seconds", lambda: clock["cpu"])
    pace = Pace()
    clock.update(wall=100.1, cpu=10.0)
    assert pace.slowdown() == 1.0  # too short a span to tell
    clock.update(wall=102.0, cpu=11.0)
    assert pace.slowdown() == pytest.approx(2.0)
    clock.update(wall=102.0, cpu=12.5)  # more CPU than wall: other threads; never below 1
    assert pace.slowdown() == 1.0
    clock.update(wall=120.0, cpu=11.0)
    assert pace.slowdown() == MAX_SLOWDOWN
    size = {"establishments": 500, "participants": 1000, "teams": 80}
    calm = OutputCosts.estimate(**size, explain=True, pdf=True)
    busy = OutputCosts.estimate(**size, explain=True, pdf=True, slowdown=2.0)
    assert busy.core == pytest.approx(2 * calm.core) and busy.pdf == pytest.approx(2 * calm.pdf)


def test_deadline_arithmetic() -> None:
    """A deadline remembers its limit; no deadline allows anything."""
    free = Deadline.after(None)
    assert free.remaining() == float("inf") and free.allows(1e12)
    passed = Deadline(time.perf_counter() - 1.0, limit=5.0)
    assert passed.remaining() < 0 and not passed.allows(0.0)
    reason = left_out_reason(passed, 2.5)
    assert "time limit (5 s)" in reason and "left 0.0 s" in reason and "2.5 s" in reason


def _left_out(folder: Path) -> list[dict[str, str]]:
    summary = json.loads((folder / "summary.json").read_text(encoding="utf-8"))
    left: list[dict[str, str]] = summary["left_out"]
    return left


def test_passed_deadline_leaves_optional_outputs_out_with_a_note(tmp_path: Path) -> None:
    """No time left: the core files are written, explanations and the PDF are not, and the
    notes, summary.json and the report each say what was left out and why."""
    result = hand_result(sector_cohort(), RULES, TEAMS)
    out = tmp_path / "out"
    written = write_result(result, out, deadline=Deadline(time.perf_counter() - 1.0, 10.0))
    names = {p.name for p in written}
    assert {"teams.csv", "summary.json", "teams.xlsx", "report.html", "handouts.html"} <= names
    assert "handouts.pdf" not in names
    files = [item["file"] for item in _left_out(out)]
    assert files == [f"{EXPLANATIONS} in report.html", PDF]
    why = {item["file"]: item["why"] for item in _left_out(out)}
    assert "time limit (10 s)" in why[f"{EXPLANATIONS} in report.html"]
    # the PDF: no time left, or (asked first) no browser to print it with
    assert "time limit (10 s)" in why[PDF] or (
        find_chromium() is None and "no Chrome, Edge or Chromium found" in why[PDF]
    )
    assert [n.split(" left out:")[0] for n in written.notes if " left out:" in n] == files
    html = (out / "report.html").read_text(encoding="utf-8")
    assert 'id="why-left-out"' in html and "time limit (10 s)" in html
    assert 'id="why-table"' not in html
    assert "handouts.pdf left out" in html


def test_no_deadline_writes_the_explanations(tmp_path: Path) -> None:
    """Without a deadline nothing is cut: the report explains every establishment."""
    result = hand_result(sector_cohort(), RULES, TEAMS)
    written = write_result(result, tmp_path / "out", pdf=False)
    assert written.left_out == () and _left_out(tmp_path / "out") == []
    html = (tmp_path / "out" / "report.html").read_text(encoding="utf-8")
    assert 'id="why-table"' in html and 'id="why-left-out"' not in html


def test_pdf_is_cut_when_its_estimate_does_not_fit(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A far deadline but a PDF estimated beyond it: explanations written, the PDF left out."""
    huge_pdf = OutputCosts(files=0.0, report=0.0, explanations=0.0, pdf=1e9)
    monkeypatch.setattr(publish, "_costs", lambda result, pdf, slowdown: huge_pdf)
    monkeypatch.setattr(publish, "find_chromium", lambda: "/usr/bin/chromium")
    result = hand_result(sector_cohort(), RULES, TEAMS)
    write_result(result, tmp_path / "out", deadline=Deadline.after(3600.0))
    assert [item["file"] for item in _left_out(tmp_path / "out")] == [PDF]
    html = (tmp_path / "out" / "report.html").read_text(encoding="utf-8")
    assert 'id="why-table"' in html


def test_command_line_says_the_limit_covers_the_whole_call() -> None:
    """--help of solve, demo and rematch: the limit is for the whole call."""
    runner = CliRunner()
    for command in ("solve", "demo", "rematch"):
        shown = runner.invoke(app, [command, "--help"]).output
        text = re.sub(r"[│\s]+", " ", shown)  # rich's panel wraps the help in boxes
        assert "--time-limit" in text and "Seconds for the whole call" in text, command


def test_command_line_refuses_a_limit_of_zero(tmp_path: Path) -> None:
    """--time-limit 0 is an invalid setting (exit 2) naming --time-limit, before any work."""
    shown = CliRunner().invoke(app, ["demo", "--time-limit", "0", "--out", str(tmp_path / "o")])
    assert shown.exit_code == 2 and "--time-limit" in shown.output
    assert not (tmp_path / "o").exists()


def test_command_line_notes_what_it_left_out(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The command prints a note per output left out and records it in summary.json."""
    costs = OutputCosts(files=0.0, report=0.0, explanations=1e9, pdf=1e9)
    monkeypatch.setattr(time_budget.OutputCosts, "estimate", classmethod(lambda cls, **k: costs))
    monkeypatch.setattr(publish, "_costs", lambda result, pdf, slowdown: costs)
    survey, facilitators = sample_paths()
    out = tmp_path / "out"
    args = ["solve", str(survey), "--facilitators", str(facilitators), "--strategy", "greedy"]
    shown = CliRunner().invoke(app, [*args, "--time-limit", "60", "--out", str(out), "--quiet"])
    assert shown.exit_code == 0, shown.output
    assert "explanations in report.html left out" in shown.output
    assert [item["file"] for item in _left_out(out)][0] == f"{EXPLANATIONS} in report.html"


def test_a_run_past_its_limit_says_so(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """solve, demo and rematch never said that a run ended past its --time-limit (a tester:
    37.9 s for 5 s at 5,000 establishments, with one note about handouts.pdf)."""
    import clnmatch.publish

    slow = clnmatch.publish.write_result

    def slow_write(*args, **kwargs):
        time.sleep(2.5)  # writing that outlasts the whole limit, whatever this machine's pace
        return slow(*args, **kwargs)

    monkeypatch.setattr(clnmatch.publish, "write_result", slow_write)
    survey, facilitators = sample_paths()
    args = ["solve", str(survey), "--facilitators", str(facilitators), "--strategy", "greedy"]
    args += ["--time-limit", "1", "--no-pdf"]
    quiet = CliRunner().invoke(app, [*args, "-q", "--out", str(tmp_path / "q")])
    assert quiet.exit_code == 0, quiet.output
    said = " ".join(quiet.output.split())
    assert re.search(r"note: the run took \d+\.\d s, past --time-limit 1 \(the match", said), said
    answer = CliRunner().invoke(app, [*args, "--json", "--out", str(tmp_path / "j")])
    assert answer.exit_code == 0, answer.output
    assert any("past --time-limit 1" in w for w in json.loads(answer.stdout)["warnings"])


def test_a_limit_too_short_for_the_strategy_still_returns_the_greedy_start(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A strategy that finds nothing in its time (the portfolio at 0.3 s spends it starting
    its processes) is followed by the greedy start in what is left of the limit: an
    assignment keeping every rule, said so in the notes, not 'none found'."""
    from clnmatch import solve
    from clnmatch.evaluate import check
    from clnmatch.strategies.base import Proposal
    from clnmatch.strategies.portfolio import PortfolioStrategy

    monkeypatch.setattr(PortfolioStrategy, "run", lambda self, problem, budget: Proposal(None))
    cohort = sector_cohort()
    result = solve(cohort, RULES, strategy="portfolio", time_limit=1.0)
    assert result.assignment and result.status.value == "feasible"
    assert any("this is the greedy start" in note for note in result.notes)
    assert check(cohort, RULES, result.assignment).feasible


def test_the_facilitator_allocation_gets_what_is_left_of_the_limit(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The allocation after the search was given at least 1 s whatever was left, so a
    3 s limit at region scale ran 4 s: it now gets what is left (its solver floors it at
    0.2 s and keeps the first allocation found)."""
    import importlib

    import clnmatch
    from clnmatch import facilitators, finish

    solving = importlib.import_module("clnmatch.solve")  # the module, not the function

    given: list[float] = []
    real = facilitators.allocate_facilitators

    def recorded(*args: object, time_limit: float = 10.0, **kwargs: object) -> object:
        given.append(time_limit)
        return real(*args, time_limit=time_limit, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(finish, "allocate_facilitators", recorded)
    monkeypatch.setattr(solving, "FINISH_S", 1e6)  # nothing is left after the search
    cohort = clnmatch.Cohort.from_csv(*sample_paths())
    result = clnmatch.solve(cohort, strategy="greedy", time_limit=2, seed=0)
    assert result.feasible and given == [0.1]
