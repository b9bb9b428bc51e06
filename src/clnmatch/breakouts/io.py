"""Read the people, the history and an earlier plan. Every file is only read.

People: a survey (contract section 1, read by ``clnmatch.io.survey.read_survey``;
practitioners are the people) when the header has ``practitioner_id`` or a mapping is
given (a ``teams.csv`` of solve or of an event's export, which has no ratings, is read as a
roster whose ``practitioner_id`` is the ``person_id``), otherwise a *roster*: ``person_id`` and ``name`` (required), ``establishment_id``,
``authority``, ``sector``, ``email`` and ``theme:<Name>`` columns (optional). Headers are
matched as in the survey (case, spaces and underscores ignored). Every problem is listed at
once with file, row (as a spreadsheet shows it), column and what was expected.

History: CSV or .xlsx files with a person column (``person_id`` or ``practitioner_id``)
and a room column (``room`` or ``team``), optionally ``round`` and ``event``: an earlier
``rooms.csv`` or a ``teams.csv`` of ``clnmatch solve`` (one round: people in one team met).
Each (file, event, round) is one round of history.

An earlier plan (``--from DIR``): DIR/rooms.csv and DIR/summary.json as ``write_plan``
wrote them, and DIR/history.csv, the history it was made after, when it has one.
"""

from __future__ import annotations

import inspect
import json
import os
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import numpy as np

from clnmatch.breakouts.api import ROOMS_PERSON_COLUMNS, BreakoutPlan
from clnmatch.breakouts.bounds import repeat_lower_bound
from clnmatch.breakouts.evaluate import evaluate_schedule
from clnmatch.breakouts.model import BreakoutProblem, BreakoutRules, History, Person, Roster
from clnmatch.breakouts.outputs import HISTORY_FILE
from clnmatch.errors import InputProblem, InvalidInputError, InvalidParameterError
from clnmatch.io.identity import SAME_ID_HINT, NameBook, email_cell
from clnmatch.io.tables import (
    Table,
    load_table,
    parse_whole_number,
    resolve_columns,
    source_label,
    theme_name,
)
from clnmatch.io.uploads import upload_bytes, upload_name
from clnmatch.models import Sector, authority_key

__all__ = ["ROSTER_REQUIRED", "ROSTER_OPTIONAL", "read_people", "read_history", "load_plan"]

ROSTER_REQUIRED = ("person_id", "name")
ROSTER_OPTIONAL = ("establishment_id", "authority", "sector", "email")
_AUTHORITY_NEEDED = (
    "an authority: the rules ask for authorities in every room (--min-authorities or "
    "--max-per-authority)"
)
_SECTOR_EXPECTED = (
    "a sector: ELC, primary, secondary or special (or an alias such as nursery, ASN, P, S), "
    "or blank"
)


def read_people(
    source: str | os.PathLike[str] | Any,
    *,
    sheet: str | None = None,
    mapping: Any = None,
    need_authority: bool = False,
) -> tuple[Roster, list[InputProblem]]:
    """The people in a survey or roster (path or DataFrame), and the reader's warnings.

    ``need_authority``: the rules ask for authorities in every room, so a roster row
    without one is an error naming its row (a survey's establishments always have one)."""
    source = _read_once(source)
    if mapping is not None:  # a survey export (its mapping may name the sheet)
        return _read_survey(source, sheet, mapping)
    table = load_table(source, sheet=sheet)
    if not table.columns("person_id"):
        # a survey, with or without practitioner_id (the survey reader numbers its rows,
        # as solve does); its own errors name what a survey lacks and `clnmatch map`
        try:
            return _read_survey(source, sheet, mapping)
        except InvalidInputError as exc:
            if table.columns("practitioner_id") and table.columns("team"):
                # a teams.csv (solve's, or an event's export): its people, without ratings
                ids = set(table.columns("practitioner_id"))
                headers = tuple("person_id" if i in ids else h for i, h in enumerate(table.headers))
                roster, warnings = _read_roster(replace(table, headers=headers), need_authority)
                return roster, [*table.problems, *warnings]
            if table.columns("practitioner_id"):
                raise
            neither = table.problem(
                "a roster with columns 'person_id' and 'name' (and optional establishment_id, "
                "authority, sector, email, theme:...), or a survey, as below",
                row=table.header_row,
            )
            raise InvalidInputError([neither, *exc.problems]) from None
    roster, warnings = _read_roster(table, need_authority)
    return roster, [*table.problems, *warnings]


def _read_once(source: Any) -> Any:
    """A file object read once, as an upload whose every read gives the whole file: the
    roster's reader and then the survey's each read it (the second found it empty)."""
    if isinstance(source, str | os.PathLike) or not callable(getattr(source, "read", None)):
        return source
    name = upload_name(source, "")
    return _ReadAgain(upload_bytes(source, name or "upload") or b"", name or None)


