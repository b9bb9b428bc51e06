"""Tests of survey mappings (contract section 10): loading, reading with one, and --map."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from clnmatch.cli import app
from clnmatch.errors import InvalidInputError, InvalidParameterError
from clnmatch.io.mapping import SurveyMapping, load_mapping
from clnmatch.io.survey import read_cohort, read_survey
from clnmatch.models import Cohort, Role, Rules, Sector

DATA = Path(__file__).parent / "data"
FORMS = DATA / "forms_export.csv"
runner = CliRunner()

HEADER = (
    "Your full name,School,Which local authority is it in?,Sector,Job title,Email,"
    "How interested are you in Literacy?,How interested are you in Numeracy?,Comments"
)
ROWS = (
    "Ann Reid,Hillhead Primary,Glasgow City,Primary,Head Teacher,ann@x.org,Very,Not at all,",
    "Bob Kerr,Hillhead Primary,Glasgow City,Primary,Class Teacher,bob@x.org,,Extremely,hi",
    "Cat Boyle,Wee Ones,Glasgow,Early Learning and Childcare (ELC),Senior Nursery Officer,"
    "cat@x.org,Slightly,Very,",
    "Dan Hughes,Wee Ones,Glasgow,Early years centre,Child Development Officer,dan@x.org,"
    "Not at all,Slightly,",
)
MAPPING = {
    "columns": {
        "name": "Your full name",
        "establishment_name": "School",
        "authority": "Which local authority is it in?",
        "sector": "Sector",
        "job_title": "Job title",
        "email": "Email",
    },
    "themes": {"pattern": r"How interested are you in (.+)\?"},
    "scale": {"Not at all": 0, "Slightly": 1, "Very": 4, "Extremely": 5},
    "roles": {"promoted": ["Senior Nursery Officer"]},
    "sectors": {"ELC": ["Early years centre"]},
    "authorities": {"Glasgow City": ["Glasgow"]},
}


def _export(tmp_path: Path, *rows: str, header: str = HEADER, name: str = "export.csv") -> Path:
    path = tmp_path / name
    path.write_text("\n".join([header, *rows]) + "\n", encoding="utf-8")
    return path


def _said(result: object) -> str:
    """A command's output and messages with the terminal's line wrapping undone."""
    said = f"{getattr(result, 'stdout', '')} {getattr(result, 'stderr', '')}"
    return " ".join(said.split())


def _toml(tmp_path: Path, text: str, name: str = "map.toml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


# --------------------------------------------------------------------------- reading with one
def test_a_mapping_reads_an_export_as_it_comes(tmp_path: Path) -> None:
    """Headers, theme pattern, scale, job titles, sector words and authority spellings of the
    mapping all apply; rows are numbered and establishments derived."""
    reading = read_survey(_export(tmp_path, *ROWS), mapping=MAPPING)
    cohort = reading.cohort
    assert cohort.themes == ("Literacy", "Numeracy")
    assert [p.id for p in cohort.practitioners] == ["R002", "R003", "R004", "R005"]
    assert [p.interests for p in cohort.practitioners] == [(4, 0), (0, 5), (1, 4), (0, 1)]
    assert [p.role for p in cohort.practitioners] == [
        Role.PROMOTED,
        Role.PRACTITIONER,
        Role.PROMOTED,
        Role.PRACTITIONER,
    ]
    assert [p.job_title for p in cohort.practitioners] == [
        "Head Teacher",
        "Class Teacher",
        "Senior Nursery Officer",
        "Child Development Officer",
    ]
    assert [(e.name, e.authority, e.sector) for e in cohort.establishments] == [
        ("Hillhead Primary", "Glasgow City", Sector.PRIMARY),
        ("Wee Ones", "Glasgow City", Sector.ELC),
    ]
    assert cohort.establishments[0].id.startswith("GC-hillhead-primary-")
    assert [str(w) for w in reading.warnings] == [
        "export.csv, row 1: expected only the survey's columns; these are ignored: 'Comments'"
    ]


def test_rows_left_out_are_not_read(tmp_path: Path) -> None:
    """One person answering twice became two participants (the warning was all): a
    mapping's leave_out_rows reads the export without them (the other rows keep their ids);
    a row number holding no answer, or not a number, is refused naming the key."""
    again = ROWS[1].replace(",hi", ",again")
    export = _export(tmp_path, *ROWS, again)  # row 6 repeats row 3's e-mail
    twice = read_survey(export, mapping=MAPPING)
    repeat = next(w for w in twice.warnings if "repeats the email of row 3" in w.expected)
    assert "leave_out_rows = [3]" in repeat.expected and len(twice.cohort.practitioners) == 5
    once = read_survey(export, mapping={**MAPPING, "leave_out_rows": [3]})
    assert [p.id for p in once.cohort.practitioners] == ["R002", "R004", "R005", "R006"]
    assert not any("repeats" in w.expected for w in once.warnings)
    left = [w for w in once.warnings if "leaves it out" in w.expected]
    assert [w.row for w in left] == [3]  # said on every run (a row deleted since shifts them)
    # told by its school (and id, when mapped), never the person's name: a row deleted
    # from a fresh download since makes row 3 another person's, which this shows
    assert left[0].expected.endswith("leaves it out (at Hillhead Primary)")
    assert "Bob" not in left[0].expected
    # an id that is an e-mail (Forms' "Email" as practitioner_id) is not printed
    columns = {k: v for k, v in MAPPING["columns"].items() if k != "email"}
    by_email = {**MAPPING, "columns": {**columns, "practitioner_id": "Email"}}
    emailed = read_survey(export, mapping={**by_email, "leave_out_rows": [3]})
    said = next(w.expected for w in emailed.warnings if "leaves it out" in w.expected)
    assert "bob@x.org" not in said and "(at Hillhead Primary)" in said
    # late additions (their own row ids) are another file: the survey's row numbers do not
    # apply to them (a late nominee was dropped without a word)
    late = read_survey(export, mapping={**MAPPING, "leave_out_rows": [3]}, row_id_prefix="late-R")
    assert len(late.cohort.practitioners) == 5
    with pytest.raises(InvalidInputError, match="to leave some answers; it names every one"):
        read_survey(export, mapping={**MAPPING, "leave_out_rows": [2, 3, 4, 5, 6]})
    with pytest.raises(InvalidInputError) as caught:
        read_survey(export, mapping={**MAPPING, "leave_out_rows": [3, 40]})
    assert "key 'leave_out_rows' to name rows holding answers (2-6 in export.csv); row 40" in str(
        caught.value
    )
    with pytest.raises(InvalidInputError, match="a list of row numbers"):
        read_survey(export, mapping={**MAPPING, "leave_out_rows": ["3"]})


def test_rows_left_out_of_an_export_downloaded_again_are_checked(tmp_path: Path) -> None:
    """Downloaded again after an answer above was deleted, the rows moved up: the mapping's
    leave_out_rows left out someone who answered once and read both answers of the person
    who answered twice, with the same calm warning (a lead officer). Refused, naming the
    rows that now hold the answers meant, the rows still right kept; a test row left out on
    purpose beside someone answering twice is no shift (a reviewer)."""
    again = ROWS[1].replace(",hi", ",again")
    export = _export(tmp_path, *ROWS[1:], again)  # row 2 deleted: row 3 is now row 2
    with pytest.raises(InvalidInputError) as caught:
        read_survey(export, mapping={**MAPPING, "leave_out_rows": [3]})
    said = " ".join(str(caught.value).split())
    assert "row(s) 3 of export.csv repeat nobody now, and 1 row(s) above each is" in said
    assert "leave_out_rows = [2] leaves out the same answers now" in said
    once = read_survey(export, mapping={**MAPPING, "leave_out_rows": [2]})
    assert len(once.cohort.practitioners) == 3
    # one of two rows still right (Ann's, above the deleted row): kept in the advice
    ann = ROWS[0].replace(",Very,Not at all,", ",Very,Very,")
    moved = _export(tmp_path, ROWS[0], ROWS[1], ROWS[3], ann, again, name="moved.csv")
    with pytest.raises(InvalidInputError) as caught:  # [2, 4] before Cat's row 3 went
        read_survey(moved, mapping={**MAPPING, "leave_out_rows": [2, 4]})
    assert "leave_out_rows = [2, 3] leaves out the same answers now" in " ".join(
        str(caught.value).split()
    )
    # a test row left out on purpose, beside someone answering twice: read as it was
    test = "Test Response,Test School,Glasgow City,Primary,Organiser,organiser@x.org,,,"
    tried = _export(tmp_path, test, *ROWS, again, name="tried.csv")  # Bob: rows 4 and 7
    reading = read_survey(tried, mapping={**MAPPING, "leave_out_rows": [2]})
    assert len(reading.cohort.practitioners) == 5
    assert any("repeats the email of row 4" in w.expected for w in reading.warnings)
    # a row left out that repeats nobody, where nobody answered twice, is the user's choice
    alone = _export(tmp_path, *ROWS, name="alone.csv")
    kept = read_survey(alone, mapping={**MAPPING, "leave_out_rows": [3]})
    assert len(kept.cohort.practitioners) == 3


def test_a_name_asked_as_first_name_and_surname_is_joined(tmp_path: Path) -> None:
    """A form asking "First name" and "Surname" apart gave rosters of first names only (the
    draft took "First name", a mapping could name one header): now ``name`` may list both,
    joined by a space, neither column said to be ignored; `map` drafts the pair, and a
    header not in the export is said as any other."""
    from clnmatch.io.draft import draft_mapping
    from clnmatch.io.draft_toml import render_draft

    header = HEADER.replace("Your full name", "First name,Surname")
    rows = [
        row.replace("Ann Reid", "Ann,Reid").replace("Bob Kerr", "Bob, Kerr ") for row in ROWS[:2]
    ]
    export = _export(tmp_path, *rows, header=header)
    mapping = {**MAPPING, "columns": {**MAPPING["columns"], "name": ["First name", "Surname"]}}
    reading = read_survey(export, mapping=mapping)
    assert [p.name for p in reading.cohort.practitioners] == ["Ann Reid", "Bob Kerr"]
    ignored = [w.expected for w in reading.warnings if "ignored" in w.expected]
    assert ignored and not any("name'" in text or "Surname" in text for text in ignored)
    draft = render_draft(draft_mapping(export))
    assert 'name = ["First name", "Surname"]  # CHECK: the first name and the surname' in draft
    # Microsoft Forms' "Name" blank in every row (anonymous), "Forename" / "Family name":
    # the pair, not the blank column (96 blank names) nor the family name alone
    forms = header.replace("First name,Surname", "Name,Forename,Family name")
    blank = [
        row.replace("Ann,Reid", ",Ann,Reid").replace("Bob, Kerr ", ",Bob, Kerr ") for row in rows
    ]
    drafted = render_draft(draft_mapping(_export(tmp_path, *blank, header=forms, name="ms.csv")))
    assert 'name = ["Forename", "Family name"]  # CHECK' in drafted
    wrong = {**mapping, "columns": {**mapping["columns"], "name": ["First name", "Family"]}}
    with pytest.raises(InvalidInputError, match="a column headed 'Family'"):
        read_survey(export, mapping=wrong)
    for parts, said in ((["First name"], "a list of two or more headers"),
                        (["First name", "Email"], "'name' takes it too")):  # fmt: skip
        bad = {**mapping, "columns": {**mapping["columns"], "name": parts}}
        with pytest.raises(InvalidInputError, match=said):
            read_survey(export, mapping=bad)


def test_the_same_export_gives_the_same_ids(tmp_path: Path) -> None:
    """Derived establishment ids and row numbers are stable from one reading to the next."""
    path = _export(tmp_path, *ROWS)
    first = read_cohort(path, mapping=MAPPING)
    again = read_cohort(path, mapping=SurveyMapping.from_dict(MAPPING))
    assert first == again


def test_cohort_readers_take_a_mapping_file(tmp_path: Path) -> None:
    """Cohort.from_csv / from_dataframe accept a TOML path, a dict or a SurveyMapping."""
    import pandas as pd

    path = _export(tmp_path, *ROWS)
    toml = _toml(
        tmp_path,
        """
