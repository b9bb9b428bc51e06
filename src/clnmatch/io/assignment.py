"""Read an assignment back: ``teams.csv`` (perhaps hand-edited) and ``facilitators.csv``.

``teams.csv``: ``practitioner_id``, ``team`` (1..T) required; ``establishment_id`` and
``team_focus`` optional. When the rows of one team name different focus themes (a
practitioner moved by hand and kept the old focus), the focus most rows give wins and a
warning says so. ``facilitators.csv``: ``facilitator_id``, ``team``.
"""

from __future__ import annotations

import os
import re
from collections import Counter, defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING

from clnmatch.errors import InputProblem, InvalidInputError
from clnmatch.io.identity import name_key
from clnmatch.io.tables import (
    Table,
    load_table,
    normalise_header,
    parse_whole_number,
    resolve_columns,
)

if TYPE_CHECKING:
    import pandas as pd

    from clnmatch.models import Cohort, Practitioner

__all__ = [
    "AssignmentTable",
    "folder_links",
    "match_to_survey",
    "read_assignment",
    "read_links",
]

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
    # practitioner id -> (name, email) as written beside it, to match rows back to a survey
    people: Mapping[str, tuple[str, str]] = field(default_factory=dict)
    # establishment id -> its name as written beside it (the first row's)
    establishment_names: Mapping[str, str] = field(default_factory=dict)


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
        table,
        ("practitioner_id", "team"),
        ("establishment_id", "establishment_name", "team_focus", "name", "email"),
    )
    problems.extend(missing)
    known = None if themes is None else {normalise_header(t): t for t in themes}

    teams: dict[str, int] = {}
    rows: dict[str, int] = {}
    establishments: dict[str, str] = {}
    people: dict[str, tuple[str, str]] = {}
    est_names: dict[str, str] = {}
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
                if cell.get("establishment_name"):
                    est_names.setdefault(cell["establishment_id"], cell["establishment_name"])
            if cell.get("name") or cell.get("email"):
                people[pid] = (cell.get("name", ""), cell.get("email", ""))
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
        people=people,
        establishment_names=est_names,
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


def _same_person(written: tuple[str, str], school: str | None, person: Practitioner) -> bool:
    """Whether a row's name, e-mail and school are this person's (e-mail before name, when
    both have one; the school when the row gives one)."""
    name, email = written
    if school is not None and school != person.establishment_id:
        return False
    if email and person.email:
        return email.casefold().strip() == person.email.casefold().strip()
    return not name or name_key(name) == name_key(person.name)


def _person_key(written: tuple[str, str]) -> str:
    """Who a teams.csv row says it is: its e-mail, else its name."""
    name, email = written
    return email.casefold().strip() or name_key(name)


# the ids of a survey without them: its rows' numbers (``practitioner_row_id``), after a
# prefix ("R007"; "late-schools-R007" for late additions)
_ROW_ID = re.compile(r".*R\d{3,}")


def _zeros_restored(table: AssignmentTable, cohort: Cohort) -> AssignmentTable:
    """The table with ids that are the survey's but for leading zeros read as the survey's
    ('12' is '00012': a spreadsheet that opened teams.csv read the ids as numbers), said in
    a warning; an id two survey ids could be stays as it is."""
    digits: dict[str, list[str]] = defaultdict(list)
    for p in cohort.practitioners:
        if p.id.isdigit():
            digits[p.id.lstrip("0")].append(p.id)
    known = cohort.practitioner_by_id
    restored = {
        pid: digits[pid.lstrip("0")][0]
        for pid in table.teams
        if pid not in known and pid.isdigit() and len(digits.get(pid.lstrip("0"), ())) == 1
    }
    if not restored:
        return table
    first = next(iter(restored))
    note = InputProblem(
        f"the survey's ids; {len(restored)} id(s) are the survey's but for leading zeros "
        f"({first!r} is {restored[first]!r}): a spreadsheet that opened the file read them as "
        "numbers. They are read as the survey's; import the file with its id columns as text "
        "before editing it again",
        file=table.file,
        column="practitioner_id",
    )

    def new(pid: str) -> str:
        return restored.get(pid, pid)

    return replace(
        table,
        teams={new(p): t for p, t in table.teams.items()},
        establishments={new(p): e for p, e in table.establishments.items()},
        rows={new(p): r for p, r in table.rows.items()},
        people={new(p): w for p, w in table.people.items()},
        warnings=[*table.warnings, note],
    )