@dataclass(frozen=True)
class _ReadAgain:
    data: bytes = field(repr=False)  # a survey's rows: never in a traceback's repr
    name: str | None  # messages name the upload as they did

    def read(self) -> bytes:
        return self.data


def _read_survey(source: Any, sheet: str | None, mapping: Any) -> tuple[Roster, list[InputProblem]]:
    from clnmatch.io import survey

    options: dict[str, Any] = {"sheet": sheet}
    if mapping is not None:
        # --map belongs to the survey reader (contract section 10); pass it when it is there
        if "mapping" not in inspect.signature(survey.read_survey).parameters:
            raise InvalidParameterError(
                "The 'mapping' parameter of read_people needs clnmatch's survey mappings "
                "(contract section 10), which this installation does not have. "
                f"Got {mapping!r} instead."
            )
        options["mapping"] = mapping
    reading = survey.read_survey(source, **options)
    return Roster.from_cohort(reading.cohort), list(reading.warnings)


def _read_roster(table: Table, need_authority: bool) -> tuple[Roster, list[InputProblem]]:
    required: tuple[str, ...] = ROSTER_REQUIRED
    optional: tuple[str, ...] = ROSTER_OPTIONAL
    if need_authority:
        required = (*required, "authority")
        optional = tuple(c for c in optional if c != "authority")
    index, problems = resolve_columns(table, required, optional)
    themes: list[tuple[int, str]] = []
    for i, header in enumerate(table.headers):
        name = theme_name(header)
        if name is not None:
            if not name:
                problems.append(table.problem("a theme name after 'theme:'", table.header_row, i))
            themes.append((i, name))
    if problems:
        raise InvalidInputError(problems)
    from clnmatch.io.survey import parse_rating

    people: list[Person] = []
    warnings: list[InputProblem] = []
    book = NameBook(table, index.get("authority"), None)  # "Glasgow" beside "Glasgow City"
    email_row: dict[str, int] = {}
    first_row: dict[str, int] = {}
    unit: dict[str, tuple[str, int]] = {}
    for row in table.rows:
        cell = {name: row.values[i] for name, i in index.items()}
        pid, name = cell["person_id"], cell["name"]
        if not pid:
            problems.append(table.problem("a person_id (any text)", row.number, "person_id"))
        elif pid in first_row:
            problems.append(
                table.problem(
                    f"a person_id used once; it is also on row {first_row[pid]} ({SAME_ID_HINT})",
                    row.number,
                    "person_id",
                    pid,
                )
            )
        else:
            first_row[pid] = row.number
        if not name:
            problems.append(table.problem("a name", row.number, "name"))
        sector_text = cell.get("sector", "")
        sector = Sector.parse(sector_text) if sector_text else None
        if sector_text and sector is None:
            problems.append(table.problem(_SECTOR_EXPECTED, row.number, "sector", sector_text))
        email = email_cell(cell.get("email", ""))
        if email and ("@" not in email or any(c.isspace() for c in email)):
            warnings.append(  # as the survey reader: said, not quoted (it may hold a name)
                table.problem(
                    "an email address such as name@school.org; this one is left out of the "
                    "Zoom files",
                    row.number,
                    "email",
                )
            )
            email = ""
        elif (
            email and (earlier := email_row.setdefault(email.casefold(), row.number)) != row.number
        ):
            warnings.append(  # a form sent twice, or a shared mailbox: Zoom takes it once
                table.problem(
                    f"an email of one person; row {earlier} has the same: Zoom pre-assigns an "
                    "email to one room, so its files keep the first person with it",
                    row.number,
                    "email",
                )
            )
        ratings: list[int] = []
        for i, _theme in themes:
            try:
                ratings.append(parse_rating(row.values[i]))
            except ValueError as exc:
                problems.append(table.problem(str(exc), row.number, i, row.values[i]))
        est, auth = cell.get("establishment_id", ""), cell.get("authority", "")
        book.note(row.number, auth, "", None)
        if need_authority and not auth:
            problems.append(table.problem(_AUTHORITY_NEEDED, row.number, "authority"))
        if est:
            seen = unit.setdefault(est, (auth, row.number))
            if authority_key(seen[0]) != authority_key(auth):
                problems.append(
                    table.problem(
                        f"the authority given for establishment {est!r} on row {seen[1]} "
                        f"({seen[0]!r}): colleagues of one establishment share an authority",
                        row.number,
                        "authority",
                        auth,
                    )
                )
        people.append(
            Person(
                pid,
                name,
                est,
                auth,
                sector.value if sector is not None else "",
                email,
                tuple(ratings) if themes else (),
            )
        )
    if problems:
        raise InvalidInputError(problems)
    warnings += book.authority_warnings(mapped=False)  # a roster is read as it is
    return Roster(tuple(people), tuple(t for _, t in themes), table.file), warnings