[columns]
name = "Your full name"
establishment_name = "School"
authority = "Which local authority is it in?"
job_title = "Job title"
email = "Email"
[themes]
pattern = 'How interested are you in (.+)\\?'
[scale]
"Not at all" = 0
"Slightly" = 1
"Very" = 4
"Extremely" = 5
[roles]
promoted = ["Senior Nursery Officer"]
[sectors]
ELC = ["Early years centre"]
[authorities]
"Glasgow City" = ["Glasgow"]
""",
    )
    from_file = Cohort.from_csv(path, mapping=toml)
    assert from_file.model_copy(update={"source": None}) == read_cohort(
        path, mapping=MAPPING
    ).model_copy(update={"source": None})
    frame = pd.read_csv(path, dtype=str, keep_default_na=False)
    assert Cohort.from_dataframe(frame, mapping=MAPPING).practitioners == from_file.practitioners


def test_a_theme_list_and_a_header_row_can_be_given(tmp_path: Path) -> None:
    """[themes] columns names theme columns by header; header_row skips a title row."""
    header = "Name,School,Local authority,Sector,Role,Literacy,Numeracy"
    path = _export(
        tmp_path,
        "Ann,Hillhead,Inverclyde,primary,HT,1,2",
        "Bob,Hillhead,Inverclyde,primary,teacher,3,4",
        header="Survey of 2024,,,,,,\n" + header,
    )
    mapping = {
        "columns": {"establishment_name": "School", "authority": "Local authority"},
        "themes": {"columns": ["Literacy", "Numeracy"]},
        "header_row": 2,
    }
    reading = read_survey(path, mapping=mapping)
    assert reading.cohort.themes == ("Literacy", "Numeracy")
    assert [p.interests for p in reading.cohort.practitioners] == [(1, 2), (3, 4)]
    assert not any("looks like the header" in w.expected for w in reading.warnings)


def test_a_word_off_the_mapping_scale_names_word_cell_and_scale(tmp_path: Path) -> None:
    """With a [scale], an answer not on it is an error naming the file, row, column, the word
    and the scale's words, once per word with how many cells hold it."""
    rows = [r.replace("Extremely", "Hugely") for r in ROWS]
    rows.append(rows[1].replace("Bob Kerr", "Eve Kerr").replace("bob@", "eve@"))
    with pytest.raises(InvalidInputError) as caught:
        read_survey(_export(tmp_path, *rows), mapping=MAPPING)
    (problem,) = caught.value.problems
    assert (problem.file, problem.row, problem.column, problem.value) == (
        "export.csv",
        3,
        "How interested are you in Numeracy?",
        "Hugely",
    )
    assert "'Not at all' 0, 'Slightly' 1, 'Very' 4, 'Extremely' 5" in problem.expected
    assert "1 more cell(s) hold the same" in problem.expected
    assert "[scale] of mapping" in problem.expected


