"""teams.xlsx: the workbook a lead officer, link officers and facilitators work from.

Sheets: ``Summary`` (the proof and the score in words, one row per team, the rule checks,
facilitator supply, notes), one sheet per team (its members with role, job title,
establishment and e-mail), one per local authority (for its link officer: where its
establishments went, who nurtures them), one per facilitator, and ``Technical`` (how the
teams were found, setting names). Above ``SHEET_PER_TEAM_MAX_TEAMS`` teams the team and
facilitator sheets become one ``Members`` sheet (a page break after each team) and one
``Facilitators`` sheet, so a 1,000-team workbook has a dozen tabs, not 1,500.

Every sheet prints: A4, fit to the page width (landscape where the table is wide),
the title and header rows repeated on each page, "Page n of m" in the footer, and
columns no wider than ``_MAX_WIDTH`` characters with long cells wrapped. Text cells are
text, never formulas (``clnmatch.io.safe.set_xlsx_value``); the file is written whole or
not at all.
"""

from __future__ import annotations

import io
import math
import re
import zipfile
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.pagebreak import Break
from openpyxl.worksheet.worksheet import Worksheet

from clnmatch.facilitators import facilitator_supply
from clnmatch.io.digests import workbook_digest
from clnmatch.io.safe import atomic_write_bytes, set_xlsx_value, xlsx_bytes
from clnmatch.models import authority_key
from clnmatch.report.charts import sector_label
from clnmatch.report.many_teams import SHEET_PER_TEAM_MAX_TEAMS
from clnmatch.report.views import (
    FacilitatorView,
    Heading,
    TeamView,
    cohort_notes,
    diagnosis_text,
    facilitator_views,
    team_views,
)
from clnmatch.report.words import (
    quality_facts,
    quality_sentence,
    rule_checks,
    score_sentence,
    technical_facts,
)
from clnmatch.result import Result

__all__ = ["write_workbook", "sheet_title", "MAX_SHEET_TITLE", "PORTRAIT_MAX_WIDTH"]

MAX_SHEET_TITLE = 31  # Excel's limit
_BAD_TITLE = re.compile(r"[\[\]:*?/\\]")  # characters Excel refuses in sheet names
_MAX_WIDTH = 34  # characters; longer cells wrap, so a team sheet fits a landscape page
# a table wider than this (in characters) prints landscape: A4 portrait holds about 90
# characters of 11-point Calibri at 100%
PORTRAIT_MAX_WIDTH = 90
_LINE_HEIGHT = 15.0  # points per line of 11-point text
_HEADER_FONT = Font(bold=True)
_HEADER_FILL = PatternFill("solid", fgColor="DDE7F0")
_TITLE_FONT = Font(bold=True, size=14)
_SECTION_FONT = Font(bold=True, size=12)
_WRAP = Alignment(wrap_text=True, vertical="top")


def sheet_title(name: str, taken: set[str]) -> str:
    """A valid, unique sheet name for ``name``; adds it (case-folded) to ``taken``.

    Excel allows at most 31 characters, none of ``[]:*?/\\``, no leading or trailing
    apostrophe, and compares names without regard to case; 'History' is reserved.
    """
    base = ILLEGAL_CHARACTERS_RE.sub("", _BAD_TITLE.sub("-", name)).strip().strip("'").strip()
    base = base or "Sheet"
    if base.casefold() == "history":
        base = "History sheet"
    base = base[:MAX_SHEET_TITLE].rstrip().rstrip("'")
    title, n = base, 2
    while title.casefold() in taken:
        suffix = f" ({n})"
        title = base[: MAX_SHEET_TITLE - len(suffix)].rstrip() + suffix
        n += 1
    taken.add(title.casefold())
    return title


