"""teams.xlsx: expected sheets, valid sheet names, neutralised text, no names if pseudonymised."""

from __future__ import annotations

from pathlib import Path

import pytest
from openpyxl import load_workbook
from openpyxl.workbook.workbook import Workbook
from openpyxl.worksheet.worksheet import Worksheet
from test_report_html import AUTHORITIES, FORMULA_NAME, hand_result

from clnmatch.report.pseudonymise import pseudonymise
from clnmatch.report.workbook import sheet_title, write_workbook
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
    """Summary, one sheet per team, per authority and per facilitator, in that order."""
    expected = [
        "Summary",
        "Team 1",
        "Team 2",
        "Team 3",
        *AUTHORITIES,
        *(f"Fac. Facilitator Name{k}" for k in range(4)),
    ]
    assert book.sheetnames == expected


def test_formula_name_is_neutralised(book: Workbook) -> None:
    """A name like =cmd|'/c calc'!A1 is stored as text with a leading apostrophe, not a formula."""
    team1 = book["Team 1"]  # P00 (establishment E00) is in team 1
    names = [row[0].value for row in team1.iter_rows(min_row=5)]
    assert "'" + FORMULA_NAME in names
    for ws in book.worksheets:
        for row in ws.iter_rows():
            for cell in row:
                assert cell.data_type != "f", f"{ws.title}!{cell.coordinate} is a formula"
                if isinstance(cell.value, str):
                    assert cell.value[0] not in "=+-@", f"{ws.title}!{cell.coordinate}"


def test_team_sheet_rows(book: Workbook, result: Result) -> None:
    """A team sheet lists each member with role, establishment, authority, sector and rating."""
    ws = book["Team 2"]
    header = [c.value for c in ws[4]]
    focus = result.team_focus[2]
    assert header == [
        "Practitioner",
        "Role",
        "Establishment",
        "Authority",
        "Sector",
        f"Interest in {focus} (0-5)",
        "Practitioner id",
    ]
    rows = [r for r in ws.iter_rows(min_row=5, values_only=True) if r[0] is not None]
    assert len(rows) == 8
    k = result.cohort.themes.index(focus)
    by_id = result.cohort.practitioner_by_id
    for name, role, est, authority, sector, rating, pid in rows:
        p = by_id[pid]
        e = result.cohort.establishment_by_id[p.establishment_id]
        assert (name, est, authority) == (p.name, e.name, e.authority)
        assert role == str(p.role).capitalize()
        assert sector == str(e.sector).capitalize() and rating == p.interests[k]
    assert ws.freeze_panes == "A5"
    assert ws["A4"].font.bold


def test_summary_has_proof_and_checks(book: Workbook) -> None:
    """The summary carries the plain-words proof, one row per team and every rule check."""
    values = [str(v) for v in _values(book["Summary"])]
    assert any("within 0.8% of the best possible" in v for v in values)
    assert "Sectors per team" in values and "min 2 required; teams have 2" in values
    assert "passes" in values and not any("BREACHED" in v for v in values)


def test_authority_sheet(book: Workbook) -> None:
    """An authority's sheet says where each of its establishments went and who nurtures it."""
    ws = book["Inverclyde"]
    rows = [r for r in ws.iter_rows(min_row=5, max_row=7, values_only=True)]
    # Inverclyde holds E01, E05, E09 -> teams 2, 3, 1
    assert [(r[1], r[4]) for r in rows] == [("E01", 2), ("E05", 3), ("E09", 1)]
    assert "Facilitator Name1 (Inverclyde)" in rows[0][6]


def test_pseudonymised_workbook_has_no_names(result: Result, tmp_path: Path) -> None:
    """After pseudonymise no practitioner or facilitator name, nor any email, is in the workbook."""
    path = tmp_path / "teams.xlsx"
    write_workbook(pseudonymise(result), path)
    text = "\n".join(str(v) for v in _values(*load_workbook(path).worksheets))
    for p in result.cohort.practitioners:
        assert p.name not in text and p.name.lstrip("=") not in text
        assert p.email is not None and p.email not in text
    assert "Facilitator Name" not in text
    assert "Practitioner 001" in text and "School 3 & Annexe" in text


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
