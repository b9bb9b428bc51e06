"""Tests of clnmatch.io.survey: reading and writing the survey table."""

from __future__ import annotations

import os
from pathlib import Path

import pandas as pd
import pytest
from builders import make_cohort

from clnmatch.errors import InputProblem, InvalidInputError, InvalidParameterError
from clnmatch.io.survey import (
    LIKERT_LABELS,
    LIKERT_SCALE,
    parse_rating,
    read_cohort,
    read_survey,
)
from clnmatch.io.survey_write import survey_dataframe, write_survey
from clnmatch.models import Cohort, Role, Sector

HEADER = (
    "practitioner_id,name,establishment_id,establishment_name,authority,sector,role,"
    "theme:Literacy,theme:Numeracy"
)
GOOD_ROWS = (
    "007,Ann,E1,Hillhead Primary,Glasgow City,primary,HT,5,0",
    "008,Bob,E1,Hillhead Primary,Glasgow City,primary,teacher,Very interested,",
    "009,Cat,E2,Wee Ones Nursery,Renfrewshire,nursery,promoted,slightly,3.0",
    "010,Dan,E2,Wee Ones Nursery,Renfrewshire,ELC,EYP,0,Not interested",
)


def _survey(tmp_path: Path, *rows: str, header: str = HEADER, name: str = "survey.csv") -> Path:
    path = tmp_path / name
    path.write_text("\n".join([header, *rows]) + "\n", encoding="utf-8")
    return path


def _problems(path: Path | pd.DataFrame, **kwargs: object) -> list[tuple[int | None, str | None]]:
    with pytest.raises(InvalidInputError) as caught:
        read_survey(path, **kwargs)  # type: ignore[arg-type]
    return [(p.row, p.column) for p in caught.value.problems]


def test_reads_a_small_survey(tmp_path: Path) -> None:
    """Ids keep zeros, aliases map, wordings become ratings, establishments group."""
    cohort = read_cohort(_survey(tmp_path, *GOOD_ROWS))
    assert cohort.themes == ("Literacy", "Numeracy")
    assert [p.id for p in cohort.practitioners] == ["007", "008", "009", "010"]
    assert [p.role for p in cohort.practitioners] == [
        Role.PROMOTED,
        Role.PRACTITIONER,
        Role.PROMOTED,
        Role.PRACTITIONER,
    ]
    assert [p.interests for p in cohort.practitioners] == [(5, 0), (5, 0), (1, 3), (0, 0)]
    assert [(e.id, e.name, e.authority, e.sector) for e in cohort.establishments] == [
        ("E1", "Hillhead Primary", "Glasgow City", Sector.PRIMARY),
        ("E2", "Wee Ones Nursery", "Renfrewshire", Sector.ELC),
    ]
    assert cohort.source == "survey.csv"


def test_header_spelling_variants_and_theme_prefix(tmp_path: Path) -> None:
    """'Practitioner ID', ' ESTABLISHMENT id ', 'Theme: Literacy' all work."""
    header = (
        "Practitioner ID;Name;ESTABLISHMENT id ;Establishment_Name;Authority;Sector;Role;"
        "Theme: Literacy;THEME:Numeracy"
    )
    path = _survey(tmp_path, *(r.replace(",", ";") for r in GOOD_ROWS), header=header)
    assert read_cohort(path).themes == ("Literacy", "Numeracy")


def test_authority_compared_after_trimming_and_case_folding(tmp_path: Path) -> None:
    """'Glasgow City' and ' glasgow  city' are one authority; the first spelling is kept."""
    rows = list(GOOD_ROWS)
    rows[1] = rows[1].replace("Glasgow City", " glasgow  city")
    cohort = read_cohort(_survey(tmp_path, *rows))
    assert cohort.establishments[0].authority == "Glasgow City"


@pytest.mark.parametrize(
    ("text", "rating"),
    [
        ("", 0),
        ("0", 0),
        ("5", 5),
        ("3.0", 3),
        (" Not interested ", 0),
        ("NOT AT ALL", 0),
        ("none", 0),
        ("Slightly", 1),
        ("a little", 1),
        ("somewhat interested", 2),
        ("Moderately", 3),
        ("interested", 3),
        ("Quite interested", 4),
        ("strongly interested", 4),
        ("Very interested", 5),
        ("very", 5),
        ("Extremely interested", 5),
        ("5 - Very interested", 5),
        ("1: slightly", 1),
    ],
)
def test_ratings_and_survey_wordings(text: str, rating: int) -> None:
    """Integers 0-5, blank (0) and the documented wordings all parse."""
    assert parse_rating(text) == rating