class _Sheet:
    """Writes free lines and tables down a worksheet, then sets widths and print settings."""

    def __init__(self, sheet: Worksheet, heading: Heading) -> None:
        self.sheet = sheet
        self.heading = heading
        self.row = 1
        self.widths: dict[int, int] = {}
        self.title_rows: str | None = None
        self.table_rows: tuple[int, int] = (0, 0)  # header row and last row of the last table
        self.long_lines: list[tuple[int, int]] = []  # (row, characters)

    def _put(self, row: int, column: int, value: Any) -> Any:
        """The cell at (row, column), holding ``value`` as ``set_xlsx_value`` stores it."""
        cell = self.sheet.cell(row=row, column=column)
        set_xlsx_value(cell, value)
        return cell

    def line(self, text: str, font: Font | None = None) -> None:
        """A line of text; a long one is wrapped across the tables' width by ``finish``."""
        cell = self._put(self.row, 1, text)
        if font is not None:
            cell.font = font
        if len(text) > _MAX_WIDTH:
            self.long_lines.append((self.row, len(text)))
        self.row += 1

    def blank(self) -> None:
        self.row += 1

    def table(
        self,
        header: Sequence[str],
        rows: Iterable[Sequence[Any]],
        *,
        freeze: bool = False,
        breaks_by: int | None = None,
    ) -> None:
        """A bold header row and its rows.

        ``freeze`` keeps everything down to the header in view and repeats it on every
        printed page; ``breaks_by`` starts a new printed page wherever that column's
        value changes (e.g. one page per team).
        """
        for column, title in enumerate(header, start=1):
            cell = self._put(self.row, column, title)
            cell.font = _HEADER_FONT
            cell.fill = _HEADER_FILL
            cell.alignment = _WRAP
            self._measure(column, title, header=True)
        header_row = self.row
        self.row += 1
        if freeze:
            self.sheet.freeze_panes = f"A{self.row}"
            self.title_rows = f"1:{header_row}"
        previous: Any = None
        for values in rows:
            if breaks_by is not None:
                key = values[breaks_by]
                if previous is not None and key != previous:
                    self.sheet.row_breaks.append(Break(id=self.row - 1))
                previous = key
            lines = 1
            for column, value in enumerate(values, start=1):
                cell = self._put(self.row, column, value)
                if isinstance(value, str) and len(value) > _MAX_WIDTH:
                    cell.alignment = _WRAP
                    lines = max(lines, math.ceil(len(value) / _MAX_WIDTH))
                self._measure(column, value)
            if lines > 1:
                self.sheet.row_dimensions[self.row].height = _LINE_HEIGHT * lines
            self.row += 1
        self.table_rows = (header_row, self.row - 1)
        self._header_height(header_row, header)

    def _header_height(self, row: int, header: Sequence[str]) -> None:
        """Header cells wrap within their column: make the row tall enough for them."""
        lines = max(
            math.ceil(len(str(title)) / max(1, self.widths.get(column, 8) - 1))
            for column, title in enumerate(header, start=1)
        )
        if lines > 1:
            self.sheet.row_dimensions[row].height = _LINE_HEIGHT * lines

    def _measure(self, column: int, value: Any, *, header: bool = False) -> None:
        length = len(str(value)) if value is not None else 0
        if header:  # a long header wraps onto words rather than widening its column
            length = min(length, max((len(w) for w in str(value).split()), default=0) + 4, 16)
        self.widths[column] = max(self.widths.get(column, 8), min(_MAX_WIDTH, length + 2))

    def finish(self, *, print_columns: int | None = None) -> None:
        """Column widths, then A4 fit to width, landscape when wide, titles and page numbers.

        ``print_columns`` limits the printed columns to the first ones (ids stay on screen).
        """
        for column, width in self.widths.items():
            self.sheet.column_dimensions[get_column_letter(column)].width = width
        ws = self.sheet
        columns = max(self.widths, default=1) if print_columns is None else print_columns
        across = sum(w for c, w in self.widths.items() if c <= columns) or _MAX_WIDTH
        for row, length in self.long_lines:  # wrap across the page, never cut off in print
            if columns > 1:
                ws.merge_cells(start_row=row, start_column=1, end_row=row, end_column=columns)
            ws.cell(row=row, column=1).alignment = _WRAP
            lines = math.ceil(length * 1.1 / across)
            if lines > 1:
                ws.row_dimensions[row].height = _LINE_HEIGHT * lines * 1.15
        printed = [
            w for c, w in sorted(self.widths.items()) if print_columns is None or c <= print_columns
        ]
        ws.page_setup.paperSize = ws.PAPERSIZE_A4
        ws.page_setup.orientation = (
            ws.ORIENTATION_LANDSCAPE
            if sum(printed) > PORTRAIT_MAX_WIDTH
            else ws.ORIENTATION_PORTRAIT
        )
        ws.sheet_properties.pageSetUpPr.fitToPage = True
        ws.page_setup.fitToWidth = 1
        ws.page_setup.fitToHeight = 0  # as many pages down as the rows need
        ws.page_margins.left = ws.page_margins.right = 0.5
        ws.page_margins.top = ws.page_margins.bottom = 0.6
        if print_columns is not None:
            ws.print_area = f"A1:{get_column_letter(print_columns)}{ws.max_row}"
        if self.title_rows is not None:
            ws.print_title_rows = self.title_rows
        ws.oddHeader.left.text = _footer_text(self.heading.title)
        ws.oddHeader.right.text = _footer_text(self.heading.date_text)
        ws.oddFooter.center.text = "Page &P of &N"
        ws.oddFooter.right.text = "&A"  # the sheet's name


