"""Write a plan: every file whole, or none of them (``clnmatch.io.safe.staged_output_dir``).

* ``rooms.csv``: round, room (1-based), person_id, name: one row per person and round.
* ``itinerary.csv``: one row per person, their room in each round, new people met.
* ``rooms.xlsx``: a sheet per round (room, person, establishment, authority, sector, email)
  and a per-person sheet, headed as a person reads them ("Person id", "Round 2"); each
  prints fitted to the page width with its header repeated.
* ``report.html``: see ``clnmatch.breakouts.report``.
* ``summary.json``: ``BreakoutPlan.summary()``.
* ``history.csv`` (when the plan continued from a history): round, room, person_id of
  those earlier rounds, so that a re-plan from the folder avoids them again.
* ``zoom_round_<r>.csv`` (when emails are known): Zoom's breakout-room pre-assignment
  import, header exactly ``Pre-assign Room Name,Email Address``, rooms named "Room 1" ...
  People without an email are left out of these files (listed in summary.json as
  ``zoom_without_email``); Zoom puts them in the main room to be assigned by hand.
  Microsoft Teams documents no file import of breakout rooms (organisers assign people
  automatically or by hand in the meeting), so no Teams file is written; the per-person
  sheet of rooms.xlsx is the list to assign from.

Text cells are neutralised against spreadsheet formulas (contract section 6), in CSV and
xlsx alike. ``pseudonymise=True`` writes every file with names replaced by "Person 001" ...
(numbered and listed in an order drawn at random, not the roster's), emails dropped (so no Zoom files), and every person_id replaced by
"P001" ... (ids are often names or emails); establishments and authorities stay. Such a
folder is for sharing: its ids are not the roster's, so it cannot be re-planned.
"""

from __future__ import annotations

import dataclasses
import json
import os
import random
import re
from pathlib import Path

import pandas as pd

from clnmatch.breakouts.api import BreakoutPlan
from clnmatch.breakouts.model import Roster
from clnmatch.breakouts.report import render_report
from clnmatch.errors import InvalidParameterError
from clnmatch.io.safe import (
    atomic_write_bytes,
    atomic_write_text,
    csv_text,
    staged_output_dir,
    write_csv,
    xlsx_bytes,
    xlsx_workbook,
)

__all__ = [
    "HISTORY_FILE",
    "PLAN_FILES",
    "ZOOM_HEADER",
    "history_frame",
    "write_plan",
    "zoom_frames",
    "round_sheets",
    "pseudonymised",
]

# what every plan writes (and zoom_round_<r>.csv when emails are known)
PLAN_FILES = ("rooms.csv", "itinerary.csv", "rooms.xlsx", "report.html", "summary.json")

ZOOM_HEADER = ("Pre-assign Room Name", "Email Address")
HISTORY_FILE = "history.csv"  # written only when the plan continues from a history


def pseudonymised(plan: BreakoutPlan) -> BreakoutPlan:
    """A copy of ``plan`` whose roster names nobody (see the module docstring): people
    numbered, and listed, in an order drawn afresh each time (in roster order, anyone with
    the roster could follow "Person 003" back to its third row)."""
    people = plan.roster.people
    order = list(range(len(people)))
    random.SystemRandom().shuffle(order)  # new place k holds person order[k]
    width = max(3, len(str(len(people))))
    # every id: an organisation's ids are often names or emails (scott.smith, s.smith1)
    renamed = {people[i].id: f"P{k + 1:0{width}d}" for k, i in enumerate(order)}
    copies = tuple(
        dataclasses.replace(
            people[i], id=renamed[people[i].id], name=f"Person {k + 1:0{width}d}", email=""
        )
        for k, i in enumerate(order)
    )
    roster = Roster(copies, plan.roster.themes, plan.roster.source)
    evaluation = plan.evaluation
    if evaluation is not None:
        evaluation = dataclasses.replace(evaluation, new_contacts=evaluation.new_contacts[order])
    return dataclasses.replace(
        plan,
        roster=roster,
        schedule=None if plan.schedule is None else plan.schedule[:, order],
        present=plan.present[:, order],
        evaluation=evaluation,
        dropped=tuple(renamed.get(d, d) for d in plan.dropped),
        joined=tuple(renamed.get(d, d) for d in plan.joined),
    )


def history_frame(plan: BreakoutPlan) -> pd.DataFrame | None:
    """The history the plan was made after, as ``read_history`` reads it (None: none)."""
    if plan.history is None or not plan.history.rounds:
        return None
    rows = [
        (r + 1, room, person)
        for r, rooms in enumerate(plan.history.rounds)
        for person, room in rooms.items()
    ]
    return pd.DataFrame(rows, columns=["round", "room", "person_id"])


def zoom_frames(plan: BreakoutPlan) -> dict[int, pd.DataFrame]:
    """Zoom's pre-assignment table per round (1-based), people with an email only."""
    if plan.schedule is None or not plan.roster.has_emails:
        return {}
    people = plan.roster.people
    # an email twice (a form sent twice, a shared mailbox): Zoom takes one room per email,
    # so the first person with it is kept (the reader warned, naming both rows)
    first: dict[str, int] = {}
    for i, p in enumerate(people):
        if p.email:
            first.setdefault(p.email.casefold(), i)
    out = {}
    for r, row in enumerate(plan.schedule):
        rows = [
            (f"Room {int(row[i]) + 1}", people[i].email)
            for i in sorted(range(len(people)), key=lambda i: (row[i], i))
            if row[i] >= 0 and people[i].email and first[people[i].email.casefold()] == i
        ]
        out[r + 1] = pd.DataFrame(rows, columns=list(ZOOM_HEADER))
    return out


