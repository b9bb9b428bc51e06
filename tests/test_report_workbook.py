"""teams.xlsx: expected sheets, valid sheet names, neutralised text, no names if pseudonymised."""

from __future__ import annotations

from pathlib import Path

import pytest
from openpyxl import load_workbook
from openpyxl.workbook.workbook import Workbook
from openpyxl.worksheet.worksheet import Worksheet
from test_report_html import AUTHORITIES, FORMULA_NAME, hand_result, many_teams_result

from clnmatch.report.many_teams import SHEET_PER_TEAM_MAX_TEAMS
from clnmatch.report.pseudonymise import pseudonymise
from clnmatch.report.workbook import PORTRAIT_MAX_WIDTH, sheet_title, write_workbook
from clnmatch.result import Result


@pytest.fixture(scope="module")
def result() -> Result:
    return hand_result()


@pytest.fixture(scope="module")
def book(result: Result, tmp_path_factory: pytest.TempPathFactory) -> Workbook:
    path = tmp_path_factory.mktemp("xlsx") / "teams.xlsx"
    write_workbook(result, path)
    return load_workbook(path)


def _values(*sheets: Worksheet) -> list[object]:
    """Every non-empty cell value of the given sheets."""
    return [
        v for ws in sheets for row in ws.iter_rows(values_only=True) for v in row if v is not None
    ]


def test_expected_sheets(book: Workbook) -> None:
    """Summary, one sheet per team, per authority and per facilitator, then Technical."""
    expected = [
        "Summary",
        "Team 1",
        "Team 2",
        "Team 3",
        *AUTHORITIES,
        *(f"Fac. Facilitator Name{k}" for k in range(4)),
        "Technical",
    ]
    assert book.sheetnames == expected


def test_formula_name_is_neutralised(book: Workbook) -> None:
    """A name like =cmd|'/c calc'!A1 is stored as text (Excel's quote prefix), not a formula."""
    team1 = book["Team 1"]  # P00 (establishment E00) is in team 1
    cells = [row[0] for row in team1.iter_rows(min_row=5)]
    assert any(c.value == FORMULA_NAME and c.quotePrefix and c.data_type == "s" for c in cells)
    for ws in book.worksheets:
        for row in ws.iter_rows():
            for cell in row:
                assert cell.data_type != "f", f"{ws.title}!{cell.coordinate} is a formula"
                if isinstance(cell.value, str) and cell.value[:1] in "=+-@":
                    assert cell.quotePrefix, f"{ws.title}!{cell.coordinate}"


def test_team_sheet_rows(book: Workbook, result: Result) -> None:
    """A team sheet lists each member with role, job title, establishment, e-mail and rating."""
    ws = book["Team 2"]
    header = [c.value for c in ws[4]]
    focus = result.team_focus[2]
    assert header == [
        "Name",
        "Role",
        "Job title",
        "Establishment",
        "Authority",
        "Sector",
        "E-mail",
        f"Interest in {focus} (0-5)",
        "Practitioner id",
    ]
    rows = [r for r in ws.iter_rows(min_row=5, values_only=True) if r[0] is not None]
    assert len(rows) == 8
    k = result.cohort.themes.index(focus)
    by_id = result.cohort.practitioner_by_id
    for name, role, job, est, authority, sector, email, rating, pid in rows:
        p = by_id[pid]
        e = result.cohort.establishment_by_id[p.establishment_id]
        assert (name, est, authority, email) == (p.name, e.name, e.authority, p.email)
        assert role == str(p.role).capitalize() and (job or None) == p.job_title
        assert sector == str(e.sector).capitalize() and rating == p.interests[k]
    assert ws.freeze_panes == "A5"
    assert ws["A4"].font.bold
    assert str(ws["A1"].value).startswith("Collaborative learning teams: team 2")


def test_team_sheets_print_legibly(book: Workbook) -> None:
    """A4, one page wide, landscape when wide, title rows repeated, ids off the page, page numbers."""
    ws = book["Team 1"]
    setup = ws.page_setup
    assert str(setup.paperSize) == ws.PAPERSIZE_A4
    assert ws.sheet_properties.pageSetUpPr.fitToPage
    assert (setup.fitToWidth, setup.fitToHeight) == (1, 0)
    widths = [ws.column_dimensions[c].width for c in "ABCDEFGH"]
    assert all(8 <= w <= 34 for w in widths)
    assert setup.orientation == ("landscape" if sum(widths) > PORTRAIT_MAX_WIDTH else "portrait")
    assert ws.print_title_rows == "$1:$4"
    assert ws.print_area == "'Team 1'!$A$1:$H$12"  # the practitioner id (column I) stays on screen
    assert "&P" in ws.oddFooter.center.text and "&N" in ws.oddFooter.center.text
    summary = book["Summary"]
    assert summary.sheet_properties.pageSetUpPr.fitToPage and summary.page_setup.fitToWidth == 1