def _footer_text(text: str) -> str:
    """Header and footer text: '&' starts a code there, so it is doubled."""
    return ILLEGAL_CHARACTERS_RE.sub("", text).replace("&", "&&")[:120]


def _joined(items: Iterable[Any], sep: str = ", ") -> str:
    return sep.join(str(x) for x in items)


def _team_row(t: TeamView) -> list[Any]:
    return [
        t.team,
        t.focus or "",
        t.participants,
        len(t.establishments),
        _joined(t.sectors),
        _joined(f"{a} ({n})" for a, n in t.authorities.items()),
        _joined((f.label for f in t.facilitators), "; "),
    ]


def _summary(
    book: Workbook, result: Result, teams: list[TeamView], heading: Heading, taken: set[str]
) -> None:
    s = _Sheet(book.create_sheet(sheet_title("Summary", taken)), heading)
    s.line(heading.title, _TITLE_FONT)
    contact = f" Contact: {heading.contact}." if heading.contact else ""
    s.line(f"Matched on {heading.date_text}.{contact}")
    if heading.source:
        s.line(heading.source)
    s.line(quality_sentence(result))
    if teams and (score := score_sentence(result)):
        s.line(score)
    s.blank()
    if teams:
        header = ["Team", "Focus theme", "Participants", "Establishments", "Sectors"]
        header += ["Authorities", "Facilitators"]
        s.table(header, (_team_row(t) for t in teams), freeze=True)
        s.blank()
    s.line("Quality of the answer", _SECTION_FONT)
    s.table(["Measure", "Value"], quality_facts(result))
    checks = rule_checks(result)
    if checks:
        s.blank()
        s.line("Rule checks", _SECTION_FONT)
        s.table(
            ["Rule", "Result", "How close the teams came"],
            (
                [c.title, c.verdict, "; ".join(x for x in (c.numbers, *c.breaches) if x)]
                for c in checks
            ),
        )
    if result.diagnosis is not None:
        s.blank()
        s.line("Why no teams were formed", _SECTION_FONT)
        for text in diagnosis_text(result).splitlines():
            s.line(text)
    s.blank()
    s.line("Facilitator supply", _SECTION_FONT)
    s.table(
        ["Authority", "Establishments", "Facilitators needed", "Supplied"],
        (
            [
                line.authority,
                line.establishments,
                line.needed,
                "no table given" if line.supplied is None else line.supplied,
            ]
            for line in facilitator_supply(result.cohort, result.rules)
        ),
    )
    notes = cohort_notes(result)
    if notes:
        s.blank()
        s.line("Notes", _SECTION_FONT)
        for note in notes:
            s.line(note)
    s.finish()