def round_sheets(plan: BreakoutPlan) -> dict[str, pd.DataFrame]:
    """A sheet per round and the per-person sheet, as rooms.xlsx holds them."""
    people = plan.roster.people
    sheets: dict[str, pd.DataFrame] = {}
    optional = [
        ("establishment_id", "establishment_id"),
        ("authority", "authority"),
        ("sector", "sector"),
        ("email", "email"),
    ]
    shown = [(col, attr) for col, attr in optional if any(getattr(p, attr) for p in people)]
    if plan.schedule is not None:
        for r, row in enumerate(plan.schedule):
            order = sorted(
                (i for i in range(len(people)) if row[i] >= 0), key=lambda i: (row[i], i)
            )
            data: dict[str, object] = {
                "room": [int(row[i]) + 1 for i in order],
                "person_id": [people[i].id for i in order],
                "name": [people[i].name for i in order],
            }
            for col, attr in shown:
                data[col] = [getattr(people[i], attr) for i in order]
            sheets[f"Round {r + 1}"] = pd.DataFrame(data).rename(columns=_readable)
    sheets["People"] = plan.itinerary_frame().rename(columns=_readable)
    return sheets


def _readable(column: str) -> str:
    """A workbook's header as a person reads it ("round_2" -> "Round 2", "person_id" ->
    "Person id"); the CSV files keep the names programs read."""
    return column.replace("_", " ").capitalize()


def _xlsx_bytes(sheets: dict[str, pd.DataFrame]) -> bytes:
    """The workbook of ``write_xlsx`` (neutralised cells) with print settings added."""
    workbook = xlsx_workbook(sheets)
    for sheet in workbook.worksheets:
        sheet.page_setup.orientation = "landscape"
        sheet.page_setup.fitToWidth = 1
        sheet.page_setup.fitToHeight = 0
        sheet.sheet_properties.pageSetUpPr.fitToPage = True
        sheet.print_title_rows = "1:1"
        # a printed page says which round it lists (rooms of each round share numbers)
        sheet.oddHeader.left.text = "&A"
        sheet.oddFooter.center.text = "Page &P of &N"
    return xlsx_bytes(workbook)


def write_plan(
    plan: BreakoutPlan, out_dir: str | os.PathLike[str], *, pseudonymise: bool = False
) -> list[Path]:
    """Write every output of ``plan`` into ``out_dir``; returns the paths written."""
    if pseudonymise:
        plan = pseudonymised(plan)
    if plan.schedule is None:
        raise InvalidParameterError.for_value(
            "plan", "write_plan", "a plan with a schedule (status optimal or feasible)", plan.status
        )
    target = Path(out_dir)
    names: list[str] = []
    zoom = zoom_frames(plan)
    summary = plan.summary()
    if pseudonymise:  # its ids are not the roster's: a re-plan from it is refused in words
        summary["pseudonymised"] = True
    if zoom:
        summary["zoom_files"] = [f"zoom_round_{r}.csv" for r in zoom]
        # no email, or another person's (Zoom takes one room per email): placed by hand
        listed = {p.email.casefold() for p in plan.roster.people if p.email}
        summary["zoom_without_email"] = len(plan.roster.people) - len(listed)
    # an earlier run's rounds (perhaps more of them); a user's own zoom_round_2_fixed.csv stays
    earlier_rounds = [
        p.name
        for p in target.glob("zoom_round_*.csv")
        if re.fullmatch(r"zoom_round_\d+\.csv", p.name)
    ]
    # the earlier rounds a re-plan must avoid again (--from DIR reads them back); a
    # pseudonymised plan is never re-planned, and its history would name people
    history = None if pseudonymise else history_frame(plan)
    if (target / HISTORY_FILE).is_file():
        earlier_rounds.append(HISTORY_FILE)  # an earlier run's, which this plan may not share
    with staged_output_dir(target, replaces=earlier_rounds) as staging:
        write_csv(plan.rooms_frame(), staging / "rooms.csv")
        write_csv(plan.itinerary_frame(), staging / "itinerary.csv")
        atomic_write_bytes(staging / "rooms.xlsx", _xlsx_bytes(round_sheets(plan)))
        atomic_write_text(staging / "report.html", render_report(plan))
        names += ["rooms.csv", "itinerary.csv", "rooms.xlsx", "report.html"]
        for r, frame in zoom.items():
            # no BOM: Zoom's importer must see its header's first letter first
            atomic_write_text(staging / f"zoom_round_{r}.csv", csv_text(frame))
            names.append(f"zoom_round_{r}.csv")
        if history is not None:
            write_csv(history, staging / HISTORY_FILE)
            names.append(HISTORY_FILE)
        atomic_write_text(staging / "summary.json", json.dumps(summary, indent=2) + "\n")
        names.append("summary.json")
    return [target / name for name in names]