@pytest.mark.parametrize("text", ["3.5", "6", "-1", "lots", "2 - Very interested", "1e0"])
def test_bad_ratings_are_refused(text: str) -> None:
    """Fractions, numbers outside 0-5, unknown words and contradictions are errors."""
    with pytest.raises(ValueError, match="0-5"):
        parse_rating(text)


def test_likert_scale_is_monotone_and_documented() -> None:
    """Each label is in the scale with its own rating; 0 = not interested, 5 = very."""
    assert {LIKERT_SCALE[label.casefold()] for label in LIKERT_LABELS.values()} == set(range(6))
    assert all(LIKERT_SCALE[label.casefold()] == r for r, label in LIKERT_LABELS.items())
    assert LIKERT_SCALE["not interested"] == 0
    assert LIKERT_SCALE["very interested"] == LIKERT_SCALE["extremely interested"] == 5
    assert set(LIKERT_SCALE.values()) == set(range(6))


def test_every_problem_is_collected_with_row_and_column(tmp_path: Path) -> None:
    """One error lists all problems, each at its spreadsheet row and column."""
    path = _survey(
        tmp_path,
        "007,Ann,E1,Hillhead,Glasgow City,Nurserie,HT,5,3.5",  # row 2: sector, rating
        "008,Bob,E1,Hillhead,Renfrewshire,primary,teacher,7,2",  # row 3: rating, authority?
        "007,,E2,Other,Inverclyde,primary,janitor,1,1",  # row 4: dup id, blank, role
        "009,Dee,E1,Hillhead,Glasgow City,secondary,PT,1,1",  # row 5: second sector
    )
    assert _problems(path) == [
        (2, "sector"),
        (2, "theme:Numeracy"),
        (3, "theme:Literacy"),
        (3, "authority"),
        (4, "name"),
        (4, "practitioner_id"),
        (4, "role"),
        (5, "sector"),
    ]


def test_messages_read_like_the_contract(tmp_path: Path) -> None:
    """A message names file, row, column, what was expected and the bad value."""
    rows = list(GOOD_ROWS)
    rows[2] = rows[2].replace("nursery", "Nurserie")
    with pytest.raises(InvalidInputError) as caught:
        read_survey(_survey(tmp_path, *rows))
    message = str(caught.value.problems[0])
    assert message.startswith(
        "survey.csv, row 4, column 'sector': expected one of ELC, primary, "
        "secondary, special (aliases: nursery, "
    )
    assert message.endswith("(got 'Nurserie')")


def test_a_cell_naming_two_sectors_or_roles_says_so(tmp_path: Path) -> None:
    """Ticked boxes naming two sectors (a primary with a nursery class) or two roles are
    refused, each cell naming what it names, and a mapping's word reads them."""
    rows = list(GOOD_ROWS)
    rows[0] = rows[0].replace(",primary,HT,", ',"Primary, Early Learning and Childcare (ELC)",HT,')
    rows[1] = rows[1].replace(",primary,teacher,", ",primary,Class Teacher;Principal Teacher;,")
    path = _survey(tmp_path, *rows)
    with pytest.raises(InvalidInputError) as caught:
        read_survey(path)
    messages = [str(p) for p in caught.value.problems]
    assert (
        "row 2, column 'sector': expected one sector; this answer names 2 (ELC, primary)"
        in (messages[0])
    )
    assert (
        "row 3, column 'role': expected one role; this answer names 2 (promoted, " in (messages[1])
    )
    mapping = tmp_path / "map.toml"
    mapping.write_text(
        '[sectors]\nprimary = ["Primary, Early Learning and Childcare (ELC)"]\n'
        '[roles]\npromoted = ["Class Teacher;Principal Teacher;"]\n',
        encoding="utf-8",
    )
    cohort = read_survey(path, mapping=mapping).cohort
    assert cohort.establishment_by_id["E1"].sector is Sector.PRIMARY


