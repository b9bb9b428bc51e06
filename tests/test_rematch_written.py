"""A re-match made in Python and written with ``write_result`` is a folder the command line
reads as its own: its withdrawals and additions (changes.json) and moves (moves.csv)."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from clnmatch import Cohort, Practitioner, rematch, solve, write_result
from clnmatch.cli import app, sample_paths
from clnmatch.rematch import ChangeRecord

SURVEY, FACILITATORS = sample_paths()
runner = CliRunner()


def test_a_python_rematch_written_keeps_its_withdrawals_for_the_next(tmp_path: Path) -> None:
    """rematch(result, withdrawn=...) then write_result wrote no changes.json nor moves.csv
    (the command line wrote them by hand), so `clnmatch check` of the folder found the
    withdrawn nominees unplaced and a rematch of it brought both schools back as late
    additions (a Python app's tester). A chain of Python rematches keeps every change."""
    cohort = Cohort.from_csv(SURVEY, facilitators=FACILITATORS)
    solved = solve(cohort, strategy="greedy", time_limit=3, seed=0)
    gone = [cohort.establishments[0].id, cohort.establishments[1].id]
    first = rematch(solved, withdrawn=[gone[0]], time_limit=3)
    joiner = Practitioner(
        id="LATE-1", name="Late Joiner", establishment_id=cohort.establishments[5].id,
        role="practitioner", interests=cohort.practitioners[0].interests,
    )  # fmt: skip
    alone = Cohort(themes=cohort.themes, establishments=(cohort.establishments[5],),
                   practitioners=(joiner,))  # fmt: skip
    second = rematch(first, withdrawn=[gone[1]], added=alone, time_limit=3)
    assert second.record is not None
    assert set(second.record.withdrawn_of("establishment")) == set(gone)
    assert "LATE-1" in second.summary()["rematch"]["added_practitioners"]  # a nominee alone
    folder = tmp_path / "py"
    write_result(second, folder, pdf=False)
    assert (folder / "moves.csv").is_file()
    assert set(ChangeRecord.read(folder).withdrawn_of("establishment")) == set(gone)
    fac = ["--facilitators", str(FACILITATORS)]
    checked = runner.invoke(app, ["check", str(SURVEY), str(folder), *fac])
    assert checked.exit_code == 0, checked.output
    out = tmp_path / "again"
    again = ["rematch", str(SURVEY), str(folder), *fac, "--time-limit", "3", "--out", str(out)]
    done = runner.invoke(app, again)
    assert done.exit_code == 0 and "late addition" not in done.output, done.output
    teams = (out / "teams.csv").read_text(encoding="utf-8-sig")
    assert not any(f",{e}," in teams for e in gone) and "LATE-1" in teams
    # pseudonymised: the record names nobody, and the result given back holds no names
    hidden = write_result(second, tmp_path / "hidden", pdf=False, pseudonymise=True)
    text = (tmp_path / "hidden" / "changes.json").read_text(encoding="utf-8")
    assert "Late Joiner" not in text and "LATE-1" not in text
    assert hidden.result is not None and "LATE-1" not in json.dumps(hidden.result.summary())


def test_a_python_rematch_leaves_out_who_withdrew_from_a_fresh_export() -> None:
    """rematch(r1, added=<the whole survey exported again>) brought back a school that
    withdrew at r1 (the command line, which knows who withdrew, left it out: a reviewer)."""
    import pandas as pd

    cohort = Cohort.from_csv(SURVEY, facilitators=FACILITATORS)
    solved = solve(cohort, strategy="greedy", time_limit=3, seed=0)
    gone = cohort.establishments[0].id
    first = rematch(solved, withdrawn=[gone], time_limit=3)
    fresh = pd.read_csv(SURVEY, dtype=str, keep_default_na=False, encoding="utf-8-sig")
    second = rematch(first, added=fresh, time_limit=3)
    assert second.feasible and gone not in second.establishment_team()
    assert any("stay withdrawn" in note for note in second.notes)
    assert second.record is not None and gone in second.record.withdrawn_of("establishment")
