"""Tests of clnmatch.io.facilitators: the facilitators table."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from clnmatch.errors import InvalidInputError, InvalidParameterError
from clnmatch.io.facilitators import (
    facilitators_dataframe,
    read_facilitator_table,
    read_facilitators,
    write_facilitators,
)
from clnmatch.models import Facilitator


def _table(tmp_path: Path, text: str, name: str = "fac.csv") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def _problems(path: Path, **kwargs: object) -> list[tuple[int | None, str | None]]:
    with pytest.raises(InvalidInputError) as caught:
        read_facilitator_table(path, **kwargs)  # type: ignore[arg-type]
    return [(p.row, p.column) for p in caught.value.problems]


def test_reads_facilitators_with_expertise(tmp_path: Path) -> None:
    """Ids, names, authorities, roles and expertise; blank expertise is left out."""
    path = _table(
        tmp_path,
        "Facilitator ID,Name,Authority,Role,theme:Literacy,Theme: Numeracy\n"
        "007,Q,Glasgow City,QIO,4,\nF2,R,Education Scotland,,0,5.0\n",
    )
    first, second = read_facilitators(path)
    assert (first.id, first.role, dict(first.expertise)) == ("007", "QIO", {"Literacy": 4})
    assert (second.role, dict(second.expertise)) == ("", {"Literacy": 0, "Numeracy": 5})


def test_role_column_is_optional(tmp_path: Path) -> None:
    """Without a role column every role is blank."""
    path = _table(tmp_path, "facilitator_id,name,authority\nF1,Q,Inverclyde\n")
    assert read_facilitators(path)[0].role == ""


def test_every_problem_is_collected(tmp_path: Path) -> None:
    """Duplicate id (naming both rows), blank cells and bad ratings in one error."""
    path = _table(
        tmp_path,
        "facilitator_id,name,authority,theme:Literacy\n"
        "F1,Q,Glasgow City,6\nF1,,Renfrewshire,x\nF2,S,,2\n",
    )
    assert _problems(path) == [
        (2, "theme:Literacy"),
        (3, "name"),
        (3, "facilitator_id"),
        (3, "theme:Literacy"),
        (4, "authority"),
    ]
    with pytest.raises(InvalidInputError, match="repeats the id of row 2"):
        read_facilitators(path)


def test_missing_columns(tmp_path: Path) -> None:
    """Missing required columns are listed together on the header row."""
    path = _table(tmp_path, "id,name\nF1,Q\n")
    with pytest.raises(InvalidInputError, match="'facilitator_id', 'authority'"):
        read_facilitators(path)


def test_themes_not_in_the_survey_are_warned_and_dropped(tmp_path: Path) -> None:
    """With the survey's themes given, other themes are warnings; names follow the survey."""
    path = _table(
        tmp_path, "facilitator_id,name,authority,theme:LITERACY,theme:Art\nF1,Q,Glasgow City,3,4\n"
    )
    reading = read_facilitator_table(path, themes=["Literacy", "Numeracy"])
    assert dict(reading.facilitators[0].expertise) == {"Literacy": 3}
    (warning,) = reading.warnings
    assert (warning.row, warning.column) == (1, "theme:Art")


def test_unknown_authorities_are_warned_once(tmp_path: Path) -> None:
    """An authority outside the survey is a warning (fine for Education Scotland)."""
    path = _table(
        tmp_path, "facilitator_id,name,authority\nF1,Q,Glasgow\nF2,R,glasgow\nF3,S,glasgow city\n"
    )
    reading = read_facilitator_table(path, authorities=["Glasgow City"])
    assert [(w.row, w.value) for w in reading.warnings] == [(2, "Glasgow")]


@pytest.mark.parametrize("suffix", [".csv", ".xlsx"])
def test_write_then_read_round_trips(tmp_path: Path, suffix: str) -> None:
    """write_facilitators + read_facilitators gives the same facilitators."""
    facilitators = (
        Facilitator(
            id="007", name="=Q", authority="Glasgow City", role="QIO", expertise={"Literacy": 4}
        ),
        Facilitator(
            id="F2",
            name="R, S",
            authority="Education Scotland",
            expertise={"Literacy": 0, "Numeracy": 5},
        ),
    )
    path = tmp_path / f"fac{suffix}"
    write_facilitators(facilitators, path, themes=["Literacy", "Numeracy"])
    assert read_facilitators(path) == facilitators


def test_dataframe_and_bad_paths() -> None:
    """A DataFrame reads; problems name 'facilitators DataFrame'; odd suffixes are refused."""
    df = facilitators_dataframe([Facilitator(id="F1", name="Q", authority="A")], ["Lit"])
    assert list(df.columns) == ["facilitator_id", "name", "authority", "role", "theme:Lit"]
    assert read_facilitators(df)[0].expertise == {}
    bad = pd.DataFrame({"facilitator_id": ["F1"], "name": [""], "authority": ["A"]})
    with pytest.raises(InvalidInputError, match="facilitators DataFrame, row 2, column 'name'"):
        read_facilitators(bad)
    with pytest.raises(InvalidParameterError):
        write_facilitators([], "fac.txt")


def test_cells_are_checked_as_the_surveys_are(tmp_path: Path) -> None:
    """A spreadsheet error value (#N/A from a lookup) is an error on its cell, reported once,
    not a facilitator called "#N/A" nor a second "not a rating"; a name garbled by a wrong
    encoding is an error showing only its garbled signs (both were read as they stood)."""
    path = _table(
        tmp_path,
        "facilitator_id,name,authority,theme:Literacy\n"
        "#N/A,Q,Glasgow City,4\nF2,CiarÃ¡n,Inverclyde,#VALUE!\n",
    )
    with pytest.raises(InvalidInputError) as caught:
        read_facilitator_table(path)
    problems = caught.value.problems
    assert [(p.row, p.column) for p in problems if "spreadsheet error" in p.expected] == [
        (2, "facilitator_id"), (3, "theme:Literacy")
    ]  # fmt: skip
    (garbled,) = [p for p in problems if "garbled" in p.expected]
    assert (garbled.row, garbled.column) == (3, "name") and "á" in garbled.expected
    assert "Ciar" not in str(caught.value)
    assert len(problems) == 3


def test_a_facilitator_of_an_authority_with_no_school_yet_is_not_told_to_check_the_spelling(
    tmp_path: Path,
) -> None:
    """A rightly spelt East Renfrewshire facilitator, kept for a late East Renfrewshire
    school, was told "check the spelling" on every run (a re-tester); a slip still is,
    naming the West Partnership spelling it looks like."""
    path = tmp_path / "fac.csv"
    path.write_text(
        "facilitator_id,name,authority\nF1,Kate Boyd,East Renfrewshire\nF2,Ali Khan,Renfrewshre\n"
        "F3,Mo Reid,Education Scotland\n",
        encoding="utf-8",
    )
    reading = read_facilitator_table(path, authorities=["Glasgow City", "Renfrewshire"])
    said = {w.value: w.expected for w in reading.warnings}
    assert "check the spelling" not in said["East Renfrewshire"]
    assert "counts for no authority's share until one joins" in said["East Renfrewshire"]
    assert said["Renfrewshre"].endswith("otherwise check the spelling (Renfrewshire?)")
    assert "Education Scotland" not in said
