"""Read an assignment back: ``teams.csv`` (perhaps hand-edited) and ``facilitators.csv``.

``teams.csv``: ``practitioner_id``, ``team`` (1..T) required; ``establishment_id`` and
``team_focus`` optional. When the rows of one team name different focus themes (a
practitioner moved by hand and kept the old focus), the focus most rows give wins and a
warning says so. ``facilitators.csv``: ``facilitator_id``, ``team``.
"""

from __future__ import annotations

import os
from collections import Counter, defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from clnmatch.errors import InputProblem, InvalidInputError
from clnmatch.io.tables import (
    Table,
    load_table,
    normalise_header,
    parse_whole_number,
    resolve_columns,
)

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["AssignmentTable", "folder_links", "read_assignment", "read_links"]

_TEAM_EXPECTED = "a team number: a whole number 1 or more"


@dataclass(frozen=True)
class AssignmentTable:
    """An assignment as read from a teams table. Teams are numbered 1..T, as users see them."""

    file: str
    teams: Mapping[str, int]  # practitioner id -> team
    focus: Mapping[int, str] = field(default_factory=dict)  # team -> focus theme
    establishments: Mapping[str, str] = field(default_factory=dict)  # practitioner -> est.
    rows: Mapping[str, int] = field(default_factory=dict)  # practitioner id -> row number
    warnings: list[InputProblem] = field(default_factory=list)


def _team(text: str) -> int | None:
    """``"3"`` or ``"3.0"`` -> 3; zero, negatives, fractions and words -> None."""
    number = parse_whole_number(text)
    return number if number is not None and number >= 1 else None


def _table(source: str | os.PathLike[str] | pd.DataFrame, sheet: str | None, what: str) -> Table:
    label = f"{what} DataFrame" if not isinstance(source, str | os.PathLike) else None
    # its reader uses ids and numbers only: Excel's Windows-1252 CSV is read, with a warning
    return load_table(source, sheet=sheet, label=label, windows_1252=True)


def read_assignment(
    source: str | os.PathLike[str] | pd.DataFrame,
    *,
    themes: Sequence[str] | None = None,
    sheet: str | None = None,
) -> AssignmentTable:
    """Read a teams table. ``themes``: the survey's themes; a focus must name one of them.

    Raises InvalidInputError listing every problem (missing column, repeated
    practitioner, a team that is not a whole number 1 or more, unknown focus theme).
    """
    table = _table(source, sheet, "teams")
    problems: list[InputProblem] = list(table.problems)
    warnings: list[InputProblem] = list(table.warnings)
    index, missing = resolve_columns(
        table, ("practitioner_id", "team"), ("establishment_id", "team_focus")
    )
    problems.extend(missing)
    known = None if themes is None else {normalise_header(t): t for t in themes}

    teams: dict[str, int] = {}
    rows: dict[str, int] = {}
    establishments: dict[str, str] = {}
    focus_votes: dict[int, Counter[str]] = defaultdict(Counter)
    focus_rows: dict[tuple[int, str], list[int]] = defaultdict(list)
    unplaced: list[int] = []  # rows whose team is blank: those people are in no team
    for row in table.rows:
        cell = {name: row.values[i] for name, i in index.items()}
        pid = cell.get("practitioner_id", "")
        if "practitioner_id" in index and not pid:
            problems.append(
                table.problem(
                    "a value (this column is required)",
                    row=row.number,
                    column=index["practitioner_id"],
                )
            )
        elif pid in rows:
            problems.append(
                table.problem(
                    f"each practitioner once; row {rows[pid]} has the same practitioner_id",
                    row=row.number,
                    column=index["practitioner_id"],
                    value=pid,
                )
            )
            continue
        team = None
        if "team" in index and not cell["team"].strip():
            unplaced.append(row.number)  # as an event exports a school not placed yet
        elif "team" in index:
            team = _team(cell["team"])
            if team is None:
                problems.append(
                    table.problem(
                        _TEAM_EXPECTED,
                        row=row.number,
                        column=index["team"],
                        value=cell["team"] or None,
                    )
                )
        if pid:
            rows[pid] = row.number
            if team is not None:
                teams[pid] = team
            if cell.get("establishment_id"):
                establishments[pid] = cell["establishment_id"]
        text = cell.get("team_focus", "")
        if text and team is not None:
            name = text
            if known is not None:
                name = known.get(normalise_header(text), "")
                if not name:
                    listed = ", ".join(f"'{t}'" for t in themes or ())
                    problems.append(
                        table.problem(
                            f"a theme of the survey: {listed}",
                            row=row.number,
                            column=index["team_focus"],
                            value=text,
                        )
                    )
                    continue
            focus_votes[team][name] += 1
            focus_rows[(team, name)].append(row.number)

    focus: dict[int, str] = {}
    for team in sorted(focus_votes):
        votes = focus_votes[team]
        # most_common keeps first-seen order among ties, so ties go to the first row's focus
        winner = votes.most_common(1)[0][0]
        focus[team] = winner
        if len(votes) > 1:
            others = ", ".join(
                f"'{name}' (row {focus_rows[(team, name)][0]})" for name in votes if name != winner
            )
            warnings.append(
                table.problem(
                    f"one focus per team; team {team} mostly says '{winner}', which is used, "
                    f"but also {others}",
                    column=table.headers[index["team_focus"]],
                )
            )
    if unplaced:
        shown = ", ".join(str(r) for r in unplaced[:8]) + (" ..." if len(unplaced) > 8 else "")
        warnings.append(
            table.problem(
                f"a team on every row; {len(unplaced)} row(s) leave it blank ({shown}): "
                "those people are in no team (not placed)",
                column=table.headers[index["team"]],
            )
        )
    if problems:
        raise InvalidInputError(problems)
    return AssignmentTable(
        file=table.file,
        teams=teams,
        focus=focus,
        establishments=establishments,
        rows=rows,
        warnings=warnings,
    )


def folder_links(folder: str | os.PathLike[str]) -> list[tuple[str, int]]:
    """The facilitator-team links of a result folder: none when its facilitators.csv is
    missing or holds only its header line (a result made without facilitators)."""
    path = Path(folder) / "facilitators.csv"
    if not path.is_file():
        return []
    with path.open(encoding="utf-8-sig") as handle:
        if sum(1 for line in handle if line.strip()) <= 1:
            return []
    return read_links(path)


def read_links(
    source: str | os.PathLike[str] | pd.DataFrame, *, sheet: str | None = None
) -> list[tuple[str, int]]:
    """Read facilitator-team links (``facilitator_id``, ``team``) in file order, repeats dropped.

    Raises InvalidInputError listing every problem.
    """
    table = _table(source, sheet, "facilitators")
    problems: list[InputProblem] = list(table.problems)
    index, missing = resolve_columns(table, ("facilitator_id", "team"))
    problems.extend(missing)
    links: dict[tuple[str, int], None] = {}  # an ordered set
    if not missing:
        for row in table.rows:
            fid = row.values[index["facilitator_id"]]
            text = row.values[index["team"]]
            if not fid:
                problems.append(
                    table.problem(
                        "a value (this column is required)",
                        row=row.number,
                        column=index["facilitator_id"],
                    )
                )
            team = _team(text)
            if team is None:
                problems.append(
                    table.problem(
                        _TEAM_EXPECTED, row=row.number, column=index["team"], value=text or None
                    )
                )
            elif fid:
                links[(fid, team)] = None
    if problems:
        raise InvalidInputError(problems)
    return list(links)
