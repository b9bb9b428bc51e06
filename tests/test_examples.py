"""Every example script runs, as a lead officer would run it (short time limits)."""

from __future__ import annotations

import runpy
import sys
from pathlib import Path

import pytest

from clnmatch.cli import sample_paths

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"


@pytest.fixture(autouse=True)
def no_pdf_printing(monkeypatch: pytest.MonkeyPatch) -> None:
    """No Chromium printing behind write_result: no script here reads or names
    handouts.pdf, whose printing is tested in test_rosters."""
    from clnmatch.report.handouts import CHROMIUM_ENV

    monkeypatch.setenv(CHROMIUM_ENV, "none")


def _run(script: str, *args: str) -> None:
    argv = sys.argv
    sys.argv = [script, *args]
    try:
        runpy.run_path(str(EXAMPLES / script), run_name="__main__")
    except SystemExit as exc:  # scripts that return an exit code
        assert exc.code in (0, None), f"{script} exited {exc.code}"
    finally:
        sys.argv = argv


def test_every_example_is_tested():
    """Each script in examples/ has a test below."""
    tested = {
        "match_sample.py",
        "match_your_survey.py",
        "withdrawals_on_the_day.py",
        "pin_and_keep_apart.py",
        "compare_strategies.py",
        "breakout_rooms.py",
    }
    assert {p.name for p in EXAMPLES.glob("*.py")} == tested


def test_match_sample(tmp_path, capsys):
    """Matches the bundled cohort and writes the report."""
    _run("match_sample.py", "--out", str(tmp_path / "out"), "--time-limit", "5")
    assert (tmp_path / "out" / "report.html").exists()
    assert "team 8" in capsys.readouterr().out


def test_match_your_survey(tmp_path):
    """Matches a survey export with the rules set in the script."""
    survey, facilitators = sample_paths()
    _run(
        "match_your_survey.py",
        str(survey),
        "--facilitators",
        str(facilitators),
        "--out",
        str(tmp_path / "teams"),
        "--time-limit",
        "5",
    )
    assert (tmp_path / "teams" / "teams.csv").exists()


def test_withdrawals_on_the_day(tmp_path, capsys):
    """Two withdrawals are handled with a re-match and a moves table."""
    _run("withdrawals_on_the_day.py", "--out", str(tmp_path / "after"), "--time-limit", "5")
    assert (tmp_path / "after" / "moves.csv").exists()
    assert "withdrew" in capsys.readouterr().out


def test_pin_and_keep_apart(capsys):
    """The pin, the keep-apart and the keep-together locks hold (the script asserts them)."""
    _run("pin_and_keep_apart.py", "--time-limit", "5")
    assert "pinned to 3" in capsys.readouterr().out


@pytest.mark.filterwarnings("ignore::UserWarning")
def test_compare_strategies(tmp_path):
    """Compares strategies on a generated cohort and writes the plot."""
    plot = tmp_path / "compare.png"
    _run(
        "compare_strategies.py",
        "--establishments",
        "24",
        "--strategies",
        "greedy,local_search",
        "--time-limit",
        "2",
        "--plot",
        str(plot),
    )
    assert plot.stat().st_size > 1000


def test_breakout_rooms(tmp_path, capsys):
    """Five rounds of cross-authority rooms with Zoom files, then a re-plan after two leave."""
    out = tmp_path / "rooms"
    _run("breakout_rooms.py", "--out", str(out), "--time-limit", "10")
    assert (out / "zoom_round_5.csv").exists() and (out / "rooms.xlsx").exists()
    assert (tmp_path / "rooms-after-round-2" / "summary.json").exists()
    said = capsys.readouterr().out
    assert "5 rounds" in said and "left before round 3" in said