def read_history(
    sources: str | os.PathLike[str] | Sequence[str | os.PathLike[str]],
) -> History:
    """Earlier rounds from rooms.csv / teams.csv style files (see the module docstring):
    one path, or a list of them."""
    if isinstance(sources, str | os.PathLike):  # one file (it was read letter by letter)
        sources = [sources]
    rounds: dict[tuple[str, str, str], dict[str, str]] = {}
    first_row: dict[tuple[tuple[str, str, str], str], int] = {}
    problems: list[InputProblem] = []
    labels: list[str] = []
    for source in sources:
        try:
            table = load_table(source)
        except InvalidInputError as exc:
            problems += exc.problems
            continue
        labels.append(table.file)
        person = _one_of(table, ("person_id", "practitioner_id"), problems)
        room = _one_of(table, ("room", "team"), problems)
        if person is None or room is None:
            continue
        round_col = next(iter(table.columns("round")), None)
        event_col = next(iter(table.columns("event")), None)
        for row in table.rows:
            pid, label = row.values[person], row.values[room]
            if not pid or not label:
                column = table.headers[person] if not pid else table.headers[room]
                problems.append(
                    table.problem("a value (this row names no one or no room)", row.number, column)
                )
                continue
            rnd = row.values[round_col] if round_col is not None else "1"
            event = row.values[event_col] if event_col is not None else ""
            key = (str(source), event, rnd)
            earlier = rounds.setdefault(key, {}).get(pid)
            if earlier is not None and earlier != label:
                problems.append(
                    table.problem(
                        f"one room per person and round; {pid!r} is in room {earlier!r} on "
                        f"row {first_row[(key, pid)]} of the same round",
                        row.number,
                        table.headers[room],
                        label,
                    )
                )
                continue
            first_row.setdefault((key, pid), row.number)
            rounds[key][pid] = label
    if problems:
        raise InvalidInputError(problems)
    return History(tuple(rounds.values()), tuple(labels))


def _with_people_who_left(
    roster: Roster, table: Table, index: dict[str, int], left: Sequence[str], rules: BreakoutRules
) -> Roster:
    """The roster and the plan's people in ``left`` who are not on it, as rooms.csv
    describes them (so that the rounds they were in still keep the rules); none when
    rooms.csv lacks a column the rules read (a plan of an earlier clnmatch)."""
    wanted = set(left) - set(roster.index)
    needed = ["authority"] if rules.uses_authorities else []
    if rules.colleagues_apart and any(p.establishment_id for p in roster.people):
        needed.append("establishment_id")  # sector: a soft aim only, not needed
    if not wanted or any(c not in index for c in needed):
        return roster
    found: dict[str, Person] = {}
    for row in table.rows:
        pid = row.values[index["person_id"]]
        if pid in wanted and pid not in found:
            cell = {c: row.values[i] for c, i in index.items()}
            found[pid] = Person(
                id=pid,
                name=cell.get("name", ""),
                establishment_id=cell.get("establishment_id", ""),
                authority=cell.get("authority", ""),
                sector=cell.get("sector", ""),
            )
    return replace(roster, people=(*roster.people, *found.values())) if found else roster


def _one_of(table: Table, names: tuple[str, ...], problems: list[InputProblem]) -> int | None:
    for name in names:
        hits = table.columns(name)
        if hits:
            return hits[0]
    problems.append(
        table.problem(f"a column named {' or '.join(repr(n) for n in names)}", row=table.header_row)
    )
    return None