def test_duplicate_id_names_both_rows(tmp_path: Path) -> None:
    """A repeated practitioner_id is reported on the later row, naming the earlier one,
    and never printing the id (it may be an email)."""
    rows = list(GOOD_ROWS)
    rows[3] = rows[3].replace("010", "ann@school.org").replace("008", "ann@school.org")
    rows[1] = rows[1].replace("008", "ann@school.org")
    with pytest.raises(InvalidInputError) as caught:
        read_survey(_survey(tmp_path, *rows))
    (problem,) = caught.value.problems
    assert (problem.row, problem.column, problem.value) == (5, "practitioner_id", None)
    assert "repeats the id of row 3" in problem.expected
    assert "ann@" not in str(caught.value)


def test_missing_columns_are_listed_with_those_found(tmp_path: Path) -> None:
    """All missing required columns in one problem, with the columns found and a hint."""
    header = "practitioner_id,name,establishment_id,Sectr,theme:A,theme:B"
    with pytest.raises(InvalidInputError) as caught:
        read_survey(_survey(tmp_path, "1,a,E1,primary,1,1", header=header))
    (problem,) = caught.value.problems
    assert problem.row == 1
    for word in (
        "'establishment_name'",
        "'authority'",
        "'sector'",
        "'role'",
        "columns found: 'practitioner_id'",
        "'Sectr' looks like 'sector'",
    ):
        assert word in problem.expected


def test_fewer_than_two_themes(tmp_path: Path) -> None:
    """One theme column is an error naming the expected header shape."""
    header = HEADER.rsplit(",", 1)[0]
    with pytest.raises(InvalidInputError, match=r"at least 2 theme columns.*found 1"):
        read_survey(_survey(tmp_path, "1,a,E1,S,Glasgow,primary,HT,1", header=header))


def test_repeated_theme_is_an_error(tmp_path: Path) -> None:
    """'theme:Literacy' twice (any spelling) is an error on the header row."""
    header = HEADER + ",Theme: literacy"
    rows = [r + ",1" for r in GOOD_ROWS]
    assert _problems(_survey(tmp_path, *rows, header=header)) == [(1, "Theme: literacy")]


def test_optional_columns_are_checked(tmp_path: Path) -> None:
    """simd 1-5, latitude -90..90, longitude -180..180, decimal commas accepted."""
    header = HEADER + ",simd_quintile,latitude,longitude,email"
    rows = [
        GOOD_ROWS[0] + ',1,"55,87",-4.29,ann@x.org',
        GOOD_ROWS[1] + ",9,95,-4.29,",
        GOOD_ROWS[2] + ",5,55.8,,",
        GOOD_ROWS[3] + ",5,,,",
    ]
    path = _survey(tmp_path, *rows, header=header)
    assert _problems(path) == [(3, "simd_quintile"), (3, "latitude"), (4, "longitude")]
    rows[1] = GOOD_ROWS[1] + ",1,55.87,-4.29,"
    rows[2] = GOOD_ROWS[2] + ",5,55.8,-4.4,"
    cohort = read_cohort(_survey(tmp_path, *rows, header=header))
    first = cohort.establishments[0]
    assert (first.simd_quintile, first.latitude, first.longitude) == (1, 55.87, -4.29)
    assert cohort.practitioners[0].email == "ann@x.org"
    assert cohort.practitioners[1].email is None


def test_a_lone_latitude_column_is_an_error(tmp_path: Path) -> None:
    """A latitude column without a longitude column is one header problem."""
    rows = [r + ",55.8" for r in GOOD_ROWS]
    assert _problems(_survey(tmp_path, *rows, header=HEADER + ",latitude")) == [(1, "latitude")]


def test_warnings_do_not_stop_reading(tmp_path: Path) -> None:
    """Name mismatch and extra columns are warnings only; the nominee mix is not the reader's."""
    rows = [r + ",x" for r in GOOD_ROWS]
    rows[1] = rows[1].replace("Hillhead Primary", "Hillhead PS")
    rows[3] = rows[3].replace("EYP", "promoted")
    reading = read_survey(_survey(tmp_path, *rows, header=HEADER + ",Start time"))
    found = {(w.row, w.column) for w in reading.warnings}
    assert found == {(1, None), (3, "establishment_name")}
    assert reading.cohort.establishments[0].name == "Hillhead Primary"
    text = " ".join(str(w) for w in reading.warnings)
    assert "'Start time'" in text
    assert "Ann" not in text and "Bob" not in text  # no personal data in messages


