"""The event's present state as a ``Result`` and as the files of contract section 5.

Exports reuse the writers of ``clnmatch.io.outputs`` and ``clnmatch.report``, so the
files are the ones ``solve`` writes. A folder export also carries ``changes.json`` (the
withdrawals and late additions since the survey), so that ``clnmatch check SURVEY
DIR/teams.csv``, ``clnmatch report`` and ``clnmatch rematch`` take it as it is.
"""

from __future__ import annotations

import json
import tempfile
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from clnmatch.event.core import MAPPING_COPY
from clnmatch.event.engine import EXPORTS_FOLDER, Event
from clnmatch.event.state import EventError
from clnmatch.event.view import EventView
from clnmatch.io.mapping import mapping_to_keep
from clnmatch.io.outputs import facilitators_frame, teams_frame
from clnmatch.io.safe import csv_text
from clnmatch.publish import headed_summary, heading_of, write_result
from clnmatch.rematch import CHANGES_FILE, ChangeRecord, CohortChange, Move
from clnmatch.result import Result, Status

__all__ = [
    "EXPORTS", "EventResult", "change_record", "export_bytes", "export_folder", "result_of",
    "write_folder",
]  # fmt: skip

EXPORTS = {
    "teams.csv": "text/csv; charset=utf-8",
    "facilitators.csv": "text/csv; charset=utf-8",
    "summary.json": "application/json",
    "teams.xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "report.html": "text/html; charset=utf-8",
    "mailmerge.csv": "text/csv; charset=utf-8",
    "handouts.html": "text/html; charset=utf-8",
    CHANGES_FILE: "application/json",
}


@dataclass(frozen=True)
class EventResult(Result):
    """A Result whose summary.json also says what the event decided; its report lists the
    schools withdrawn, moved and added since the event began (as a re-match's does)."""

    event: dict[str, Any] = field(default_factory=dict)
    withdrawn: tuple[Move, ...] = ()
    moves: tuple[Move, ...] = ()
    added: tuple[Move, ...] = ()

    def summary(self) -> dict[str, Any]:
        out = super().summary()
        out["event"] = self.event
        return out


def result_of(event: Event, view: EventView | None = None) -> EventResult:
    """The present state as a Result (status from the evaluator and the bound)."""
    view = view or event.view()
    evaluation = view.evaluation
    if not evaluation.feasible:
        status = Status.BREACHES
    elif view.bound is not None and evaluation.objective >= view.bound - 1e-9:
        status = Status.OPTIMAL
    else:
        status = Status.FEASIBLE
    placed = {e: t for e, t in view.state.teams.items() if t >= 1}
    withdrawn, moves, added = _day_changes(event, view)
    assignment = {
        p.id: placed[p.establishment_id]
        for p in view.cohort.practitioners
        if p.establishment_id in placed
    }
    return EventResult(
        status=status,
        cohort=view.cohort,
        rules=event.rules_for(view.cohort),
        objective_name=event.snapshot.objective,
        strategy="event",
        seed=event.snapshot.seed,
        runtime_s=0.0,
        assignment=assignment,
        team_focus=dict(view.team_focus),
        facilitator_links=tuple(view.state.links),
        evaluation=evaluation,
        bound=view.bound,
        notes=(f"matching event {event.folder.name}, decision {view.version}",),
        event={
            "version": view.version,
            "locked": sorted(view.state.locked),
            "withdrawn": sorted(view.state.withdrawn),
            "withdrawn_people": sorted(view.state.people_out),
            "withdrawn_facilitators": sorted(view.state.facilitators_out),
            "added": sorted(view.state.added),
            "unplaced": view.unplaced,
        },
        withdrawn=withdrawn,
        moves=moves,
        added=added,
    )


def _day_changes(event: Event, view: EventView) -> tuple[tuple[Move, ...], ...]:
    """The schools withdrawn, moved and added since the event's starting teams."""
    start, now, state = event.snapshot.teams, view.state.teams, view.state
    name = {
        e.id: e.name for e in [*event.snapshot.cohort.establishments, *view.cohort.establishments]
    }
    name |= {e: r.establishment.name for e, r in state.records.items()}  # late, withdrawn

    def move(eid: str, before: int | None, after: int | None, why: str) -> Move:
        return Move(eid, name.get(eid, eid), before or None, after or None, why)

    return (
        tuple(
            move(e, start.get(e), None, "withdrew at the event") for e in sorted(state.withdrawn)
        ),
        tuple(
            move(e, start[e], t, "moved at the event")
            for e, t in now.items()
            if start.get(e, 0) >= 1 and t >= 1 and t != start[e] and e not in state.added
        ),
        tuple(
            move(e, None, now.get(e), "late addition at the event")
            for e in sorted(state.added)
            if e not in state.withdrawn
        ),
    )


def change_record(event: Event, view: EventView | None = None) -> ChangeRecord:
    """Withdrawals and additions since the survey: the start's record, then the event's."""
    view = view or event.view()
    start = event.snapshot.cohort
    state = view.state
    gone = [e.id for e in start.establishments if e.id in state.withdrawn]
    present = view.cohort.practitioner_by_id
    change = CohortChange(
        cohort=view.cohort,
        withdrawn_establishments=tuple(gone),
        # a school that withdrew and came back with other rows: its first nominees left
        withdrawn_practitioners=tuple(p.id for p in start.practitioners if p.id not in present),
        added_establishments=tuple(e for e in sorted(state.added) if e not in state.withdrawn),
        added_practitioners=tuple(
            p.id
            for e in sorted(state.added)
            if e not in state.withdrawn
            for p in view.cohort.nominees.get(e, ())
        ),
        withdrawn_facilitators=tuple(
            f.id for f in start.facilitators if f.id in state.facilitators_out
        ),
        added_facilitators=tuple(
            f.id for f in state.facilitators_added if f.id not in state.facilitators_out
        ),
    )
    return event.snapshot.base_record.then(change, start)