def test_numbers_can_be_words_of_a_scale(tmp_path: Path) -> None:
    """A [scale] that lists numbers reads a 1-10 survey; an unlisted number is then refused."""
    header = "practitioner_id,name,establishment_id,establishment_name,authority,sector,role,theme:A,theme:B"
    scale = {str(n): (n - 1) * 5 // 9 for n in range(1, 11)}
    path = _export(
        tmp_path,
        "1,Ann,E1,Hillhead,Inverclyde,primary,HT,10,1",
        "2,Bob,E1,Hillhead,Inverclyde,primary,teacher,5,3",
        header=header,
    )
    cohort = read_cohort(path, mapping={"scale": scale})
    assert [p.interests for p in cohort.practitioners] == [(5, 0), (2, 1)]
    broken = _export(tmp_path, "1,Ann,E1,Hillhead,Inverclyde,primary,HT,0,1", header=header)
    with pytest.raises(InvalidInputError, match="got '0'"):
        read_survey(broken, mapping={"scale": scale})


def test_headers_the_mapping_names_must_exist(tmp_path: Path) -> None:
    """A [columns] header or [themes] column missing from the export is a problem naming the
    key and the mapping, with the headers found."""
    mapping = {
        "columns": {**MAPPING["columns"], "name": "Full name"},  # type: ignore[dict-item]
        "themes": {"columns": ["Outdoor learning"], "pattern": MAPPING["themes"]["pattern"]},  # type: ignore[index]
        "scale": MAPPING["scale"],
    }
    with pytest.raises(InvalidInputError) as caught:
        read_survey(_export(tmp_path, *ROWS), mapping=mapping)
    messages = [p.expected for p in caught.value.problems]
    assert any(
        "a column headed 'Full name'; columns found: 'Your full name'" in m
        and "key 'columns.name' of mapping" in m
        for m in messages
    )
    assert any("'Outdoor learning' (listed in themes.columns of mapping)" in m for m in messages)


def test_a_long_list_of_columns_found_says_how_many_it_leaves_out(tmp_path: Path) -> None:
    """An export of 18 columns was quoted as its first 15, read as all of them (a tester)."""
    header = HEADER + "".join(f",Extra {k}" for k in range(1, 10))  # 18 columns
    mapping = {**MAPPING, "columns": {**MAPPING["columns"], "name": "Full name"}}  # type: ignore[dict-item]
    with pytest.raises(InvalidInputError) as caught:
        read_survey(_export(tmp_path, ROWS[0] + "," * 9, header=header), mapping=mapping)
    (said,) = [p.expected for p in caught.value.problems if "Full name" in p.expected]
    assert "'Extra 6' and 3 more (key 'columns.name'" in said and "'Extra 7'" not in said


def test_a_header_row_holding_none_of_the_mapped_headers_is_one_problem(tmp_path: Path) -> None:
    """A header_row that points at an answer row gives one problem saying so, not one per
    header, and quotes no cell of that row (somebody's answers); a mapping none of whose
    headers is in the file's header asks whether it is the right export."""
    path = _export(tmp_path, *ROWS)
    with pytest.raises(InvalidInputError) as caught:
        read_survey(path, mapping={**MAPPING, "header_row": 3})
    (problem,) = caught.value.problems
    assert problem.row == 3 and "header_row = 3" in problem.expected
    assert "Bob" not in problem.expected and "bob@" not in problem.expected
    other = {"columns": {"name": "Full name", "establishment_name": "Setting"}}
    with pytest.raises(InvalidInputError) as caught:
        read_survey(path, mapping=other)
    (problem,) = caught.value.problems
    assert (
        problem.row == 1 and "is this the export the mapping was drafted from" in problem.expected
    )


def test_a_mapping_read_on_a_cover_sheet_points_to_the_other_sheets(tmp_path: Path) -> None:
    """A workbook opening on a cover sheet, read with a mapping that names no sheet: the
    one problem names the sheet read and the others, and how to pick one."""
    from openpyxl import Workbook

    book = Workbook()
    cover = book.active
    assert cover is not None
    cover.title = "Cover"
    cover.append(["CLN survey - responses"])
    cover.append(["Exported from Microsoft Forms on 3 December"])
    answers = book.create_sheet("Form1")
    for line in (HEADER, *ROWS):
        answers.append(line.split(","))
    book.save(path := tmp_path / "export.xlsx")
    with pytest.raises(InvalidInputError) as caught:
        read_survey(path, mapping=MAPPING)
    (problem,) = caught.value.problems
    assert "in the header of sheet 'Cover'" in problem.expected
    assert "also has sheet(s) 'Form1': pick one with --sheet (sheet= in Python)" in problem.expected
    assert len(read_survey(path, sheet="Form1", mapping=MAPPING).cohort.practitioners) == 4


def test_authority_spellings_apply_to_the_facilitators_too(tmp_path: Path) -> None:
    """A mapping's [authorities] also turns a facilitator's spelling into the name used."""
    facilitators = tmp_path / "fac.csv"
    facilitators.write_text("facilitator_id,name,authority\nF1,Fay,Glasgow\n", encoding="utf-8")
    reading = read_survey(_export(tmp_path, *ROWS), facilitators, mapping=MAPPING)
    assert reading.cohort.facilitators[0].authority == "Glasgow City"
    assert not any("an authority of the survey" in w.expected for w in reading.warnings)
    # Education Scotland, as the docs advise, is no spelling to check; a slip in it is
    rows = "facilitator_id,name,authority\nF1,Fay,Education Scotland\nF2,Gus,Eduction Scotland\n"
    facilitators.write_text(rows, encoding="utf-8")
    reading = read_survey(_export(tmp_path, *ROWS), facilitators, mapping=MAPPING)
    warned = [w.value for w in reading.warnings if "an authority of the survey" in w.expected]
    assert warned == ["Eduction Scotland"]


# --------------------------------------------------------------------------- the mapping file
def test_every_problem_of_a_mapping_names_the_file_and_the_key(tmp_path: Path) -> None:
    """Unknown sections and columns, bad headers, patterns, ratings, role lists, header_row:
    one problem each, naming the file and the key, with a close name suggested."""
    path = _toml(
        tmp_path,
        """
header_row = 0
[colums]
[columns]
nme = "Name"
email = "Name"
[themes]
pattern = "(("
sort = "x"
[scale]
"Very" = 7
"very" = 4
[roles]
boss = ["Janitor"]
promoted = ["CDO"]
practitioner = ["CDO"]
[sectors]
college = ["FE"]
[authorities]
"Glasgow City" = ["Glasgow"]
"Renfrewshire" = ["glasgow"]
[establishments]
"Dargavel Primary School" = ["Dargavel PS"]
" " = ["Hillhead"]
"Other" = ["dargavel p.s."]
leave_out_rows = [22]
""",
    )
    with pytest.raises(InvalidInputError) as caught:
        SurveyMapping.from_toml(path)
    problems = caught.value.problems
    assert all(p.file == "map.toml" for p in problems)
    text = "\n".join(p.expected for p in problems)
    for fragment in (
        "key 'colums' to be one of the sections",
        "(did you mean 'columns'?)",
        "key 'columns.nme' to name a survey column",
        "key 'themes.pattern' to be a valid regular expression",
        "key 'themes.sort' to be 'pattern' or 'columns'",
        "key 'scale.Very' to be a whole number 0-5",
        "key 'scale.very' to agree with 'Very'",
        "key 'roles.boss' to be 'promoted' or 'practitioner'",
        "key 'roles.practitioner' not to list 'CDO', which roles.promoted lists",
        "key 'sectors.college' to be one of ELC, primary, secondary, special",
        "not to list 'glasgow', which authorities.\"Glasgow City\" lists",
        "key 'establishments.\" \"' to be the establishment's name to use, not blank",
        "not to list 'dargavel p.s.', which establishments.\"Dargavel Primary School\" lists",
        "key 'header_row' to be the header's row number",
        # a top line written last is read into the section above it
        "key 'establishments.leave_out_rows' to be written at the top of the mapping",
    ):
        assert fragment in text, fragment


def test_a_toml_syntax_error_names_the_file_and_says_how_to_quote_a_pattern(
    tmp_path: Path,
) -> None:
    """A backslash in a double-quoted pattern is the usual TOML trap: the message says how."""
    path = _toml(tmp_path, '[themes]\npattern = "How interested are you in (.+)\\?"\n')
    with pytest.raises(InvalidInputError) as caught:
        SurveyMapping.from_toml(path)
    (problem,) = caught.value.problems
    assert problem.file == "map.toml"
    assert "line 2" in problem.expected and "single quotes" in problem.expected
    with pytest.raises(InvalidInputError, match="an existing mapping file"):
        SurveyMapping.from_toml(tmp_path / "none.toml")


def test_load_mapping_takes_each_form_and_refuses_others(tmp_path: Path) -> None:
    """None, a SurveyMapping, a dict and a path load; anything else is a parameter error."""
    assert load_mapping(None) is None
    mapping = SurveyMapping.from_dict(MAPPING)
    assert load_mapping(mapping) is mapping
    assert load_mapping(MAPPING) == mapping
    from_file = load_mapping(_toml(tmp_path, '[columns]\nname = "Your full name"\n'))
    assert from_file is not None and from_file.source == "map.toml"
    assert from_file.model_dump() == SurveyMapping(columns={"name": "Your full name"}).model_dump()
    with pytest.raises(InvalidParameterError, match="'mapping' parameter of read_survey"):
        load_mapping(42)  # type: ignore[arg-type]


def test_rules_file_problems_name_the_file_and_the_key(tmp_path: Path) -> None:
    """Rules.from_toml: a bad value or an unknown name in the file names file and key; a bad
    override is still the flag's own ValidationError."""
    from pydantic import ValidationError

    path = _toml(tmp_path, "[rules]\nteams = 0\nteam = 3\n", name="rules.toml")
    with pytest.raises(InvalidInputError) as caught:
        Rules.from_toml(path)
    text = str(caught.value)
    assert (
        "rules.toml: expected key 'rules.teams': Input should be greater than or equal to 1" in text
    )
    assert "key 'rules.team' to be a rule name (did you mean 'teams'?)" in text
    good = _toml(tmp_path, "teams = 4\n", name="good.toml")
    assert Rules.from_toml(good, teams=6).teams == 6
    with pytest.raises(ValidationError):
        Rules.from_toml(good, teams=0)
    locked = _toml(tmp_path, "teams = 2\n[pins]\nE1 = 5\n", name="locked.toml")
    with pytest.raises(InvalidInputError, match="rules that fit together: establishment 'E1'"):
        Rules.from_toml(locked)


# --------------------------------------------------------------------------- the command line
def test_map_drafts_a_file_that_reads_the_forms_export(tmp_path: Path) -> None:
    """`clnmatch map` writes a draft, says it reads, and refuses to overwrite it; with
    --map, inspect reads the export as it comes (exit 0)."""
    out = tmp_path / "map.toml"
    done = runner.invoke(app, ["map", str(FORMS), "--out", str(out)])
    assert done.exit_code == 0, done.output
    assert "the survey reads: 44 practitioner(s) from 23 establishment(s), 10 themes" in _said(done)
    again = runner.invoke(app, ["map", str(FORMS), "--out", str(out)])
    assert again.exit_code == 2 and "--force" in _said(again)
    assert runner.invoke(app, ["map", str(FORMS), "--out", str(out), "--force"]).exit_code == 0
    assert runner.invoke(app, ["map", str(FORMS), "--out", str(tmp_path / "m.txt")]).exit_code == 2
    inspected = runner.invoke(app, ["inspect", str(FORMS), "--map", str(out), "--json"])
    assert inspected.exit_code == 0, inspected.output
    assert '"participants": 44' in inspected.output


def test_map_says_what_is_left_when_the_draft_does_not_read(tmp_path: Path) -> None:
    """A job title clnmatch cannot place is left for the user; the command lists the problem
    (naming the row) and still writes the draft."""
    header = "Name,School,Local authority,Sector,Job title,theme:A,theme:B"
    path = _export(
        tmp_path,
        "Ann,Hillhead,Inverclyde,primary,Librarian,1,2",
        "Bob,Hillhead,Inverclyde,primary,Teacher,1,2",
        header=header,
    )
    out = tmp_path / "map.toml"
    done = runner.invoke(app, ["map", str(path), "--out", str(out)])
    assert done.exit_code == 0
    assert "does not read yet" in _said(done) and "row 2" in _said(done)
    assert '# "Librarian"  # CHECK' in out.read_text(encoding="utf-8")


def test_map_option_is_on_every_command_that_reads_a_survey() -> None:
    """solve, check, inspect, rematch, report and event take --map."""
    import typer.main

    commands = typer.main.get_command(app).commands  # type: ignore[attr-defined]
    for name in ("solve", "check", "inspect", "rematch", "report", "event"):
        options = {o for p in commands[name].params for o in p.opts}
        assert "--map" in options, name


def _solve_greedy(survey: Path, mapping: Path, out: Path) -> None:
    """solve --map into 4 teams, quickly (greedy): a result to check or re-match."""
    solved = runner.invoke(
        app,
        [
            "solve", str(survey), "--map", str(mapping), "--teams", "4", "--strategy",
            "greedy", "--time-limit", "3", "--no-pdf", "--quiet", "--out", str(out),
        ],
    )  # fmt: skip
    assert solved.exit_code == 0, solved.output


def test_check_reads_teams_csv_against_a_mapped_export(tmp_path: Path) -> None:
    """solve --map then check --map on its teams.csv: the numbered ids match back, and
    teams.csv carries name, email and job title for each row."""
    import pandas as pd

    mapping = tmp_path / "map.toml"
    assert runner.invoke(app, ["map", str(FORMS), "--out", str(mapping)]).exit_code == 0
    out = tmp_path / "out"
    _solve_greedy(FORMS, mapping, out)
    teams = pd.read_csv(out / "teams.csv", dtype=str, keep_default_na=False)
    assert {"name", "email", "job_title"} <= set(teams.columns)
    assert teams.loc[0, "job_title"] == "Head Teacher"
    assert teams.loc[0, "email"].endswith("@school.example.org")
    checked = runner.invoke(
        app, ["check", str(FORMS), str(out / "teams.csv"), "--map", str(mapping), "--teams", "4"]
    )
    assert checked.exit_code == 0, checked.output


def _late_rows(first_id: int) -> list[str]:
    ratings = ",".join(["Very interested"] * 10)
    return [
        f"{first_id},5/2/24,5/2/24,a.b@school.example.org,Ann Bell,Burnside Nursery,"
        f"East Renfrewshire,Early Learning and Childcare,Promoted,Head of Centre,{ratings},",
        f"{first_id + 1},5/2/24,5/2/24,c.d@school.example.org,Cal Dunn,Burnside Nursery,"
        f"East Renfrewshire,Early Learning and Childcare,Practitioner,Practitioner,{ratings},",
    ]


def _solve_then_add(
    tmp_path: Path, mapping: Path, late: Path, first: Path | None = None
) -> tuple[object, Path]:
    """rematch --add ``late`` onto ``first`` (solved here when not given)."""
    second = tmp_path / "second"
    if first is None:
        first = tmp_path / "first"
        _solve_greedy(FORMS, mapping, first)
    rematched = runner.invoke(
        app,
        [
            "rematch", str(FORMS), str(first), "--map", str(mapping), "--add", str(late),
            "--teams", "4", "--time-limit", "2", "--no-pdf", "--quiet", "--out", str(second),
        ],
    )  # fmt: skip
    return rematched, second


def test_late_schools_from_a_second_export(tmp_path: Path) -> None:
    """rematch --add with a second Forms export: its rows are numbered by their own file
    (late-schools-R002, never the survey's R002); ids a second form restarts from 1 are a
    clear error; a fresh export of the whole survey adds only the rows it did not hold."""
    import pandas as pd

    drafted = tmp_path / "map.toml"
    assert runner.invoke(app, ["map", str(FORMS), "--out", str(drafted)]).exit_code == 0
    numbered = _toml(
        tmp_path,
        drafted.read_text(encoding="utf-8").replace('practitioner_id = "Id"', ""),
        "numbered.toml",
    )
    lines = FORMS.read_text(encoding="utf-8-sig").splitlines()
    late = _export(tmp_path, *_late_rows(1), header=lines[0], name="late schools.csv")

    rematched, out = _solve_then_add(tmp_path / "a", numbered, late)
    assert rematched.exit_code == 0, _said(rematched)
    teams = pd.read_csv(out / "teams.csv", dtype=str, keep_default_na=False)
    added = teams[teams["practitioner_id"].str.startswith("late-schools-R")]
    assert sorted(added["practitioner_id"]) == ["late-schools-R002", "late-schools-R003"]
    assert set(added["name"]) == {"Ann Bell", "Cal Dunn"} and len(teams) == 44 + 2

    rematched, out = _solve_then_add(tmp_path / "b", drafted, late)
    assert rematched.exit_code == 2
    assert "practitioner id '1' is already someone else's" in _said(rematched)
    assert "ids of their own" in _said(rematched) and not (out / "teams.csv").exists()

    # the refused rematch wrote nothing: the same first result takes the fresh export
    whole = _export(tmp_path, *lines[1:], *_late_rows(45), header=lines[0], name="again.csv")
    rematched, out = _solve_then_add(tmp_path / "c", drafted, whole, first=tmp_path / "b" / "first")
    assert rematched.exit_code == 0, _said(rematched)
    teams = pd.read_csv(out / "teams.csv", dtype=str, keep_default_na=False)
    assert len(teams) == 44 + 2 and {"45", "46"} <= set(teams["practitioner_id"])


def test_a_row_deleted_from_an_export_without_ids_keeps_everyone_in_their_team(
    tmp_path: Path,
) -> None:
    """Rows without ids are numbered (R012 is row 12): deleting one (a duplicate answer,
    as the troubleshooting page advises) renumbered everyone after it, so check found
    breaches that were not there and rematch moved most schools. teams.csv's names and
    e-mails now match its rows back, with a warning saying so."""
    import pandas as pd

    export = pd.read_csv(FORMS, dtype=str, keep_default_na=False, encoding="utf-8-sig")
    export = export.drop(columns=["Id"])  # as Google Forms: no id column
    survey = tmp_path / "export.csv"
    export.to_csv(survey, index=False)
    mapping = tmp_path / "map.toml"
    assert runner.invoke(app, ["map", str(survey), "--out", str(mapping)]).exit_code == 0
    out = tmp_path / "out"
    _solve_greedy(survey, mapping, out)
    school = "Name of your school or early learning centre"
    shared = export[school].duplicated(keep=False)
    gone = int(shared[shared].index[2])  # a nominee whose school keeps another
    export.drop(index=gone).to_csv(survey, index=False)
    loose = ["--teams", "4", "--size-tolerance", "4"]  # one person fewer: sizes may shift
    checked = runner.invoke(app, ["check", str(survey), str(out), "--map", str(mapping), *loose])
    said = _said(checked)
    # the person deleted is named by their teams.csv row (they were passed over: a check
    # with ids says the same); everyone else is matched back, so nothing else is a breach
    assert checked.exit_code == 4, said
    assert said.count("BREACH") == 1 and "unknown_practitioner" in said
    assert f"teams.csv row {gone + 2} (R{gone + 2:03d})" in said
    assert f"from row {gone + 2} (R{gone + 2:03d}) on" in said and "by e-mail or name" in said

    again = tmp_path / "again"
    rematched = runner.invoke(
        app,
        [
            "rematch", str(survey), str(out), "--map", str(mapping), *loose,
            "--time-limit", "5", "--no-pdf", "--quiet", "--out", str(again),
        ],
    )  # fmt: skip
    assert rematched.exit_code == 0, _said(rematched)
    before = pd.read_csv(out / "teams.csv", dtype=str).set_index("email")["team"]
    after = pd.read_csv(again / "teams.csv", dtype=str).set_index("email")["team"]
    assert len(after) == len(before) - 1 and (after == before[after.index]).all()
