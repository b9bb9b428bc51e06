"""Tests of ``clnmatch map`` drafts on Forms-like exports that hypothesis generates.

Each export varies what real ones vary: the form's headers ("Your full name", "Which
local authority is it in?"), how theme questions are shaped (one question per theme,
a Google Forms grid, ``theme:`` headers, or names under a merged group label), the
rating scale (numbers, the built-in words, six- and five-level scales, 1-10), title
rows, job titles, and CSV or .xlsx. The draft must read the export back to exactly the
answers given; a broken copy (a cut row, a control character, a word off the scale)
must fail or warn naming the row and the column.
"""

from __future__ import annotations

import math
import os
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openpyxl import Workbook

from clnmatch.errors import InvalidInputError
from clnmatch.io.draft import draft_mapping
from clnmatch.io.draft_toml import render_draft
from clnmatch.io.ratings import LIKERT_LABELS
from clnmatch.io.survey import read_survey
from clnmatch.models import Role, Sector

DATA = Path(__file__).parent / "data"
# ~0.04 s an example; CLNMATCH_DRAFT_EXAMPLES=300 shakes out more (about 45 s)
SETTINGS = settings(
    max_examples=int(os.environ.get("CLNMATCH_DRAFT_EXAMPLES", "30")),
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)

THEMES = (
    "Literacy",
    "Numeracy",
    "Health and wellbeing",
    "Learning through play",
    "Outdoor learning",
    "Racial equality",
)
SCALES: dict[str, tuple[tuple[str, ...], tuple[int, ...]]] = {
    "numbers": (tuple(str(n) for n in range(6)), tuple(range(6))),
    "builtin": (tuple(LIKERT_LABELS.values()), tuple(range(6))),
    "six": (
        (
            "Not at all interested",
            "Slightly interested",
            "Somewhat interested",
            "Moderately interested",
            "Very interested",
            "Extremely interested",
        ),
        tuple(range(6)),
    ),
    "five": (
        (
            "Not at all interested",
            "Slightly interested",
            "Moderately interested",
            "Very interested",
            "Extremely interested",
        ),
        (0, 1, 3, 4, 5),
    ),
    "ten": (
        tuple(str(n) for n in range(1, 11)),
        tuple(math.floor((n - 1) * 5 / 9 + 0.5) for n in range(1, 11)),
    ),
}
HEADERS = {
    "name": ("Name", "Full name", "Your name", "Your full name"),
    "establishment_name": (
        "School",
        "Name of your school or early learning centre",
        "Establishment",
        "School name",
    ),
    "authority": ("Local authority", "Which local authority is it in?", "Authority", "Council"),
    "sector": ("Sector", "Which sector is your establishment in?"),
    "role": ("Your role", "Role"),
    "job_title": ("Job title", "Your job title"),
    "email": ("Email", "Email address", "E-mail"),
}
THEME_SHAPES = (
    "How interested are you in {}?",
    "Rate your interest in the following themes [{}]",
    "Interest [{}]",
    "theme:{}",
    "grouped",
)
SCHOOLS = ("Hillhead", "St Mary's", "Cranhill", "Busby", "Lenzie", "Gourock", "Dalmuir")
AUTHORITIES = (
    "East Dunbartonshire",
    "East Renfrewshire",
    "Glasgow City",
    "Inverclyde",
    "North Lanarkshire",
)
SECTOR_WORDS = {
    Sector.PRIMARY: ("Primary", "primary school"),
    Sector.SECONDARY: ("Secondary", "High school"),
    Sector.ELC: ("Early Learning and Childcare (ELC)", "Nursery", "Early Years Setting"),
    Sector.SPECIAL: ("Additional Support Needs (ASN)",),
}
TITLES = {
    Role.PROMOTED: (
        "Head Teacher",
        "Acting Depute",
        "Senior CDO",
        "Principal Teacher of Maths",
        "Senior Early Years Officer",
    ),
    Role.PRACTITIONER: (
        "Child Development Officer",
        "Nursery Practitioner",
        "Teacher of English",
        "Early Years Educator",
        "Class Teacher",
    ),
}
ROLE_CHOICES = {Role.PROMOTED: "Promoted (e.g. HT, DHT, PT)", Role.PRACTITIONER: "Practitioner"}
GROUP = "How interested are you in these themes?"