def test_reading_never_changes_the_file(tmp_path: Path) -> None:
    """Bytes and modification time of CSV and xlsx inputs are unchanged after reading."""
    csv_path = _survey(tmp_path, *GOOD_ROWS)
    xlsx_path = tmp_path / "survey.xlsx"
    write_survey(read_cohort(csv_path), xlsx_path)
    for path in (csv_path, xlsx_path):
        old = (path.read_bytes(), os.stat(path).st_mtime_ns)
        read_survey(path)
        assert (path.read_bytes(), os.stat(path).st_mtime_ns) == old
    assert sorted(os.listdir(tmp_path)) == ["survey.csv", "survey.xlsx"]


def test_cohort_classmethods_forward_to_the_readers(tmp_path: Path) -> None:
    """Cohort.from_csv, from_excel (with sheet) and from_dataframe give the same cohort."""
    from_csv = Cohort.from_csv(_survey(tmp_path, *GOOD_ROWS))
    xlsx = tmp_path / "s.xlsx"
    write_survey(from_csv, xlsx)
    from_excel = Cohort.from_excel(xlsx, sheet="survey")
    from_frame = Cohort.from_dataframe(survey_dataframe(from_csv))
    plain = from_csv.model_copy(update={"source": None})
    assert from_excel.model_copy(update={"source": None}) == plain
    assert from_frame.model_copy(update={"source": None}) == plain


def test_dataframe_input_with_numbers_and_missing_values() -> None:
    """A DataFrame with int and NaN columns reads; blank ratings are 0."""
    df = pd.DataFrame(
        {
            "practitioner_id": [1, 2],
            "name": ["A", "B"],
            "establishment_id": ["E1", "E1"],
            "establishment_name": ["S", "S"],
            "authority": ["Glasgow City", "Glasgow City"],
            "sector": ["P", "P"],
            "role": ["HT", "teacher"],
            "theme:Literacy": [3.0, float("nan")],
            "theme:Numeracy": pd.array([None, 4], dtype="Int64"),
        }
    )
    cohort = read_cohort(df)
    assert [p.id for p in cohort.practitioners] == ["1", "2"]
    assert [p.interests for p in cohort.practitioners] == [(3, 0), (0, 4)]
    with pytest.raises(InvalidInputError, match="survey DataFrame, row 3, column 'sector'"):
        read_cohort(df.assign(sector=["P", "college"]))


def test_write_survey_csv_neutralises_and_round_trips(tmp_path: Path) -> None:
    """A name '=SUM(A1)' is written "'=SUM(A1)" and read back '=SUM(A1)'."""
    cohort = make_cohort([("Glasgow City", "primary", [[1, 2], [3, 4]]), ("=cmd", "ELC", [[5, 0]])])
    path = tmp_path / "s.csv"
    write_survey(cohort, path)
    assert ",'=cmd," in path.read_text(encoding="utf-8-sig")
    assert read_cohort(path).model_copy(update={"source": None, "reading_notes": ()}) == cohort


def test_write_survey_refuses_other_formats(tmp_path: Path) -> None:
    """An unknown extension is an InvalidParameterError naming the parameter."""
    cohort = make_cohort([("A", "primary", [[1, 2]])])
    with pytest.raises(InvalidParameterError, match="'path' parameter of write_survey"):
        write_survey(cohort, tmp_path / "s.json")


def test_survey_and_facilitator_problems_come_together(tmp_path: Path) -> None:
    """Problems in both tables are listed in one error."""
    rows = list(GOOD_ROWS)
    rows[0] = rows[0].replace(",5,0", ",9,0")
    fac = tmp_path / "fac.csv"
    fac.write_text("facilitator_id,name,authority\nF1,Q,Glasgow City\nF1,R,Renfrewshire\n")
    with pytest.raises(InvalidInputError) as caught:
        read_survey(_survey(tmp_path, *rows), fac)
    assert [(p.file, p.row) for p in caught.value.problems] == [("survey.csv", 2), ("fac.csv", 3)]


