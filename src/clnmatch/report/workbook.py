"""teams.xlsx: the workbook a lead officer, link officers and facilitators work from.

Sheets: ``Summary`` (the quality proof, one row per team, the rule checks with numbers,
notes), one sheet per team (its members), one per local authority (for its link
officer: where its establishments went, who nurtures them) and one per facilitator
(teams and establishments supported). Text cells are neutralised so a spreadsheet never
runs them (``clnmatch.io.safe.neutralise``); the file is written whole or not at all.
"""

from __future__ import annotations

import io
import re
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from clnmatch.facilitators import facilitator_supply
from clnmatch.io.safe import atomic_write_bytes, neutralise
from clnmatch.models import authority_key
from clnmatch.report.charts import sector_label
from clnmatch.report.html import (
    FacilitatorView,
    TeamView,
    diagnosis_text,
    facilitator_views,
    quality_facts,
    quality_sentence,
    report_notes,
    rule_checks,
    team_views,
)
from clnmatch.result import Result

__all__ = ["write_workbook", "sheet_title", "MAX_SHEET_TITLE"]

MAX_SHEET_TITLE = 31  # Excel's limit
_BAD_TITLE = re.compile(r"[\[\]:*?/\\]")  # characters Excel refuses in sheet names
_MAX_WIDTH = 60
_HEADER_FONT = Font(bold=True)
_HEADER_FILL = PatternFill("solid", fgColor="DDE7F0")
_TITLE_FONT = Font(bold=True, size=14)
_SECTION_FONT = Font(bold=True, size=12)


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


def _cell(value: Any) -> Any:
    """Text neutralised (never a formula) and stripped of characters XML cannot hold."""
    if value is None or isinstance(value, bool | int | float):
        return value
    return neutralise(ILLEGAL_CHARACTERS_RE.sub("", str(value)))


class _Sheet:
    """Writes free lines and tables down a worksheet, tracking column widths of tables only."""

    def __init__(self, sheet: Worksheet) -> None:
        self.sheet = sheet
        self.row = 1
        self.widths: dict[int, int] = {}

    def line(self, text: str, font: Font | None = None) -> None:
        cell = self.sheet.cell(row=self.row, column=1, value=_cell(text))
        if font is not None:
            cell.font = font
        self.row += 1

    def blank(self) -> None:
        self.row += 1

    def table(
        self, header: Sequence[str], rows: Iterable[Sequence[Any]], *, freeze: bool = False
    ) -> None:
        """A bold header row and its rows; ``freeze`` keeps everything above the data in view."""
        for column, title in enumerate(header, start=1):
            cell = self.sheet.cell(row=self.row, column=column, value=_cell(title))
            cell.font = _HEADER_FONT
            cell.fill = _HEADER_FILL
            self._measure(column, title)
        self.row += 1
        if freeze:
            self.sheet.freeze_panes = f"A{self.row}"
        for values in rows:
            for column, value in enumerate(values, start=1):
                cell = self.sheet.cell(row=self.row, column=column, value=_cell(value))
                if isinstance(value, str) and len(value) > _MAX_WIDTH:
                    cell.alignment = Alignment(wrap_text=True, vertical="top")
                self._measure(column, value)
            self.row += 1

    def _measure(self, column: int, value: Any) -> None:
        length = len(str(value)) if value is not None else 0
        self.widths[column] = max(self.widths.get(column, 8), min(_MAX_WIDTH, length + 2))

    def finish(self) -> None:
        for column, width in self.widths.items():
            self.sheet.column_dimensions[get_column_letter(column)].width = width


def _joined(items: Iterable[Any], sep: str = ", ") -> str:
    return sep.join(str(x) for x in items)


def _facilitator_label(f: FacilitatorView) -> str:
    return f"{f.name} ({f.authority})" if f.authority else f.name