@dataclass
class Export:
    """A generated export and the answers it holds."""

    headers: list[str]
    rows: list[list[str]]
    themes: list[str]
    theme_columns: list[int]
    grouped: bool
    titles: list[str]
    suffix: str
    expected: list[dict[str, object]] = field(default_factory=list)
    establishments: int = 0

    @property
    def first_data_row(self) -> int:
        return len(self.titles) + (2 if self.grouped else 1) + 1

    def write(self, path: Path) -> None:
        top = [GROUP if i == self.theme_columns[0] else "" for i in range(len(self.headers))]
        if self.grouped:
            top = [
                h if i not in self.theme_columns else (GROUP if i == self.theme_columns[0] else "")
                for i, h in enumerate(self.headers)
            ]
            below = [h if i in self.theme_columns else "" for i, h in enumerate(self.headers)]
            header_rows = [top, below]
        else:
            header_rows = [self.headers]
        records = [[t] for t in self.titles] + header_rows + self.rows
        if self.suffix == ".csv":
            import csv

            with path.open("w", encoding="utf-8", newline="") as handle:
                csv.writer(handle).writerows(records)
            return
        book = Workbook()
        sheet = book.active
        assert sheet is not None
        for record in records:
            sheet.append([c if c != "" else None for c in record])
        width = len(self.headers)
        for r in range(1, len(self.titles) + 1):
            sheet.merge_cells(start_row=r, start_column=1, end_row=r, end_column=width)
        if self.grouped:
            r = len(self.titles) + 1
            first, last = self.theme_columns[0] + 1, self.theme_columns[-1] + 1
            sheet.merge_cells(start_row=r, start_column=first, end_row=r, end_column=last)
            for column in range(1, width + 1):
                if column - 1 not in self.theme_columns:
                    sheet.merge_cells(
                        start_row=r, start_column=column, end_row=r + 1, end_column=column
                    )
        book.save(path)