def test_facilitators_join_the_cohort(tmp_path: Path) -> None:
    """read_cohort with a facilitators file: expertise is keyed by the survey's themes."""
    fac = tmp_path / "fac.csv"
    fac.write_text(
        "facilitator_id,name,authority,role,theme:literacy,theme:Art\n"
        "F1,Q,Glasgow City,QIO,4,5\nF2,R,Education Scotland,,,\n"
    )
    reading = read_survey(_survey(tmp_path, *GOOD_ROWS), fac)
    first, second = reading.cohort.facilitators
    assert (first.id, first.role, dict(first.expertise)) == ("F1", "QIO", {"Literacy": 4})
    assert (second.authority, dict(second.expertise)) == ("Education Scotland", {})
    notes = [str(w) for w in reading.warnings if w.file == "fac.csv"]
    assert any("'theme:Art'" in n for n in notes)
    assert not any("Education Scotland" in n for n in notes)  # a body, not a misspelling


# --------------------------------------------------------------------------- job titles, emails
def test_a_role_cell_that_is_a_job_title_is_kept_as_typed(tmp_path: Path) -> None:
    """'Senior CDO' gives the role and is the job title; 'promoted' gives the role only; a
    job_title column is kept beside a role column; write_survey keeps job titles."""
    rows = [
        "1,Ann,E1,Hillhead,Inverclyde,primary,Acting Depute,1,2",
        "2,Bob,E1,Hillhead,Inverclyde,primary,practitioner,1,2",
        "3,Cat,E2,Wee Ones,Inverclyde,ELC,Senior CDO,1,2",
        "4,Dan,E2,Wee Ones,Inverclyde,ELC,Child Development Officer,1,2",
    ]
    cohort = read_cohort(_survey(tmp_path, *rows))
    assert [(p.role, p.job_title) for p in cohort.practitioners] == [
        (Role.PROMOTED, "Acting Depute"),
        (Role.PRACTITIONER, None),
        (Role.PROMOTED, "Senior CDO"),
        (Role.PRACTITIONER, "Child Development Officer"),
    ]
    out = tmp_path / "back.csv"
    write_survey(cohort, out)
    assert read_cohort(out).practitioners == cohort.practitioners


def test_without_a_role_column_the_job_title_gives_the_role(tmp_path: Path) -> None:
    """A job_title column alone is enough; an unknown title or a blank one is an error
    naming the row and the job_title column."""
    header = HEADER.replace(",role,", ",job_title,")
    rows = [
        "1,Ann,E1,Hillhead,Inverclyde,primary,Principal Teacher of Maths,1,2",
        "2,Bob,E1,Hillhead,Inverclyde,primary,Teacher of English,1,2",
    ]
    cohort = read_cohort(_survey(tmp_path, *rows, header=header))
    assert [p.role for p in cohort.practitioners] == [Role.PROMOTED, Role.PRACTITIONER]
    assert cohort.practitioners[1].job_title == "Teacher of English"
    bad = [
        *rows,
        "3,Cat,E1,Hillhead,Inverclyde,primary,Janitor,1,2",
        "4,Dan,E1,X,Inverclyde,primary,,1,2",
    ]
    assert _problems(_survey(tmp_path, *bad, header=header)) == [(4, "job_title"), (5, "job_title")]


def test_emails_are_checked_but_never_printed(tmp_path: Path) -> None:
    """A repeated email and one without '@' are warnings naming rows, not the addresses."""
    header = HEADER + ",email"
    rows = [
        "1,Ann,E1,Hillhead,Inverclyde,primary,HT,1,2,ann@school.org",
        "2,Bob,E1,Hillhead,Inverclyde,primary,teacher,1,2,ANN@school.org",
        "3,Cat,E2,Busby,Inverclyde,ELC,HT,1,2,cat at school",
    ]
    reading = read_survey(_survey(tmp_path, *rows, header=header))
    messages = [str(w) for w in reading.warnings]
    assert any("row 3, column 'email'" in m and "repeats the email of row 2" in m for m in messages)
    assert any("row 4, column 'email'" in m and "an email address" in m for m in messages)
    assert not any("@school" in m or "cat at" in m for m in messages)
    assert reading.cohort.practitioners[2].email == "cat at school"


