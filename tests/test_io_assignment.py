"""Tests of clnmatch.io.assignment: reading teams.csv and facilitators.csv back."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from clnmatch.errors import InvalidInputError
from clnmatch.io.assignment import read_assignment, read_links
from clnmatch.io.safe import write_xlsx


def _file(tmp_path: Path, text: str, name: str = "teams.csv") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def _problems(call: object, *args: object, **kwargs: object) -> list[tuple[int | None, str]]:
    with pytest.raises(InvalidInputError) as caught:
        call(*args, **kwargs)  # type: ignore[operator]
    return [(p.row, str(p.column)) for p in caught.value.problems]


def test_reads_teams_focus_and_establishments(tmp_path: Path) -> None:
    """Practitioner -> team, team -> focus, practitioner -> establishment, rows kept."""
    path = _file(
        tmp_path,
        "practitioner_id,establishment_id,team,team_focus\n"
        "007,E1,1,Literacy\n008,E1,1.0,Literacy\n009,E2,2,Numeracy\n",
    )
    table = read_assignment(path)
    assert dict(table.teams) == {"007": 1, "008": 1, "009": 2}
    assert dict(table.focus) == {1: "Literacy", 2: "Numeracy"}
    assert dict(table.establishments) == {"007": "E1", "008": "E1", "009": "E2"}
    assert dict(table.rows) == {"007": 2, "008": 3, "009": 4}
    assert table.warnings == [] and table.file == "teams.csv"


def test_only_the_required_columns(tmp_path: Path) -> None:
    """practitioner_id and team alone are enough."""
    table = read_assignment(_file(tmp_path, "Practitioner ID;Team\n1;3\n"))
    assert (dict(table.teams), dict(table.focus)) == ({"1": 3}, {})


@pytest.mark.parametrize("team", ["0", "-1", "two", "1.5"])
def test_a_team_that_is_not_a_positive_integer(tmp_path: Path, team: str) -> None:
    """A team must be a whole number 1 or more; the error names the row and column."""
    path = _file(tmp_path, f"practitioner_id,team\n1,2\n2,{team}\n")
    assert _problems(read_assignment, path) == [(3, "team")]


def test_a_blank_team_is_a_person_not_placed(tmp_path: Path) -> None:
    """A matching event exports a school it has not placed with its team blank: read as
    not placed, with a warning naming the rows (it was invalid input, so `check` refused
    the event's own folder instead of listing the breach)."""
    path = _file(tmp_path, "practitioner_id,team\n1,2\n2,\n3, \n")
    table = read_assignment(path)
    assert dict(table.teams) == {"1": 2} and dict(table.rows) == {"1": 2, "2": 3, "3": 4}
    (warning,) = table.warnings
    assert "2 row(s) leave it blank (3, 4)" in warning.expected


def test_repeated_practitioner_and_missing_column(tmp_path: Path) -> None:
    """A practitioner twice names the first row; a missing column is named."""
    path = _file(tmp_path, "practitioner_id,team\n1,2\n1,3\n")
    with pytest.raises(InvalidInputError, match="row 2 has the same"):
        read_assignment(path)
    assert _problems(read_assignment, _file(tmp_path, "practitioner_id,group\n1,2\n")) == [
        (1, "None")
    ]


def test_focus_disagreement_uses_the_majority_with_a_warning(tmp_path: Path) -> None:
    """A hand-moved practitioner keeping an old focus: majority wins, a warning says so."""
    path = _file(tmp_path, "practitioner_id,team,team_focus\n1,1,Lit\n2,1,Num\n3,1,Num\n")
    table = read_assignment(path)
    assert dict(table.focus) == {1: "Num"}
    (warning,) = table.warnings
    assert "'Lit' (row 2)" in warning.expected


def test_focus_must_be_a_survey_theme_when_themes_given(tmp_path: Path) -> None:
    """With themes, a focus is matched ignoring case and spelled as the survey spells it."""
    path = _file(tmp_path, "practitioner_id,team,team_focus\n1,1,literacy\n2,2,Art\n")
    assert _problems(read_assignment, path, themes=["Literacy", "Numeracy"]) == [(3, "team_focus")]
    ok = _file(tmp_path, "practitioner_id,team,team_focus\n1,1,literacy\n", name="ok.csv")
    assert dict(read_assignment(ok, themes=["Literacy"]).focus) == {1: "Literacy"}


def test_reads_an_xlsx_sheet(tmp_path: Path) -> None:
    """A teams workbook's named sheet reads like the CSV."""
    path = tmp_path / "teams.xlsx"
    write_xlsx(
        {
            "summary": pd.DataFrame({"x": [1]}),
            "teams": pd.DataFrame({"practitioner_id": ["007"], "team": [2]}),
        },
        path,
    )
    assert dict(read_assignment(path, sheet="teams").teams) == {"007": 2}


def test_read_links(tmp_path: Path) -> None:
    """Facilitator-team links in file order, repeats dropped; bad teams reported."""
    path = _file(tmp_path, "facilitator_id,team\nF1,1\nF2,2\nF1,1\nF1,3\n", "fac.csv")
    assert read_links(path) == [("F1", 1), ("F2", 2), ("F1", 3)]
    bad = _file(tmp_path, "facilitator_id,team\nF1,x\n,2\n", "bad.csv")
    assert _problems(read_links, bad) == [(2, "team"), (3, "facilitator_id")]
    assert _problems(read_links, _file(tmp_path, "id,team\nF1,1\n", "m.csv")) == [(1, "None")]


def test_a_teams_file_saved_by_excel_as_windows_1252_is_read_with_a_warning(
    tmp_path: Path,
) -> None:
    """teams.csv edited in Excel and saved as 'CSV (Comma delimited)' is Windows-1252: its
    ids and teams are read (the names it also holds are not used) and a warning says how
    to save UTF-8; the survey itself is still refused in that encoding."""
    from clnmatch.io.survey import read_survey

    path = tmp_path / "teams.csv"
    path.write_bytes("practitioner_id,name,team\nP1,Ciarán Ó Briain,1\nP2,Zoë,2\n".encode("cp1252"))
    table = read_assignment(path)
    assert dict(table.teams) == {"P1": 1, "P2": 2}
    (warning,) = table.warnings
    assert "Windows-1252" in warning.expected and "CSV UTF-8" in warning.expected
    survey = tmp_path / "survey.csv"
    survey.write_bytes(b"practitioner_id,name\nP1,Ciar\xe1n\n")
    with pytest.raises(InvalidInputError, match="another encoding"):
        read_survey(survey)
    # bytes that are neither UTF-8 nor Windows-1252 are refused as before
    path.write_bytes(b"practitioner_id,team\nP\x81,1\n")
    with pytest.raises(InvalidInputError, match="another encoding"):
        read_assignment(path)