def test_summary_has_proof_and_checks(book: Workbook) -> None:
    """The summary carries the plain-words proof, the score, one row per team and every rule."""
    values = [str(v) for v in _values(book["Summary"])]
    assert any("at most 0.8% above theirs" in v for v in values)
    assert any(v.startswith("The score of ") for v in values)
    assert "Each team mixes at least 2 sectors" in values and "Every team has 2 sectors" in values
    assert "met" in values and not any("BROKEN" in v for v in values)
    assert not any("max_participants" in v or "ceil(" in v for v in values)
    technical = [str(v) for v in _values(book["Technical"])]
    assert "strategy" in technical and "hand" in technical


def test_authority_sheet(book: Workbook) -> None:
    """An authority's sheet says where each of its establishments went and who nurtures it."""
    ws = book["Inverclyde"]
    rows = [r for r in ws.iter_rows(min_row=5, max_row=7, values_only=True)]
    # Inverclyde holds E01, E05, E09 -> teams 2, 3, 1
    assert [(r[1], r[4]) for r in rows] == [("E01", 2), ("E05", 3), ("E09", 1)]
    assert "Facilitator Name1 (Inverclyde, QIO)" in rows[0][6]


def test_pseudonymised_workbook_has_no_names(result: Result, tmp_path: Path) -> None:
    """After pseudonymise no name, e-mail, job title or practitioner id is in the workbook."""
    path = tmp_path / "teams.xlsx"
    write_workbook(pseudonymise(result), path)
    book = load_workbook(path)
    text = "\n".join([*book.sheetnames, *(str(v) for v in _values(*book.worksheets))])
    for p in result.cohort.practitioners:
        assert p.name not in text and p.name.lstrip("=") not in text
        assert p.email is not None and p.email not in text
        assert p.id not in text.split()
    assert "Facilitator Name" not in text and "Acting Depute" not in text
    assert "Practitioner 001" in text and "School 3 & Annexe" in text
    assert "E-mail" not in text  # no e-mail column when there is no e-mail


def test_many_teams_share_one_members_sheet(tmp_path: Path) -> None:
    """Above the per-team limit, one Members sheet with a printed page per team replaces 30 tabs."""
    many = many_teams_result(30)
    path = tmp_path / "teams.xlsx"
    write_workbook(many, path)
    book = load_workbook(path)
    assert SHEET_PER_TEAM_MAX_TEAMS < 30
    assert "Team 1" not in book.sheetnames and "Members" in book.sheetnames
    ws = book["Members"]
    header = [c.value for c in ws[4]]
    assert header[:3] == ["Team", "Team focus", "Name"]
    teams = [r[0] for r in ws.iter_rows(min_row=5, values_only=True) if r[0] is not None]
    assert teams == sorted(teams) and len(teams) == many.cohort.n_participants
    breaks = [b.id for b in ws.row_breaks.brk]
    assert len(breaks) == 29  # a new page before teams 2..30
    assert all(
        ws.cell(row=b + 1, column=1).value == ws.cell(row=b, column=1).value + 1 for b in breaks
    )
    assert ws.print_title_rows == "$1:$4" and ws.auto_filter.ref.startswith("A4:")
    assert len(book.sheetnames) <= 3 + len(many.cohort.authorities)


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("Glasgow City", "Glasgow City"),
        ("A/B: [x]*?\\", "A-B- -x----"),
        ("x" * 40, "x" * 31),
        ("'quoted'", "quoted"),
        ("History", "History sheet"),
    ],
)
def test_sheet_title_valid(name: str, expected: str) -> None:
    """Sheet names drop Excel's forbidden characters and keep to 31 characters."""
    assert sheet_title(name, set()) == expected


def test_sheet_title_unique() -> None:
    """Names that clash (ignoring case, or after cutting to 31) get a numbered suffix."""
    taken: set[str] = set()
    titles = [sheet_title(n, taken) for n in ("Team", "team", "y" * 40, "y" * 35)]
    assert titles[:2] == ["Team", "team (2)"]
    assert titles[3] == "y" * 27 + " (2)" and len(titles[3]) == 31
    assert len({t.casefold() for t in titles}) == 4


def test_no_empty_job_title_column_and_facts_as_numbers(tmp_path: Path) -> None:
    """A survey without job titles gets no Job title column (it looked broken, empty on
    every row), and the Technical sheet's numbers are numbers, not text."""
    from dataclasses import replace

    result = hand_result()
    cohort = result.cohort.model_copy(
        update={"practitioners": tuple(p.model_copy(update={"job_title": None})
                                       for p in result.cohort.practitioners)}
    )  # fmt: skip
    path = tmp_path / "teams.xlsx"
    write_workbook(replace(result, cohort=cohort), path)
    book = load_workbook(path)
    assert "Job title" not in [c.value for c in book["Team 2"][4]]
    facts = {row[0]: row[1] for row in book["Technical"].iter_rows(values_only=True) if row[0]}
    assert isinstance(facts["seed"], int) and isinstance(facts["objective"], float)
    assert isinstance(facts["teams"], int) and isinstance(facts["max_authority_share"], float)