def load_plan(
    roster: Roster,
    directory: str | os.PathLike[str],
    *,
    history: History | None = None,
    left: Sequence[str] = (),
) -> BreakoutPlan:
    """The plan written to ``directory`` (rooms.csv + summary.json), checked again, after
    ``history`` or else the history the plan was made after (its history.csv).

    People of the plan named in ``left`` (who left: a re-plan's drop-outs) may be missing
    from ``roster``: they are read from rooms.csv, whose columns describe them."""
    folder = Path(directory)
    if history is None and (folder / HISTORY_FILE).is_file():
        history = read_history(folder / HISTORY_FILE)
    summary_path = folder / "summary.json"
    try:
        summary = json.loads(summary_path.read_text(encoding="utf-8"))
        rules = BreakoutRules(**{k: v for k, v in summary["rules"].items()})
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise InvalidInputError(
            [
                InputProblem(
                    file=str(summary_path), expected=f"the summary.json of a breakouts plan ({exc})"
                )
            ]
        ) from None
    if summary.get("pseudonymised"):
        expected = (
            "a plan written without --pseudonymise (this one's person ids are pseudonyms, not "
            "the roster's): re-plan from the folder written for the roster"
        )
        raise InvalidInputError([InputProblem(file=str(summary_path), expected=expected)])
    table = load_table(folder / "rooms.csv")
    described = ("name", *ROOMS_PERSON_COLUMNS)
    index, problems = resolve_columns(table, ("round", "room", "person_id"), described)
    if problems:
        raise InvalidInputError(problems)
    # who left before (an earlier re-plan's drop-outs) need not be named again
    earlier = summary.get("dropped")
    left = [*left, *(map(str, earlier) if isinstance(earlier, list) else ())]
    roster = _with_people_who_left(roster, table, index, left, rules)
    n, rounds = len(roster), rules.rounds
    schedule = np.full((rounds, n), -1, dtype=np.int32)
    for row in table.rows:
        values = {k: row.values[i] for k, i in index.items()}
        rnd, room = parse_whole_number(values["round"]), parse_whole_number(values["room"])
        person = roster.index.get(values["person_id"])
        if rnd is None or not 1 <= rnd <= rounds:
            problems.append(
                table.problem(f"a round 1..{rounds}", row.number, "round", values["round"])
            )
        elif room is None or room < 1:
            problems.append(
                table.problem("a room number 1, 2, ...", row.number, "room", values["room"])
            )
        elif person is None:
            problems.append(
                table.problem(
                    f"a person_id of {source_label(roster.source)}",
                    row.number,
                    "person_id",
                    values["person_id"],
                )
            )
        elif schedule[rnd - 1, person] >= 0:
            problems.append(
                table.problem(
                    "each person once per round", row.number, "person_id", values["person_id"]
                )
            )
        else:
            schedule[rnd - 1, person] = room - 1
    if any(p.column == "person_id" and p.expected.startswith("a person_id") for p in problems):
        problems.append(  # the usual cause, and what to do
            InputProblem(
                file=table.file,
                expected=f"every person of the plan on {source_label(roster.source)}: give "
                "--drop ID for each who left (a plan written by an earlier clnmatch, whose "
                "rooms.csv lacks 'authority' or 'establishment_id': keep them on it as well)",
            )
        )
    problems += _rows_missing(table, schedule, roster, set(left))
    if problems:
        raise InvalidInputError(problems)
    present = schedule >= 0
    problem = BreakoutProblem.build(roster, rules, history, present=present, fixed_rooms=schedule)
    evaluation = evaluate_schedule(problem, schedule)
    # the bound over every schedule of these rounds (not only this one)
    bound = repeat_lower_bound(BreakoutProblem.build(roster, rules, history, present=present))
    status = "feasible" if evaluation.feasible else "unsolved"
    if evaluation.feasible and evaluation.repeats == bound.value:
        status = "optimal"
    return BreakoutPlan(
        roster=roster,
        rules=rules,
        status=status,
        schedule=schedule,
        present=present,
        evaluation=evaluation,
        bound=bound,
        diagnosis=None,
        runtime_s=0.0,
        seed=int(summary.get("seed", 0)),
        method=f"read from {folder}",
        history_rounds=len(history.rounds) if history else 0,
        unknown_history_ids=problem.unknown_history_ids,
        replanned_rounds=tuple(summary.get("replanned_rounds", ())),
        dropped=tuple(summary.get("dropped", ())),
        history=history,
    )


def _rows_missing(
    table: Table, schedule: np.ndarray, roster: Roster, left: set[str]
) -> list[InputProblem]:
    """Rows a plan written by clnmatch always has: every round, and each person in every
    round from their first to their last, the plan's last unless they left (people join
    once and leave for good, as --drop says), so rows cut from rooms.csv (a round, a room)
    are not read as people who were in no room."""
    rounds = schedule.shape[0]
    present = schedule >= 0
    empty = [r + 1 for r in range(rounds) if not present[r].any()]
    if empty:
        listed = ", ".join(map(str, empty))
        return [
            InputProblem(
                file=table.file,
                expected=f"rows for every round 1..{rounds} of the plan (its summary.json "
                f"says {rounds}); round(s) {listed} have none (cut from the file?)",
            )
        ]
    gaps: dict[int, list[str]] = {}
    for i in np.flatnonzero(present.any(axis=0)):
        rounds_in = np.flatnonzero(present[:, i])
        end = int(rounds_in[-1]) + 1 if roster.people[i].id in left else rounds
        for r in range(int(rounds_in[0]), end):
            if not present[r, i]:
                gaps.setdefault(r + 1, []).append(roster.people[i].id)
    return [
        InputProblem(
            file=table.file,
            expected=f"each person in every round from their first to the last (people join "
            f"once, and leave for good as --drop says); round {r} has no row for "
            f"{', '.join(ids[:6])}{' ...' if len(ids) > 6 else ''}, in rooms before it "
            "(rows cut from the file?)",
        )
        for r, ids in sorted(gaps.items())
    ]
