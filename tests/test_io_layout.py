"""Tests of clnmatch.io.layout: where the header is, and cleaning the cells."""

from __future__ import annotations

from pathlib import Path

from hypothesis import given
from hypothesis import strategies as st
from openpyxl import Workbook

from clnmatch.io.headers import header_score
from clnmatch.io.tables import header_labels, load_table, normalise_header

SCORE = header_score


def _csv(tmp_path: Path, text: str, name: str = "t.csv") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_title_rows_above_the_header_are_skipped_with_a_warning(tmp_path: Path) -> None:
    """The best-scoring row is the header; the warning names it and the rows skipped."""
    path = _csv(
        tmp_path,
        "CLN launch survey,,\nExported 2 May,,\n\nName,School,Local authority\nAnn,Hillhead,Inverclyde\n",
    )
    table = load_table(path, header_score=SCORE)
    assert table.header_row == 4 and table.headers == ("Name", "School", "Local authority")
    assert table.title_rows == (1, 2)
    (warning,) = table.warnings
    assert warning.row == 4 and "rows 1-2 above it look like titles" in warning.expected
    assert [r.number for r in table.rows] == [5]


def test_without_a_score_or_a_better_row_the_first_row_is_the_header(tmp_path: Path) -> None:
    """No score: the first filled row, as before; a score that no row beats: the same."""
    path = _csv(tmp_path, "a,b\nName,School\n")
    assert load_table(path).headers == ("a", "b")
    plain = _csv(tmp_path, "Name,School\nAnn,Hillhead\n", name="p.csv")
    table = load_table(plain, header_score=SCORE)
    assert table.header_row == 1 and table.warnings == () and table.title_rows == ()


def test_header_row_can_be_given(tmp_path: Path) -> None:
    """header_row takes that row without searching and without a warning."""
    path = _csv(tmp_path, "x,y\nName,School\nAnn,Hillhead\n")
    table = load_table(path, header_score=SCORE, header_row=1)
    assert table.headers == ("x", "y") and table.warnings == ()


def test_sub_headers_under_a_group_label_join_the_header(tmp_path: Path) -> None:
    """A CSV saved from merged cells: the label over blank cells and the sub-headers under
    it are read as one header; groups keep the label over each sub-header."""
    path = _csv(
        tmp_path,
        "Name,School,How interested are you in these themes?,,Comments\n"
        ",,Literacy,Numeracy,\n"
        "Ann,Hillhead,Very,Slightly,hi\n",
    )
    table = load_table(path, header_score=SCORE)
    assert table.headers == ("Name", "School", "Literacy", "Numeracy", "Comments")
    assert table.header_row == 2
    question = "How interested are you in these themes?"
    assert table.groups == ("", "", question, question, "")
    assert any("rows 1 and 2 are read together" in w.expected for w in table.warnings)
    assert [r.values for r in table.rows] == [("Ann", "Hillhead", "Very", "Slightly", "hi")]


def test_a_data_row_is_never_taken_for_sub_headers(tmp_path: Path) -> None:
    """A first data row with blanks under a label but values elsewhere stays data."""
    path = _csv(tmp_path, "Name,School,Themes,,\nAnn,Hillhead,,3,4\n")
    table = load_table(path, header_score=SCORE)
    assert table.header_row == 1 and [r.number for r in table.rows] == [2]


def test_xlsx_title_row_and_merged_two_row_header(tmp_path: Path) -> None:
    """A workbook with a merged title, a merged group label and vertically merged headers
    reads as one header row; the data start below it."""
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(["CLN survey"])
    sheet.append(["Name", "Local authority", "Rate your interest", None])
    sheet.append([None, None, "Literacy", "Play"])
    sheet.append(["Ann", "Inverclyde", 3, 5])
    sheet.merge_cells("A1:D1")
    sheet.merge_cells("C2:D2")
    sheet.merge_cells("A2:A3")
    sheet.merge_cells("B2:B3")
    path = tmp_path / "t.xlsx"
    book.save(path)
    table = load_table(path, header_score=SCORE)
    assert table.headers == ("Name", "Local authority", "Literacy", "Play")
    assert table.groups[2:] == ("Rate your interest", "Rate your interest")
    assert table.header_row == 3 and table.title_rows == (1,)
    assert [r.values for r in table.rows] == [("Ann", "Inverclyde", "3", "5")]


def test_a_group_row_above_a_full_header_gives_the_groups(tmp_path: Path) -> None:
    """Group labels alone on the row above a complete header: the header is the full row,
    and each label runs on over the columns after it."""
    path = _csv(
        tmp_path,
        "About you,,Themes,\nName,School,Literacy,Numeracy\nAnn,Hillhead,1,2\n",
    )
    table = load_table(path, header_score=SCORE)
    assert table.headers == ("Name", "School", "Literacy", "Numeracy")
    assert table.groups == ("About you", "About you", "Themes", "Themes")


