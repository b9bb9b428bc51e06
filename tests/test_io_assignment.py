"""Tests of clnmatch.io.assignment: reading teams.csv and facilitators.csv back."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from clnmatch.errors import InvalidInputError
from clnmatch.io.assignment import match_to_survey, read_assignment, read_links
from clnmatch.io.identity import name_key
from clnmatch.io.safe import write_xlsx
from clnmatch.models import Cohort, Establishment, Practitioner


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


def _frame_cohort(people: list[tuple[str, str, str]]) -> Cohort:
    """A survey without ids: (name, email, school) per row, numbered from row 2."""
    schools = sorted({s for _, _, s in people})
    return Cohort(
        themes=("a", "b"),
        establishments=tuple(
            Establishment(id=s, name=s, authority="A", sector="primary") for s in schools
        ),
        practitioners=tuple(
            Practitioner(id=f"R{k + 2:03d}", name=name, email=email, establishment_id=school,
                         role="practitioner", interests=(1, 2))
            for k, (name, email, school) in enumerate(people)
        ),
    )  # fmt: skip


def _teams_csv(tmp_path: Path, cohort: Cohort, teams: list[int]) -> Path:
    frame = pd.DataFrame(
        {
            "practitioner_id": [p.id for p in cohort.practitioners],
            "name": [p.name for p in cohort.practitioners],
            "email": [p.email or "" for p in cohort.practitioners],
            "establishment_id": [p.establishment_id for p in cohort.practitioners],
            "team": teams,
        }
    )
    path = tmp_path / "teams.csv"
    frame.to_csv(path, index=False)
    return path


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(data=st.data())
def test_rows_renumbered_by_a_deleted_row_match_back_by_name_and_email(
    tmp_path: Path, data: st.DataObject
) -> None:
    """A survey without ids numbers its rows: after deleting any rows, teams.csv's rows
    still reach the same people (by e-mail, else by name, else by name within the school),
    a row of a person deleted stays under an id of nobody (the check names it), and a
    survey left as it was is read as it was, with no warning."""
    n = data.draw(st.integers(2, 25))
    people = [
        (
            data.draw(st.sampled_from([f"Person {k}", "Sam Reid"])),  # two may share a name
            data.draw(st.sampled_from(["", f"p{k}@x.org"])),
            data.draw(st.sampled_from(["S1", "S2", "S3"])),
        )
        for k in range(n)
    ]
    teams = data.draw(st.lists(st.integers(1, 4), min_size=n, max_size=n))
    before = _frame_cohort(people)
    path = _teams_csv(tmp_path, before, teams)
    same = match_to_survey(read_assignment(path), before)
    assert dict(same.teams) == {p.id: t for p, t in zip(before.practitioners, teams, strict=True)}
    assert same.warnings == []
    gone = set(data.draw(st.lists(st.integers(0, n - 1), max_size=n - 1)))
    kept = [k for k in range(n) if k not in gone]
    after = _frame_cohort([people[k] for k in kept])
    matched = match_to_survey(read_assignment(path), after)
    for new, k in zip(after.practitioners, kept, strict=True):
        name, email, school = people[k]
        twins = [j for j in range(n) if people[j][0] == name and people[j][2] == school]
        if email or len(twins) == 1 or not gone:  # someone the name and e-mail tell apart
            assert matched.teams.get(new.id) == teams[k], (new.id, k)
    # a row whose person was deleted (no one left has their e-mail, or name) stays under
    # an id of nobody, so that the check says so (it was dropped, and `check` found no
    # breach); a row like someone's still there is taken for their second answer and goes
    left = {people[k][1] or name_key(people[k][0]) for k in kept}
    lost = [k for k in gone if (people[k][1] or name_key(people[k][0])) not in left]
    # two people of one name: a row of one may be taken for the other (a corrected spelling)
    if len({name for name, _, _ in people}) == n:
        assert sum(pid not in after.practitioner_by_id for pid in matched.teams) >= len(lost)


def test_a_corrected_name_keeps_its_id(tmp_path: Path) -> None:
    """An id whose row names nobody of the survey (the spelling corrected since) and that
    no other row claims keeps its person."""
    before = _frame_cohort([("Jon Smith", "", "S1"), ("Ann Bell", "", "S1")])
    path = _teams_csv(tmp_path, before, [1, 2])
    after = _frame_cohort([("John Smith", "", "S1"), ("Ann Bell", "", "S1")])
    matched = match_to_survey(read_assignment(path), after)
    assert dict(matched.teams) == {"R002": 1, "R003": 2} and matched.warnings == []


def test_a_second_answer_deleted_is_no_breach(tmp_path: Path) -> None:
    """One person answered twice (rows 3 and 4, one e-mail); the teams were made, then row 3
    deleted as the docs advise: every row after it is matched back and the second answer's
    row goes, so nobody is unknown; a person deleted outright stays (the check names them)."""
    people = [("Ann", "a@x.org", "S1"), ("Bob", "b@x.org", "S1"), ("Bob", "b@x.org", "S1"),
              ("Cat", "c@x.org", "S2"), ("Dan", "d@x.org", "S2")]  # fmt: skip
    path = _teams_csv(tmp_path, _frame_cohort(people), [1, 2, 2, 1, 2])
    after = _frame_cohort([people[0], people[2], people[3], people[4]])
    matched = match_to_survey(read_assignment(path), after)
    assert dict(matched.teams) == {"R002": 1, "R003": 2, "R004": 1, "R005": 2}
    gone = _frame_cohort([people[0], people[1], people[4]])  # Cat deleted outright
    named = match_to_survey(read_assignment(path), gone)
    assert {p: t for p, t in named.teams.items() if p in gone.practitioner_by_id} == {
        "R002": 1,
        "R003": 2,
        "R004": 2,
    }
    assert [p for p in named.teams if p not in gone.practitioner_by_id] == [
        "teams.csv row 5 (R005)"
    ]


def test_a_row_copied_into_another_team_is_named(tmp_path: Path) -> None:
    """A copy of Bob's row under a new id, in another team (an edit by hand): Bob in two
    teams. It was taken for a second answer and dropped (`check`: no breach); only a second
    answer in the person's own team goes, so the copy stays, under an id of nobody."""
    people = [("Ann", "a@x.org", "S1"), ("Bob", "b@x.org", "S1"), ("Cat", "c@x.org", "S2")]
    cohort = _frame_cohort(people)
    path = _teams_csv(tmp_path, cohort, [1, 1, 2])
    lines = path.read_text(encoding="utf-8").splitlines()
    bob = next(line for line in lines if "b@x.org" in line)
    copy = bob.replace("R003", "X999").replace(",1", ",2")
    path.write_text("\n".join([*lines, copy]) + "\n", encoding="utf-8")
    matched = match_to_survey(read_assignment(path), cohort)
    # an id no survey row has (not a row number, which may have shifted): unknown as it is
    assert [p for p in matched.teams if p not in cohort.practitioner_by_id] == ["X999"]
    assert matched.teams["R003"] == 1