@st.composite
def exports(draw: st.DrawFn, suffix: str | None = None) -> Export:
    """A Forms-like export: varied headers, theme shapes, scales, job titles, title rows."""
    themes = draw(st.lists(st.sampled_from(THEMES), min_size=2, max_size=4, unique=True))
    words, values = SCALES[draw(st.sampled_from(sorted(SCALES)))]
    shape = draw(st.sampled_from(THEME_SHAPES))
    suffix = suffix or draw(st.sampled_from([".csv", ".xlsx"]))
    role_mode = draw(st.sampled_from(["choice", "titles", "none"]))
    with_title = role_mode == "none" or draw(st.booleans())
    with_email = draw(st.booleans())
    meta = draw(st.sampled_from([[], ["Id", "Start time", "Completion time"], ["Timestamp"]]))
    header = {c: draw(st.sampled_from(options)) for c, options in HEADERS.items()}

    columns = [*meta, header["name"], header["establishment_name"], header["authority"]]
    columns.append(header["sector"])
    if role_mode != "none":
        columns.append(header["role"])
    if with_title:
        columns.append(header["job_title"])
    if with_email:
        columns.append(header["email"])
    first_theme = len(columns)
    theme_headers = [
        t if shape == "grouped" else shape.format(t) for t in themes
    ]  # grouped: the theme's own name under the group label
    columns += theme_headers
    columns.append("Anything else?")

    n_schools = draw(st.integers(2, 4))
    schools = draw(
        st.lists(st.sampled_from(SCHOOLS), min_size=n_schools, max_size=n_schools, unique=True)
    )
    rows: list[list[str]] = []
    expected: list[dict[str, object]] = []
    levels = len(words)
    cells = 0
    for school in schools:
        authority = draw(st.sampled_from(AUTHORITIES))
        typed_authority = draw(
            st.sampled_from(
                ["Glasgow", authority]
                if authority == "Glasgow City"
                else [authority, authority.upper()]
            )
        )
        sector = draw(st.sampled_from(sorted(SECTOR_WORDS)))
        sector_word = draw(st.sampled_from(SECTOR_WORDS[sector]))
        for role in (Role.PROMOTED, Role.PRACTITIONER)[: draw(st.integers(1, 2))]:
            k = len(rows)
            title = draw(st.sampled_from(TITLES[role]))
            ratings = []
            for _ in themes:  # every level once first, so the draft sees the whole scale
                level = cells if cells < levels else draw(st.integers(0, levels - 1))
                cells += 1
                ratings.append(level)
            row = [str(k + 1), "5/2/24 9:00:00", "5/2/24 9:07:00"][: len(meta)]
            if meta == ["Timestamp"]:
                row = ["2024-05-02 09:00:00"]
            name = f"Person {k + 1} {school}"
            row += [name, f"{school} School", typed_authority, sector_word]
            if role_mode == "choice":
                row.append(ROLE_CHOICES[role])
            elif role_mode == "titles":
                row.append(title)
            if with_title:
                row.append(title)
            email = f"person{k + 1}@x.example.org"
            if with_email:
                row.append(email)
            row += [words[level] for level in ratings]
            row.append(draw(st.sampled_from(["", "Looking forward to it"])))
            rows.append(row)
            expected.append(
                {
                    "name": name,
                    "email": email if with_email else None,
                    "role": role,
                    "job_title": title if (with_title or role_mode == "titles") else None,
                    "interests": tuple(values[level] for level in ratings),
                    "authority": authority,
                    "sector": sector,
                }
            )
    if cells < levels:  # too few cells for every level: add a row that has the rest
        return draw(exports(suffix))
    titles = draw(st.lists(st.sampled_from(["CLN launch survey", "Exported 2 May"]), max_size=2))
    return Export(
        headers=columns,
        rows=rows,
        themes=themes,
        theme_columns=list(range(first_theme, first_theme + len(themes))),
        grouped=shape == "grouped",
        titles=titles,
        suffix=suffix,
        expected=expected,
        establishments=len(schools),
    )


def _drafted(export: Export, folder: Path) -> tuple[Path, Path]:
    path = folder / f"export{export.suffix}"
    export.write(path)
    mapping = folder / "map.toml"
    mapping.write_text(render_draft(draft_mapping(path)), encoding="utf-8")
    return path, mapping


# --------------------------------------------------------------------------- round trips
@SETTINGS
@given(export=exports())
def test_a_draft_reads_the_export_back_to_its_answers(export: Export) -> None:
    """Draft a mapping, read the export with it: every answer comes back as given (names,
    emails, roles, job titles as typed, ratings on the form's scale, authorities with
    'Glasgow' mapped to Glasgow City, sectors), with one establishment per school."""
    with tempfile.TemporaryDirectory() as folder:
        path, mapping = _drafted(export, Path(folder))
        cohort = read_survey(path, mapping=mapping).cohort
    assert list(cohort.themes) == export.themes
    assert len(cohort.establishments) == export.establishments
    by_id = cohort.establishment_by_id
    got = [
        {
            "name": p.name,
            "email": p.email,
            "role": p.role,
            "job_title": p.job_title,
            "interests": p.interests,
            "authority": by_id[p.establishment_id].authority,
            "sector": by_id[p.establishment_id].sector,
        }
        for p in cohort.practitioners
    ]
    assert [{**g, "authority": str(g["authority"]).title()} for g in got] == [
        {**e, "authority": str(e["authority"]).title()} for e in export.expected
    ]