def _summary(book: Workbook, result: Result, teams: list[TeamView], taken: set[str]) -> None:
    s = _Sheet(book.create_sheet(sheet_title("Summary", taken)))
    s.line("Collaborative learning teams", _TITLE_FONT)
    s.line(quality_sentence(result))
    s.blank()
    if teams:
        s.table(
            [
                "Team",
                "Focus theme",
                "Participants",
                "Establishments",
                "Sectors",
                "Authorities",
                "Facilitators",
            ],
            (
                [
                    t.team,
                    t.focus or "",
                    t.participants,
                    len(t.establishments),
                    _joined(t.sectors),
                    _joined(f"{a} ({n})" for a, n in t.authorities.items()),
                    _joined((_facilitator_label(f) for f in t.facilitators), "; "),
                ]
                for t in teams
            ),
            freeze=True,
        )
        s.blank()
    s.line("Quality of the answer", _SECTION_FONT)
    s.table(["Measure", "Value"], quality_facts(result))
    checks = rule_checks(result)
    if checks:
        s.blank()
        s.line("Rule checks", _SECTION_FONT)
        s.table(
            ["Rule", "Result", "Numbers", "Meaning"],
            (
                [c.title, c.verdict, "; ".join(x for x in (c.numbers, *c.breaches) if x), c.meaning]
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
    notes = report_notes(result)
    if notes:
        s.blank()
        s.line("Notes", _SECTION_FONT)
        for note in notes:
            s.line(note)
    s.finish()


def _team_sheet(book: Workbook, team: TeamView, taken: set[str]) -> None:
    s = _Sheet(book.create_sheet(sheet_title(f"Team {team.team}", taken)))
    s.line(f"Team {team.team}: {team.focus or 'no focus theme'}", _TITLE_FONT)
    facilitators = _joined((_facilitator_label(f) for f in team.facilitators), "; ")
    s.line(f"Facilitators: {facilitators or 'none assigned'}")
    s.blank()
    focus = team.focus or "focus"
    s.table(
        [
            "Practitioner",
            "Role",
            "Establishment",
            "Authority",
            "Sector",
            f"Interest in {focus} (0-5)",
            "Practitioner id",
        ],
        (
            [m.name, m.role, g.name, g.authority, g.sector, m.rating, m.practitioner_id]
            for g in team.establishments
            for m in g.members
        ),
        freeze=True,
    )
    s.finish()


def _authority_sheet(
    book: Workbook,
    result: Result,
    key: str,
    teams: list[TeamView],
    facilitators: list[FacilitatorView],
    taken: set[str],
) -> None:
    cohort = result.cohort
    name = cohort.authorities[key]
    s = _Sheet(book.create_sheet(sheet_title(name, taken)))
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
                _joined((_facilitator_label(f) for f in team.facilitators), "; ") if team else "",
            ]
        )
    s.table(
        [
            "Establishment",
            "Establishment id",
            "Sector",
            "Nominees",
            "Team",
            "Team focus",
            "Team facilitators",
        ],
        rows,
        freeze=True,
    )
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
    book: Workbook,
    result: Result,
    f: FacilitatorView,
    teams: list[TeamView],
    taken: set[str],
) -> None:
    s = _Sheet(book.create_sheet(sheet_title(f"Fac. {f.name}", taken)))
    role = f", {f.role}" if f.role else ""
    s.line(f"{f.name} ({f.authority}{role})", _TITLE_FONT)
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


def write_workbook(result: Result, path: str | Path) -> None:
    """Write teams.xlsx for ``result`` to ``path``, whole or not at all."""
    book = Workbook()
    book.remove(book.active)
    taken: set[str] = set()
    teams = team_views(result) if result.feasible else []
    _summary(book, result, teams, taken)
    for team in teams:
        _team_sheet(book, team, taken)
    if teams:
        facilitators = facilitator_views(result)
        for key in result.cohort.authorities:
            _authority_sheet(book, result, key, teams, facilitators, taken)
        for f in facilitators:
            _facilitator_sheet(book, result, f, teams, taken)
    buffer = io.BytesIO()
    book.save(buffer)
    atomic_write_bytes(path, buffer.getvalue())