def test_one_name_twice_at_one_school_without_emails_is_a_warning(tmp_path: Path) -> None:
    """Microsoft Forms' anonymous answers have no e-mail: a person answering twice is then
    told by name and school (different schools, or e-mails, are other people)."""
    header = HEADER + ",email"
    rows = [
        "1,Ann Reid,E1,Hillhead,Inverclyde,primary,HT,1,2,anonymous",
        "2,Bob Kerr,E1,Hillhead,Inverclyde,primary,teacher,1,2,anonymous",
        "3,ann  reid,E1,Hillhead,Inverclyde,primary,HT,1,2,anonymous",
        "4,Ann Reid,E2,Busby,Inverclyde,ELC,HT,1,2,",
    ]
    messages = [str(w) for w in read_survey(_survey(tmp_path, *rows, header=header)).warnings]
    twice = [m for m in messages if "answering twice" in m]
    assert len(twice) == 1 and "row 4, column 'name'" in twice[0] and "of row 2" in twice[0]


def test_a_short_csv_row_is_an_error_not_zeros(tmp_path: Path) -> None:
    """A row cut after its role names the row and the theme columns it lacks."""
    rows = [*GOOD_ROWS[:3], "010,Dan,E2,Wee Ones Nursery,Renfrewshire,ELC,EYP"]
    with pytest.raises(InvalidInputError) as caught:
        read_survey(_survey(tmp_path, *rows))
    (problem,) = caught.value.problems
    assert problem.row == 5
    assert "'theme:Literacy', 'theme:Numeracy' are missing" in problem.expected


def test_teams_csv_carries_email_and_job_title(tmp_path: Path) -> None:
    """Result.to_dataframe (teams.csv) has name, email and job_title to match rows back."""
    from clnmatch import solve
    from clnmatch.models import Rules

    cohort = read_cohort(_survey(tmp_path, *GOOD_ROWS))
    result = solve(cohort, Rules(teams=1, min_authorities=1, min_sectors=1), time_limit=2)
    frame = result.to_dataframe()
    assert list(frame.columns[:5]) == ["practitioner_id", "name", "email", "role", "job_title"]
    assert frame["job_title"].tolist() == ["HT", "teacher", "", "EYP"]


def test_uncalculated_formulas_stop_a_survey_only_in_the_columns_read(tmp_path: Path) -> None:
    """A formula nobody calculated in an unused comments column is no obstacle; in a
    rating column it is an error naming its row and column."""
    from openpyxl import Workbook

    def book(comment: str, rating: object) -> Path:
        workbook = Workbook()
        sheet = workbook.active
        assert sheet is not None
        sheet.append(
            ["name", "establishment_name", "authority", "sector", "role", "theme:A", "theme:B",
             "Any other comments?"]
        )  # fmt: skip
        sheet.append(["Ann", "Hillhead", "Inverclyde", "primary", "HT", 1, 2, "fine"])
        sheet.append(["Bob", "Hillhead", "Inverclyde", "primary", "teacher", rating, 4, comment])
        path = tmp_path / "survey.xlsx"
        workbook.save(path)
        return path

    cohort = read_survey(book('=HYPERLINK("https://example.org")', 3)).cohort
    assert [p.interests for p in cohort.practitioners] == [(1, 2), (3, 4)]
    with pytest.raises(InvalidInputError) as caught:
        read_survey(book("fine", "=F2+1"))
    (problem,) = caught.value.problems
    assert (problem.row, problem.column) == (3, "theme:A") and "save it" in problem.expected


def test_a_column_without_a_header_but_with_answers_is_listed_as_ignored(tmp_path: Path) -> None:
    """Answers under a blank header are not dropped unseen: the warning names the column."""
    path = tmp_path / "survey.csv"
    path.write_text(
        "name,establishment_name,authority,sector,role,theme:A,theme:B,,notes\n"
        "Ann,Hillhead,Inverclyde,primary,HT,1,2,see me,x\n"
        "Bob,Hillhead,Inverclyde,primary,teacher,3,4,,\n",
        encoding="utf-8",
    )
    (ignored,) = [w for w in read_survey(path).warnings if "ignored" in w.expected]
    assert ignored.expected.endswith("these are ignored: column H (no header), 'notes'")