def test_the_forms_fixtures_draft_and_read() -> None:
    """The Microsoft Forms export in tests/data (CSV, and the same under a title row with a
    merged two-row header in .xlsx) reads with its draft: 44 practitioners, 23 schools,
    10 themes, six-level words as 0..5,, 'Glasgow' as Glasgow City, job titles as typed."""
    cohorts = []
    for name in ("forms_export.csv", "forms_export_titled.xlsx"):
        with tempfile.TemporaryDirectory() as folder:
            mapping = Path(folder) / "map.toml"
            draft = render_draft(draft_mapping(DATA / name))
            assert "CHECK: 'Glasgow' looks like Glasgow City" in draft
            mapping.write_text(draft, encoding="utf-8")
            cohorts.append(read_survey(DATA / name, mapping=mapping).cohort)
    csv_cohort, xlsx_cohort = cohorts
    assert (csv_cohort.n_participants, len(csv_cohort.establishments)) == (44, 23)
    assert len(csv_cohort.themes) == 10 and len(csv_cohort.authorities) == 8
    assert xlsx_cohort.practitioners == csv_cohort.practitioners
    assert xlsx_cohort.establishments == csv_cohort.establishments
    assert {p.job_title for p in csv_cohort.practitioners} >= {
        "Teacher of English",
        "Lead Practitioner",
    }
    assert {r for p in csv_cohort.practitioners for r in p.interests} == set(range(6))


# --------------------------------------------------------------------------- broken copies
@SETTINGS
@given(export=exports(suffix=".csv"), data=st.data())
def test_a_cut_row_fails_naming_the_row_and_its_missing_columns(
    export: Export, data: st.DataObject
) -> None:
    """Cut the end off one CSV row: reading fails on that row, naming a missing column
    (never padding the theme cells with zeros)."""
    k = data.draw(st.integers(0, len(export.rows) - 1), label="row")
    keep = data.draw(st.integers(1, export.theme_columns[-1]), label="cells kept")
    with tempfile.TemporaryDirectory() as folder:
        _, mapping = _drafted(export, Path(folder))
        export.rows[k] = export.rows[k][:keep]
        broken = Path(folder) / "broken.csv"
        export.write(broken)
        with pytest.raises(InvalidInputError) as caught:
            read_survey(broken, mapping=mapping)
    problem = next(p for p in caught.value.problems if p.row == export.first_data_row + k)
    assert f"'{export.headers[export.theme_columns[-1]]}'" in problem.expected or (
        "and" in problem.expected and "more are missing" in problem.expected
    )


@SETTINGS
@given(export=exports(), data=st.data())
def test_a_word_off_the_drafted_scale_names_row_column_and_word(
    export: Export, data: st.DataObject
) -> None:
    """The draft is made from a clean export; a later answer not on its scale is an error
    naming the row, the column and the word."""
    k = data.draw(st.integers(0, len(export.rows) - 1), label="row")
    column = data.draw(st.sampled_from(export.theme_columns), label="column")
    with tempfile.TemporaryDirectory() as folder:
        path, mapping = _drafted(export, Path(folder))
        export.rows[k][column] = "Rather keen"
        export.write(path)
        with pytest.raises(InvalidInputError) as caught:
            read_survey(path, mapping=mapping)
    (problem,) = caught.value.problems
    assert (problem.row, problem.value) == (export.first_data_row + k, "Rather keen")
    assert problem.column == export.headers[column]


@settings(SETTINGS, max_examples=15)
@given(export=exports(suffix=".csv"), data=st.data())
def test_a_control_character_is_removed_with_a_warning(export: Export, data: st.DataObject) -> None:
    """A NUL inside a name is removed; a warning names its row and column."""
    k = data.draw(st.integers(0, len(export.rows) - 1), label="row")
    name_column = next(i for i, h in enumerate(export.headers) if h in HEADERS["name"])
    with tempfile.TemporaryDirectory() as folder:
        path, mapping = _drafted(export, Path(folder))
        export.rows[k][name_column] = export.rows[k][name_column].replace(" ", " \x00", 1)
        export.write(path)
        reading = read_survey(path, mapping=mapping)
    assert reading.cohort.practitioners[k].name == export.expected[k]["name"]
    (warning,) = [w for w in reading.warnings if "control or invisible characters" in w.expected]
    assert (warning.row, warning.column) == (
        export.first_data_row + k,
        export.headers[name_column],
    )