def export_bytes(event: Event, name: str) -> bytes:
    """One export file of the present state, as bytes."""
    view = event.view()
    result = result_of(event, view)
    heading = heading_of(event.snapshot.heading)
    if name == "teams.csv":
        # with a BOM, as write_csv writes the folder's copy: Excel then reads accents right
        return csv_text(teams_frame(result)).encode("utf-8-sig")
    if name == "facilitators.csv":
        return csv_text(facilitators_frame(result)).encode("utf-8-sig")
    if name == "summary.json":  # headed as the folder's, so a rematch from it keeps the title
        summary = headed_summary(result, heading)
        return json.dumps(summary, indent=2, ensure_ascii=False).encode("utf-8")
    if name == "mailmerge.csv":  # the rosters, ready for a mail merge
        from clnmatch.report.mailmerge import mailmerge_frame

        return csv_text(mailmerge_frame(result, heading)).encode("utf-8-sig")
    if name == "handouts.html":  # one printable page per team
        from clnmatch.report.handouts import render_handouts

        return render_handouts(result, heading).encode("utf-8")
    if name == CHANGES_FILE:
        return json.dumps(change_record(event, view).to_dict(), indent=2).encode("utf-8")
    if name in ("teams.xlsx", "report.html"):
        from clnmatch.report.html import write_report
        from clnmatch.report.workbook import write_workbook

        # drafted in the event's own folder, not the system's shared temporary one
        with tempfile.TemporaryDirectory(prefix=".download-", dir=event.folder) as tmp:
            path = Path(tmp) / name
            (write_workbook if name == "teams.xlsx" else write_report)(
                result, path, heading=heading
            )
            return path.read_bytes()
    raise KeyError(name)


def write_folder(event: Event, folder: str | Path, view: EventView | None = None) -> list[Path]:
    """Every export file and changes.json of ``view`` (default: the present) into
    ``folder``, whole or not at all."""
    view = view or event.view()
    record = json.dumps(change_record(event, view).to_dict(), indent=2, ensure_ascii=False)
    heading = heading_of(event.snapshot.heading)
    kept = event.folder / MAPPING_COPY  # its survey is read with it again (report, rematch)
    return write_result(
        result_of(event, view),
        folder,
        extra_texts={CHANGES_FILE: record},
        title=heading.title,
        contact=heading.contact,
        source=heading.source,
        survey_mapping=mapping_to_keep(kept) if kept.is_file() else None,
    )


FOLDER_NAME_MAX = 100  # file systems refuse names past 255 bytes (a 500, before): ASCII


_WINDOWS_DEVICES = {"CON", "PRN", "AUX", "NUL"} | {
    f"{d}{n}" for d in ("COM", "LPT") for n in range(10)
}


def export_folder(event: Event, name: str | None = None) -> tuple[Path, list[Path]]:
    """Every export file into ``exports/NAME`` of the event folder (default ``version-N``),
    readable by the user only, like the event's own files."""
    view = event.view()  # one board for the name and the files (a decision may come meanwhile)
    name = name or f"version-{view.version}"
    plain = name.replace("-", "").replace("_", "")
    if not (plain.isascii() and plain.isalnum()) or len(name) > FOLDER_NAME_MAX:
        raise EventError(
            f"a folder name of letters a-z, digits, - and _ only, at most {FOLDER_NAME_MAX} "
            "of them",
            400,
        )
    if name.upper() in _WINDOWS_DEVICES:  # a folder Windows cannot make (CON, COM1, ...)
        raise EventError(f"a folder name other than {name}, which Windows keeps for itself", 400)
    if not any(team >= 1 for team in view.state.teams.values()):  # rosters of no team
        raise EventError("nothing is placed yet: re-optimise, or drag schools into teams", 409)
    exports = event.folder / EXPORTS_FOLDER
    exports.mkdir(mode=0o700, exist_ok=True)
    folder = exports / name
    with _SAVING_LOCK:  # two saves of one name at once both said done, one board lost
        if folder in _SAVING:
            again = name == f"version-{view.version}"  # the same board: it will be there
            what = "it will be there in a moment" if again else "give another name"
            raise EventError(f"{EXPORTS_FOLDER}/{name} is being saved just now: {what}", 409)
        if folder.exists() and name != f"version-{view.version}":  # (that one: the same board)
            raise EventError(f"{EXPORTS_FOLDER}/{name} exists already: give another name", 409)
        _SAVING.add(folder)
    try:
        written = write_folder(event, folder, view)
    finally:
        with _SAVING_LOCK:
            _SAVING.discard(folder)
    folder.chmod(0o700)
    for path in written:  # private even when the folder is copied elsewhere whole
        path.chmod(0o600)
    return folder, written


_SAVING: set[Path] = set()  # export folders being written by this process
_SAVING_LOCK = threading.Lock()