def test_columns_are_named_by_their_spreadsheet_letters(tmp_path: Path) -> None:
    """A repeated theme or header is pointed out as a spreadsheet shows it (column F), not
    by a count the user would have to make."""
    path = tmp_path / "survey.csv"
    path.write_text(
        "name,establishment_name,authority,sector,role,theme:A,theme:B,theme: a,role\n"
        "Ann,Hillhead,Inverclyde,primary,HT,1,2,3,HT\n",
        encoding="utf-8",
    )
    with pytest.raises(InvalidInputError) as caught:
        read_survey(path)
    said = " | ".join(p.expected for p in caught.value.problems)
    assert "repeats column F ('theme:A')" in said
    assert "'role' (column E) and 'role' (column I)" in said


def test_text_garbled_by_a_wrong_encoding_is_refused(tmp_path: Path) -> None:
    """A UTF-8 export saved again as Windows-1252 ("CiarÃ¡n Oâ€™Neill") is an error at its
    first garbled cell, saying what it should read; a name is not printed whole."""
    header = "name,establishment_name,authority,sector,role,theme:A,theme:B"
    path = _survey(
        tmp_path,
        "Ann,Hillhead,Inverclyde,primary,HT,1,2",
        "CiarÃ¡n Oâ€™Neill,St Maryâ€™s Primary,Inverclyde,primary,teacher,3,4",
        "Bob,CÃ\u00a0rn Dearg,Inverclyde,primary,teacher,3,4",
        header=header,
    )
    (problem,) = [p for p in _error_of(path) if "garbled" in p.expected]
    assert (problem.row, problem.column, problem.value) == (3, "name", None)
    assert "'á' where it holds 'Ã¡', '’' where it holds 'â€™'" in problem.expected
    assert "Ciar" not in problem.expected and "(and 2 more cell(s))" in problem.expected
    assert "download it again" in problem.expected and "UTF-8" in problem.expected
    # a school's name is not personal: the cell is shown as it should read
    school = _survey(
        tmp_path,
        "Ann,St Maryâ€™s Primary,Inverclyde,primary,HT,1,2",
        header=header,
        name="school.csv",
    )
    (problem,) = [p for p in _error_of(school) if "garbled" in p.expected]
    assert (problem.row, problem.column) == (2, "establishment_name")
    assert "should read 'St Mary’s Primary'" in problem.expected


def test_text_garbled_by_latin1_is_refused_before_its_controls_are_removed(
    tmp_path: Path,
) -> None:
    """Decoded as Latin-1, O’Neill becomes "Oâ" and two control characters, which would
    otherwise be removed with a mere warning."""
    path = _survey(
        tmp_path,
        "Ann,O\u00e2\x80\x99Neill Primary,Inverclyde,primary,HT,1,2",
        header="name,establishment_name,authority,sector,role,theme:A,theme:B",
    )
    (problem,) = [p for p in _error_of(path) if "garbled" in p.expected]
    assert "should read 'O’Neill Primary'" in problem.expected


def test_genuine_accented_text_is_not_taken_for_garbled(tmp_path: Path) -> None:
    """Only text whose bytes decode as UTF-8 into other text is refused: "Ã" alone, a
    Gaelic name, or a garbled cell in a column not read all pass."""
    path = _survey(
        tmp_path,
        "Siobhán Ó Ceallaigh,Ã,Inverclyde,primary,HT,1,2,CiarÃ¡n",
        "Seán,Càrn Dearg – Ghàidhlig,Inverclyde,primary,teacher,3,4,",
        header="name,establishment_name,authority,sector,role,theme:A,theme:B,notes",
    )
    cohort = read_survey(path).cohort
    assert [p.name for p in cohort.practitioners] == ["Siobhán Ó Ceallaigh", "Seán"]


def _error_of(path: Path) -> list[InputProblem]:
    with pytest.raises(InvalidInputError) as caught:
        read_survey(path)
    return list(caught.value.problems)