def _technical(book: Workbook, result: Result, heading: Heading, taken: set[str]) -> None:
    s = _Sheet(book.create_sheet(sheet_title("Technical", taken)), heading)
    s.line("Technical details: how the teams were found", _TITLE_FONT)
    s.blank()
    s.table(["Fact", "Value"], ((fact, _number(value)) for fact, value in technical_facts(result)))
    s.blank()
    s.table(
        ["Setting", "Value"],
        (
            [name, _number(str(value))]
            for name, value in result.rules.model_dump(mode="json").items()
            if value not in (None, [], {})
        ),
    )
    if result.notes:
        s.blank()
        s.line("Notes from the search", _SECTION_FONT)
        for note in result.notes:
            s.line(note)
    s.finish()


def _number(text: str) -> str | int | float:
    """A fact's value as a number when it is one (a spreadsheet sums and sorts it)."""
    if re.fullmatch(r"-?\d+", text):
        return int(text)
    if re.fullmatch(r"-?\d+\.\d+", text):
        return float(text)
    return text


def _member_header(
    result: Result, focus: str, *, with_team: bool
) -> tuple[list[str], tuple[bool, bool]]:
    """The members table's header; job titles and e-mails only when the survey has some
    (an empty column looks like a broken one)."""
    titles = any(p.job_title for p in result.cohort.practitioners)
    emails = any(p.email for p in result.cohort.practitioners)
    header = ["Team", "Team focus"] if with_team else []
    header += ["Name", "Role", *(["Job title"] if titles else []), "Establishment", "Authority"]
    header += ["Sector", *(["E-mail"] if emails else [])]
    header += [f"Interest in {focus} (0-5)", "Practitioner id"]
    return header, (titles, emails)


def _member_rows(
    team: TeamView, shown: tuple[bool, bool], *, with_team: bool
) -> Iterable[list[Any]]:
    titles, emails = shown
    for g, m in team.members:
        row: list[Any] = [team.team, team.focus or ""] if with_team else []
        row += [m.name, m.role, *([m.job_title or ""] if titles else []), g.name, g.authority]
        row += [g.sector, *([m.email or ""] if emails else [])]
        row += [m.rating, m.practitioner_id]
        yield row


def _team_sheet(
    book: Workbook, result: Result, team: TeamView, heading: Heading, taken: set[str]
) -> None:
    s = _Sheet(book.create_sheet(sheet_title(f"Team {team.team}", taken)), heading)
    s.line(f"{heading.title}: team {team.team}, {team.focus or 'no focus theme'}", _TITLE_FONT)
    facilitators = _joined((f.contact for f in team.facilitators), "; ")
    s.line(f"Facilitators: {facilitators or 'none assigned'}")
    s.blank()
    header, shown = _member_header(result, team.focus or "focus", with_team=False)
    s.table(header, _member_rows(team, shown, with_team=False), freeze=True)
    s.finish(print_columns=len(header) - 1)  # the practitioner id stays on screen only


def _members_sheet(
    book: Workbook, result: Result, teams: list[TeamView], heading: Heading, taken: set[str]
) -> None:
    """Every team's members on one sheet, one printed page (or more) per team."""
    s = _Sheet(book.create_sheet(sheet_title("Members", taken)), heading)
    s.line(f"{heading.title}: members of every team", _TITLE_FONT)
    s.line("Each team starts on a new printed page.")
    s.blank()
    header, shown = _member_header(result, "the team's focus", with_team=True)
    rows = (row for t in teams for row in _member_rows(t, shown, with_team=True))
    s.table(header, rows, freeze=True, breaks_by=0)
    first, last = s.table_rows
    s.sheet.auto_filter.ref = f"A{first}:{get_column_letter(len(header))}{last}"
    s.finish(print_columns=len(header) - 1)