def test_an_unknown_job_title_is_left_for_the_user_not_guessed(tmp_path: Path) -> None:
    """Without a role column, a job title with no telling word is listed commented out; the
    draft then fails naming that row and the job title column."""
    path = tmp_path / "export.csv"
    path.write_text(
        "Name,School,Local authority,Sector,Job title,theme:A,theme:B\n"
        "Ann,Hillhead,Inverclyde,primary,Head Teacher,1,2\n"
        "Bob,Hillhead,Inverclyde,primary,Librarian,1,2\n",
        encoding="utf-8",
    )
    text = render_draft(draft_mapping(path))
    assert '# "Librarian"  # CHECK: add it to the list of promoted or practitioner, e.g. ' in text
    mapping = tmp_path / "map.toml"
    mapping.write_text(text, encoding="utf-8")
    with pytest.raises(InvalidInputError) as caught:
        read_survey(path, mapping=mapping)
    (problem,) = caught.value.problems
    assert (problem.row, problem.column, problem.value) == (3, "Job title", "Librarian")


def _four_people(
    literacy: list[str], numeracy: list[str], extra: dict[str, list[str]] | None = None
) -> pd.DataFrame:
    """An export of four people of two schools rating two themes in the words given."""
    return pd.DataFrame(
        {
            "Name": ["Ann", "Bob", "Cat", "Dan"],
            "School": ["Hillhead", "Hillhead", "Busby", "Busby"],
            "Local authority": ["Inverclyde"] * 4,
            "Sector": ["primary"] * 4,
            "Role": ["HT", "teacher", "HT", "teacher"],
            "Interest [Literacy]": literacy,
            "Interest [Numeracy]": numeracy,
            **(extra or {}),
        }
    )


def test_words_no_known_scale_fits_are_placed_by_their_words_and_marked() -> None:
    """Unknown rating words: placed by their words with CHECK, or left commented out (a
    column with a stray unknown word is still a theme; a yes/no question is not)."""
    frame = _four_people(
        ["Really keen", "Not keen", "Meh", "Fairly keen"],
        ["Fairly keen", "Really keen", "Not keen", "Not keen"],
        {"Have you taken part before?": ["Yes", "No", "No", "Maybe"]},
    )
    text = render_draft(draft_mapping(frame))
    assert "pattern = 'Interest \\[(.+)\\]'" in text
    assert '"Not keen" = 0  # CHECK: placed by its words' in text
    assert '"Fairly keen" = 2  # CHECK' in text and '"Really keen" = 4  # CHECK' in text
    assert '# "Meh" = ?  # CHECK: give it a rating 0-5' in text
    assert 'unused_columns = [\n    "Have you taken part before?",\n]' in text


def test_a_scale_level_nobody_answered_is_a_gap_to_check() -> None:
    """Five words of the six-level scale were rated 0, 1, 2, 4, 5 with no CHECK: the gap
    between 'Somewhat' and 'Very' was twice the others, and nothing said so (a first-time
    lead officer)."""
    words = ["Not at all interested", "Slightly interested", "Somewhat interested",
             "Very interested", "Extremely interested"]  # fmt: skip
    frame = _four_people(words[:4], [words[4], words[0], words[1], words[2]])
    text = render_draft(draft_mapping(frame))
    assert '"Very interested" = 4  # CHECK: 5 of the scale\'s 6 words' in text
    assert 'No answer is "Moderately interested", so the ratings skip its level.' in text
    every = _four_people(words[:4], [words[4], "Moderately interested", words[1], words[2]])
    assert "skip its level" not in render_draft(draft_mapping(every))