def test_a_second_answer_deleted_beside_a_namesake_elsewhere_is_no_breach(tmp_path: Path) -> None:
    """Sam Lee answered twice at S1 (team 1); another Sam Lee is at S2 (team 2). With the
    first answer deleted, the second's row goes, as a second answer: the namesake's team
    must not make it look like one person in two teams (found by a reviewer)."""
    people = [("Ann", "", "S1"), ("Sam Lee", "", "S1"), ("Sam Lee", "", "S1"),
              ("Sam Lee", "", "S2"), ("Dan", "", "S2")]  # fmt: skip
    path = _teams_csv(tmp_path, _frame_cohort(people), [1, 1, 1, 2, 2])
    after = _frame_cohort([people[0], people[2], people[3], people[4]])
    matched = match_to_survey(read_assignment(path), after)
    assert [p for p in matched.teams if p not in after.practitioner_by_id] == []


def test_a_survey_with_its_own_ids_matches_nobody_by_name(tmp_path: Path) -> None:
    """A survey giving practitioner ids never renumbers, so a row of an id it does not have
    is unknown, even when its name is a listed person's in the same team (a row copied by
    hand under a new id passed `check` as that person's second answer: an outside tester)."""
    people = [("Ann", "a@x.org", "S1"), ("Bob", "b@x.org", "S1")]
    numbered = _frame_cohort(people)
    cohort = numbered.model_copy(
        update={
            "practitioners": tuple(
                p.model_copy(update={"id": f"P{k:05d}"})
                for k, p in enumerate(numbered.practitioners)
            )
        }
    )
    path = _teams_csv(tmp_path, cohort, [1, 1])
    frame = pd.read_csv(path, dtype=str)
    copy = frame.iloc[[1]].assign(practitioner_id="ZZ999")
    pd.concat([frame, copy]).to_csv(path, index=False)
    matched = match_to_survey(read_assignment(path), cohort)
    assert dict(matched.teams) == {"P00000": 1, "P00001": 1, "ZZ999": 1}


def test_rows_of_own_ids_beside_row_numbers_keep_theirs(tmp_path: Path) -> None:
    """A survey without ids plus a late addition with its own id (P900): a row deleted from
    the survey still shifts the row numbers, which are matched back; P900 keeps its own
    (the first version matched nothing once one id was not a row number: the reviewer)."""
    people = [("Ann", "a@x.org", "S1"), ("Bob", "b@x.org", "S1"), ("Cat", "c@x.org", "S2")]
    before = _frame_cohort(people)
    late = before.practitioners[0].model_copy(
        update={"id": "P900", "name": "Eve", "email": "e@x.org"}
    )
    cohort = before.model_copy(update={"practitioners": (*before.practitioners, late)})
    path = _teams_csv(tmp_path, cohort, [1, 2, 3, 2])
    after = _frame_cohort([people[0], people[2]])
    after = after.model_copy(update={"practitioners": (*after.practitioners, late)})
    matched = match_to_survey(read_assignment(path), after)
    assert {p: t for p, t in matched.teams.items() if p in after.practitioner_by_id} == {
        "R002": 1,
        "R003": 3,
        "P900": 2,
    }