def _authority_sheet(
    book: Workbook,
    result: Result,
    key: str,
    teams: list[TeamView],
    facilitators: list[FacilitatorView],
    heading: Heading,
    taken: set[str],
) -> None:
    cohort = result.cohort
    name = cohort.authorities[key]
    s = _Sheet(book.create_sheet(sheet_title(name, taken)), heading)
    s.line(f"{name}: where its establishments went", _TITLE_FONT)
    s.line("For the authority's link officer.")
    s.blank()
    team_by_no = {t.team: t for t in teams}
    est_team = result.establishment_team()
    rows = []
    for est in cohort.establishments:
        if est.authority_key != key:
            continue
        team = team_by_no.get(est_team.get(est.id, -1))
        rows.append(
            [
                est.name,
                est.id,
                sector_label(est.sector),
                len(cohort.nominees[est.id]),
                team.team if team else None,
                (team.focus or "") if team else "",
                _joined((f.label for f in team.facilitators), "; ") if team else "",
            ]
        )
    header = ["Establishment", "Establishment id", "Sector", "Nominees", "Team", "Team focus"]
    s.table([*header, "Team facilitators"], rows, freeze=True)
    own = [f for f in facilitators if authority_key(f.authority) == key]
    s.blank()
    s.line(f"Facilitators {name} supplies", _SECTION_FONT)
    if own:
        s.table(
            ["Facilitator", "Role", "Teams nurtured", "Establishments supported"],
            ([f.name, f.role, _joined(f.teams) or "none", f.establishments] for f in own),
        )
    else:
        s.line(
            "none in the facilitators table"
            if cohort.facilitators
            else "no facilitators table given"
        )
    s.finish()


def _facilitator_sheet(
    book: Workbook, f: FacilitatorView, teams: list[TeamView], heading: Heading, taken: set[str]
) -> None:
    s = _Sheet(book.create_sheet(sheet_title(f"Fac. {f.name}", taken)), heading)
    s.line(f.contact, _TITLE_FONT)
    if f.teams:
        s.line(f"Nurtures team(s) {_joined(f.teams)}: {f.establishments} establishments supported")
    else:
        s.line("Not linked to any team")
    if f.reason:
        s.line(f"Why: {f.reason}")
    s.blank()
    s.table(
        ["Team", "Team focus", "Establishment", "Authority", "Sector", "Nominees"],
        (
            [
                t.team,
                t.focus or "",
                g.name,
                g.authority,
                g.sector,
                _joined(m.name for m in g.members),
            ]
            for t in teams
            if t.team in f.teams
            for g in t.establishments
        ),
        freeze=True,
    )
    s.finish()


def _facilitators_sheet(
    book: Workbook, facilitators: list[FacilitatorView], heading: Heading, taken: set[str]
) -> None:
    s = _Sheet(book.create_sheet(sheet_title("Facilitators", taken)), heading)
    s.line(f"{heading.title}: facilitators", _TITLE_FONT)
    s.blank()
    emails = any(f.email for f in facilitators)
    s.table(
        ["Facilitator", "Authority", "Role", *(["Email"] if emails else []), "Teams",
         "Establishments supported", "Why"],
        (
            [f.name, f.authority, f.role, *([f.email or ""] if emails else []),
             _joined(f.teams) or "none", f.establishments, f.reason]
            for f in facilitators
        ),
        freeze=True,
    )  # fmt: skip
    s.finish()


def write_workbook(result: Result, path: str | Path, *, heading: Heading | None = None) -> str:
    """Write teams.xlsx for ``result`` to ``path``, whole or not at all; return its cells'
    digest (``clnmatch.io.safe.table_digest``)."""
    heading = heading or Heading()
    book = Workbook()
    book.remove(book.active)
    taken: set[str] = set()
    teams = team_views(result) if result.has_teams else []  # rosters beside broken rules too
    _summary(book, result, teams, heading, taken)
    if teams:
        per_team = len(teams) <= SHEET_PER_TEAM_MAX_TEAMS
        if per_team:
            for team in teams:
                _team_sheet(book, result, team, heading, taken)
        else:
            _members_sheet(book, result, teams, heading, taken)
        facilitators = facilitator_views(result)
        for key in result.cohort.authorities:
            _authority_sheet(book, result, key, teams, facilitators, heading, taken)
        if per_team:
            for f in facilitators:
                _facilitator_sheet(book, f, teams, heading, taken)
        elif facilitators:
            _facilitators_sheet(book, facilitators, heading, taken)
    _technical(book, result, heading, taken)
    data = xlsx_bytes(book)
    atomic_write_bytes(path, data)
    return workbook_digest(book, zipfile.ZipFile(io.BytesIO(data)).namelist())