def test_a_theme_nobody_rated_is_found_by_its_group_label(tmp_path: Path) -> None:
    """Under a group label, a column left blank by everyone is a theme like its neighbours."""
    path = tmp_path / "export.csv"
    path.write_text(
        "Name,School,Local authority,Sector,Role,How interested are you in these themes?,,\n"
        ",,,,,Literacy,Numeracy,Racial equality\n"
        "Ann,Hillhead,Inverclyde,primary,HT,5,1,\n"
        "Bob,Hillhead,Inverclyde,primary,teacher,0,5,\n",
        encoding="utf-8",
    )
    mapping = tmp_path / "map.toml"
    mapping.write_text(render_draft(draft_mapping(path)), encoding="utf-8")
    cohort = read_survey(path, mapping=mapping).cohort
    assert cohort.themes == ("Literacy", "Numeracy", "Racial equality")
    assert [p.interests for p in cohort.practitioners] == [(5, 1, 0), (0, 5, 0)]


def test_responses_on_a_later_sheet_are_found_and_the_mapping_names_it(tmp_path: Path) -> None:
    """A workbook opening on a cover sheet: the draft takes the sheet with the responses,
    says so with CHECK, and names it (sheet = ...) so that --map alone reads it; --sheet
    given to the reader still wins."""
    book = Workbook()
    cover = book.active
    assert cover is not None
    cover.title = "About"
    cover.append(["CLN nominations (exported from Microsoft Forms)"])
    cover.append(["Do not edit"])
    responses = book.create_sheet("Form1")
    responses.append(["Name", "School", "Local authority", "Sector", "Role", "theme:A", "theme:B"])
    responses.append(["Ann", "Hillhead", "Inverclyde", "primary", "HT", 1, 2])
    responses.append(["Bob", "Hillhead", "Inverclyde", "primary", "teacher", 3, 4])
    lookup = book.create_sheet("School list")  # more rows, but no ratings: not the responses
    for i in range(5):
        lookup.append(["School", "Authority"] if i == 0 else [f"School {i}", "Inverclyde"])
    path = tmp_path / "export.xlsx"
    book.save(path)
    text = render_draft(draft_mapping(path))
    assert (
        'sheet = "Form1"  # CHECK: the responses look to be on this sheet (rating columns '
        "and 2 rows; 'About': 1, 'School list': 4)" in text
    )
    book.remove(cover)  # the responses first: kept, though the lookup has more rows
    book.save(first := tmp_path / "first.xlsx")
    assert draft_mapping(first).sheet == "Form1" and not draft_mapping(first).sheet_kept
    mapping = tmp_path / "map.toml"
    mapping.write_text(text, encoding="utf-8")
    cohort = read_survey(path, mapping=mapping).cohort
    assert [p.interests for p in cohort.practitioners] == [(1, 2), (3, 4)]
    with pytest.raises(InvalidInputError, match="columns found: 'CLN nominations"):
        read_survey(path, mapping=mapping, sheet="About")
    first = render_draft(draft_mapping(path, sheet="About"))
    assert "\nsheet =" not in first


def test_a_rating_word_under_a_switched_off_scale_is_switched_off_too(tmp_path: Path) -> None:
    """One placed word is not a scale: [scale] stays off and so does its line (it would
    otherwise land under [themes] and the file would not read)."""
    path = tmp_path / "export.csv"
    path.write_text(
        "Name,School,Local authority,Sector,Role,Interest [A],Interest [B]\n"
        "Ann,Hillhead,Inverclyde,primary,HT,1,3\n"
        "Bob,Hillhead,Inverclyde,primary,teacher,2,4\n",
        encoding="utf-8",
    )
    draft = draft_mapping(path)
    draft.scale = [("Keen", 4, "CHECK: placed by its words")]
    text = render_draft(draft)
    assert "# [scale]" in text and "\n[scale]" not in text
    assert '\n# "Keen" = 4  # CHECK' in text
    mapping = tmp_path / "map.toml"
    mapping.write_text(text, encoding="utf-8")
    assert [p.interests for p in read_survey(path, mapping=mapping).cohort.practitioners] == [
        (1, 3),
        (2, 4),
    ]