def test_spreadsheet_error_values_are_refused_in_each_cell(tmp_path: Path) -> None:
    """#N/A ids (a lookup that found nothing) would make three schools one establishment:
    each cell read that holds a spreadsheet error is a problem, once, in .xlsx and CSV."""
    from openpyxl import Workbook

    header = "establishment_id,name,establishment_name,authority,sector,role,theme:A,theme:B"
    rows = [
        "#N/A,Ann,Hillhead,Inverclyde,primary,HT,1,2,",
        "E2,Bob,Kirkton,Inverclyde,primary,teacher,#REF!,4,",
        "#N/A,Cat,Carn Dearg,Inverclyde,#name?,teacher,3,4,",
        "E4,Dan,Ashcraig,Inverclyde,primary,teacher,3,4,#DIV/0!",  # notes: not read
    ]
    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    for line in [header + ",notes", *rows]:
        sheet.append(line.split(","))
    workbook.save(tmp_path / "survey.xlsx")
    path = _survey(tmp_path, *rows, header=header + ",notes")
    for source in (tmp_path / "survey.xlsx", path):
        found = _error_of(source)
        assert [(p.row, p.column) for p in found] == [  # in row order
            (2, "establishment_id"),
            (3, "theme:A"),
            (4, "establishment_id"),
            (4, "sector"),
        ]
        assert found[0].expected.startswith(
            "a value, not the spreadsheet error #N/A (a formula that found nothing)"
        )
        assert "#NAME?" in found[3].expected and "#REF!" in found[1].expected


def test_anonymous_email_is_read_as_no_email(tmp_path: Path) -> None:
    """An anonymous Microsoft Forms export writes "anonymous" for every email: that is no
    email, not one warning per row (nor a repeated email)."""
    path = _survey(
        tmp_path,
        "Ann,Hillhead,Inverclyde,primary,HT,1,2,anonymous",
        "Bob,Hillhead,Inverclyde,primary,teacher,3,4,Anonymous",
        "Cat,Kirkton,Inverclyde,primary,HT,1,2,cat@school.sch.uk",
        header="name,establishment_name,authority,sector,role,theme:A,theme:B,email",
    )
    reading = read_survey(path)
    assert [p.email for p in reading.cohort.practitioners] == [None, None, "cat@school.sch.uk"]
    assert not [w for w in reading.warnings if w.column == "email"]


def test_a_row_that_rates_no_theme_is_a_warning(tmp_path: Path) -> None:
    """Every theme cell blank reads as 0 for every theme, as blank always does, but no
    longer silently: one warning per such row (a row rating one theme is fine)."""
    path = _survey(
        tmp_path,
        "Ann,Hillhead,Inverclyde,primary,HT,,",
        "Bob,Hillhead,Inverclyde,primary,teacher,,4",
        "Cat,Kirkton,Inverclyde,primary,HT,,",
        header="name,establishment_name,authority,sector,role,theme:A,theme:B",
    )
    reading = read_survey(path)
    assert [p.interests for p in reading.cohort.practitioners] == [(0, 0), (0, 4), (0, 0)]
    blank = [w for w in reading.warnings if "rates no theme" in w.expected]
    assert [(w.row, w.column) for w in blank] == [(2, None), (4, None)]
    assert blank[0].expected.endswith("rates no theme: read as 0, not interested, for every theme")


def test_merged_school_cells_get_a_hint_to_unmerge(tmp_path: Path) -> None:
    """A workbook whose school cells are merged down over each school's nominees reads as
    blanks below filled cells: each is listed, and one more problem says what it likely
    is and how to fill the rows (a CSV with such blanks gets no such hint)."""
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    sheet.append(HEADER.split(","))
    for line in GOOD_ROWS:
        sheet.append(line.split(","))
    for row in (3, 5):  # the second nominee of each school
        for column in range(3, 7):  # establishment_id .. sector
            sheet.cell(row=row, column=column).value = None
        sheet.merge_cells(start_row=row - 1, start_column=3, end_row=row, end_column=3)
    path = tmp_path / "merged.xlsx"
    book.save(path)
    with pytest.raises(InvalidInputError) as caught:
        read_survey(path)
    texts = [str(p) for p in caught.value.problems]
    assert sum("this column is required" in t for t in texts) == 8
    assert "often merged cells; unmerge them" in texts[-1]
    plain = _survey(tmp_path, GOOD_ROWS[0], "008,Bob,,,,,teacher,5,0", GOOD_ROWS[2])
    assert all("merged" not in str(p) for p in _problems_of(plain))


def _problems_of(path: Path) -> list[InputProblem]:
    with pytest.raises(InvalidInputError) as caught:
        read_survey(path)
    return list(caught.value.problems)