def test_control_characters_are_removed_with_a_warning_per_column(tmp_path: Path) -> None:
    """NUL and escape characters go, with one warning per column naming its rows; a vertical
    tab (a spreadsheet's line break) becomes a line break."""
    path = _csv(tmp_path, "name,note\nA\x00nn,x\x1b\nB\x00ob,two\x0blines\n")
    table = load_table(path)
    assert [r.values for r in table.rows] == [("Ann", "x"), ("Bob", "two\nlines")]
    assert [(w.row, w.column) for w in table.warnings] == [(2, "name"), (2, "note")]
    assert "2 cell(s) of this column (rows 2, 3)" in table.warnings[0].expected


def test_invisible_characters_are_removed_so_a_school_is_one_school(tmp_path: Path) -> None:
    """A zero-width space pasted after a school's name (or a soft hyphen, a direction mark)
    made it a second school, printed the same; they go, with the controls' warning. A BOM
    in the first header says nothing; zero-width joiners, which some scripts spell with,
    stay."""
    path = _csv(
        tmp_path,
        "\ufeffname,school\nAnn,Noble PS\u200b\nBob,\u200eNoble\u00adPS\nCat,\u0915\u094d\u200d\u0937\n",
    )
    table = load_table(path)
    assert table.headers == ("name", "school")
    assert [r.values[1] for r in table.rows] == ["Noble PS", "NoblePS", "\u0915\u094d\u200d\u0937"]
    assert [(w.row, w.column) for w in table.warnings] == [(2, "school")]
    assert "invisible characters (such as a zero-width space)" in table.warnings[0].expected


def test_a_two_row_header_whose_lower_row_looks_more_like_a_header(tmp_path: Path) -> None:
    """The theme names below a merged question score higher than the row above them (the
    fixed headers, merged down): both rows are still the header, with no title skipped."""
    themes = ["theme:Literacy", "theme:Numeracy", "theme:Play", "theme:Voice", "theme:Outdoor"]
    path = _csv(
        tmp_path,
        "name,authority,How interested are you in these themes?,,,,\n"
        + ",,"
        + ",".join(themes)
        + "\nAnn,Inverclyde,1,2,3,4,5\n",
    )
    assert SCORE(["", "", *themes]) > SCORE(["name", "authority", "How interested ...?"])
    table = load_table(path, header_score=SCORE)
    assert table.headers == ("name", "authority", *themes)
    assert table.header_row == 2 and table.title_rows == ()
    assert [w.expected.split(";")[0] for w in table.warnings] == ["one header row"]
    assert [r.number for r in table.rows] == [3]


def test_a_title_right_above_the_header_is_not_read_into_it(tmp_path: Path) -> None:
    """A title over blank cells directly above the header stays a skipped title."""
    path = _csv(
        tmp_path, "CLN survey 2026,,\nName,School,Local authority\nAnn,Hillhead,Inverclyde\n"
    )
    table = load_table(path, header_score=SCORE)
    assert table.headers == ("Name", "School", "Local authority") and table.title_rows == (1,)


def test_a_title_with_a_cell_past_the_header_stays_a_title(tmp_path: Path) -> None:
    """A title row with an export date far to the right is skipped, not read into the
    header (which then wanted one more cell in every row)."""
    header = "name,establishment_name,authority,sector,role,theme:A,theme:B"
    path = _csv(
        tmp_path,
        "CLN survey 2024,,,,,,,,,Exported 2024-05-01\n"
        f"{header}\nAnn,Hillhead,Inverclyde,primary,HT,1,2\n",
    )
    table = load_table(path, header_score=SCORE)
    assert table.headers == tuple(header.split(",")) and table.title_rows == (1,)
    assert table.problems == ()


@given(
    st.lists(st.sampled_from(["Name", "name ", "NAME", "Email", "Start_time", "start time", ""]))
)
def test_header_labels_number_a_repeated_header_in_one_pass(headers: list[str]) -> None:
    """Each header's label, as a mapping names it: as written, or "Name #2" for the second
    of headers that match; made in one pass (per header, every header was normalised:
    a survey with 4,000 extra columns took 38.6 s to read, 20,000 over two minutes)."""
    labels = header_labels(headers)
    for i, header in enumerate(headers):
        same = [j for j, h in enumerate(headers) if normalise_header(h) == normalise_header(header)]
        assert labels[i] == (header if len(same) == 1 else f"{header} #{same.index(i) + 1}")