def match_to_survey(table: AssignmentTable, cohort: Cohort) -> AssignmentTable:
    """The table with its rows matched back to the survey's people when its ids no longer
    name them: a survey without ids numbers its rows (R012 is row 12), so deleting a row
    (a duplicate answer) shifts every later id onto another person. The name and e-mail
    written beside each id (contract section 10) then say who each row is; an id whose
    row names nobody else of the survey keeps its person (a corrected spelling)."""
    table = _zeros_restored(table, cohort)
    known = cohort.practitioner_by_id
    # only row numbers shift: an id a survey gives (or a late addition's own) never does,
    # so a row of an id nobody has is unknown, whatever its name
    own = {pid for pid in table.teams if not _ROW_ID.fullmatch(pid)}
    shifted = [  # an id past the survey's last row counts too (a row deleted before it)
        pid
        for pid, written in table.people.items()
        if pid not in own
        and (
            pid not in known or not _same_person(written, table.establishments.get(pid), known[pid])
        )
    ]
    if not shifted:
        return table
    by_email: dict[str, list[Practitioner]] = defaultdict(list)
    by_name: dict[str, list[Practitioner]] = defaultdict(list)
    for p in cohort.practitioners:
        if p.email:
            by_email[p.email.casefold().strip()].append(p)
        by_name[name_key(p.name)].append(p)

    new_id: dict[str, str] = {pid: pid for pid in own}  # the table's id -> the survey's
    taken: set[str] = own & set(known)

    def take(pid: str, candidates: list[Practitioner]) -> None:
        free = [p.id for p in candidates if p.id not in taken]
        if len(free) == 1:
            new_id[pid] = free[0]
            taken.add(free[0])

    # an e-mail names one person wherever their row is; then a name within its school
    for pid in (pid for pid in table.teams if pid not in new_id):
        email = table.people.get(pid, ("", ""))[1].casefold().strip()
        if email and len(by_email.get(email, [])) == 1:
            take(pid, by_email[email])
    for pid in (pid for pid in table.teams if pid not in new_id):
        school = table.establishments.get(pid)
        name = name_key(table.people.get(pid, ("", ""))[0])
        take(pid, [p for p in by_name.get(name, []) if school in (None, p.establishment_id)])
    for pid in table.teams:  # a row naming nobody of the survey (a corrected spelling)
        if pid not in new_id and pid in known and pid not in taken:
            new_id[pid] = pid
            taken.add(pid)
    moved = [pid for pid in table.teams if new_id.get(pid) != pid]
    if not moved:  # a spelling corrected in the survey: every id still names its person
        return table
    note = InputProblem(  # no names: the rows and ids say where to look
        f"ids that name the survey's people: from row {table.rows[moved[0]]} ({moved[0]}) "
        f"on, {len(moved)} rows' names and e-mails are of other people of the survey, or of "
        "nobody in it (a row deleted or added since the teams were made renumbers the rows "
        "after it); the rows were matched to the survey by e-mail or name instead",
        file=table.file,
        column="practitioner_id",
    )

    # a row matching nobody: a second answer of someone matched (its row deleted, as the
    # docs advise) goes when it is in that person's team; anyone else's, or one in another
    # team (a row copied by hand), stays, under an id no survey row has, so that the check
    # names it rather than pass over it (their row was deleted from the survey)
    def who(pid: str) -> tuple[str, str | None]:  # namesakes of two schools are two people
        return _person_key(table.people.get(pid, ("", ""))), table.establishments.get(pid)

    matched = {who(p): table.teams[p] for p in new_id}
    for pid in table.teams:
        if pid not in new_id and matched.get(who(pid)) != table.teams[pid]:
            new_id[pid] = f"{Path(table.file).name} row {table.rows[pid]} ({pid})"
    return replace(
        table,
        teams={new_id[p]: t for p, t in table.teams.items() if p in new_id},
        establishments={new_id[p]: e for p, e in table.establishments.items() if p in new_id},
        rows={new_id[p]: r for p, r in table.rows.items() if p in new_id},
        people={new_id[p]: w for p, w in table.people.items() if p in new_id},
        warnings=[*table.warnings, note],
    )
