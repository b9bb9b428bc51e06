"""What an event starts from (``event.json``): the cohort, rules, teams and additions.

Written once when the event is created, with owner-only permissions (it holds the
survey's names), so that a restart needs no other file.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import sys
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from clnmatch.errors import InvalidParameterError
from clnmatch.event.state import AddedRecord, EventError, EventState
from clnmatch.io.safe import atomic_write_text
from clnmatch.models import Cohort, Rules
from clnmatch.rematch import ChangeRecord

__all__ = [
    "SNAPSHOT_FILE",
    "TOKENS_FILE",
    "Snapshot",
    "claim_folder",
    "private_write",
    "projector_shows_names",
    "set_projector_names",
]

SNAPSHOT_FILE = "event.json"
TOKENS_FILE = "tokens.json"
LOCK_FILE = ".clnmatch-event.lock"  # held by the server deciding in the folder
PROJECTOR_FILE = "projector.json"  # the projector's "Hide names", kept across restarts
_FORMAT = "clnmatch event 1"


def claim_folder(folder: Path) -> IO[str] | None:
    """Claim ``folder`` for this process until it ends (a crash or kill -9 included): two
    servers deciding in one folder would interleave their journals. Keep the handle open:
    closing it gives the claim up."""
    handle = (folder / LOCK_FILE).open("a")
    try:
        if sys.platform == "win32":  # no fcntl there: lock the file's first byte
            import msvcrt

            handle.seek(0)
            msvcrt.locking(handle.fileno(), msvcrt.LK_NBLCK, 1)
        else:
            import fcntl

            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        handle.close()
        raise EventError(
            f"{folder} is open in another clnmatch event already (one server a folder); use "
            "that one, or stop it first",
            409,
        ) from None
    return handle


def check_starting_teams(start: Mapping[str, int], teams: int) -> None:
    """Refuse starting teams beyond the rules' ``teams`` (re-optimise could not use them)."""
    beyond = {e: t for e, t in start.items() if t > teams}
    if beyond:
        school, team = next(iter(beyond.items()))
        raise InvalidParameterError(
            f"The starting teams number up to {max(beyond.values())} but the rules have "
            f"{teams} teams (e.g. {school} is in team {team}): give --teams "
            f"{max(start.values())}, or start without those teams."
        )


def projector_shows_names(folder: Path) -> bool:
    """The projector's last choice to show or hide names (shown until hidden)."""
    try:
        return bool(json.loads((folder / PROJECTOR_FILE).read_text(encoding="utf-8"))["names"])
    except (OSError, ValueError, KeyError, TypeError):
        return True


def set_projector_names(folder: Path, shown: bool) -> None:
    private_write(folder / PROJECTOR_FILE, json.dumps({"names": shown}) + "\n")


def private_write(path: Path, text: str) -> None:
    """Write a file whole, readable and writable by its owner only."""
    atomic_write_text(path, text)
    os.chmod(path, 0o600)


@dataclass(frozen=True)
class Snapshot:
    """Everything the event started from (event.json)."""

    cohort: Cohort
    rules: Rules
    objective: str
    seed: int
    teams: dict[str, int]
    links: tuple[tuple[str, int], ...]
    base_record: ChangeRecord
    additions: Cohort | None
    bound: float | None
    source: str
    # the result's title, contact and licence line (summary.json's keys): every export's
    heading: Mapping[str, str] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {
            "format": _FORMAT,
            "created": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
            "source": self.source,
            "cohort": self.cohort.model_dump(mode="json"),
            "rules": self.rules.model_dump(mode="json"),
            "objective": self.objective,
            "seed": self.seed,
            "teams": self.teams,
            "links": [list(link) for link in self.links],
            "base_record": self.base_record.to_dict(),
            "additions": None if self.additions is None else self.additions.model_dump(mode="json"),
            "bound": self.bound,
            "heading": dict(self.heading),
        }

    def first_state(self) -> EventState:
        """The board as the event began: its teams and links, the solve's bound, and the
        rows each school started with (one back with them makes the cohort it was)."""
        bounds: dict[frozenset[str], float] = {}
        if self.bound is not None:
            bounds[frozenset(e.id for e in self.cohort.establishments)] = float(self.bound)
        reference = {
            e.id: AddedRecord(e, tuple(start.nominees[e.id])).digest()
            for start in (self.cohort, self.additions)
            if start is not None
            for e in start.establishments
        }
        return EventState(dict(self.teams), links=self.links, bounds=bounds, reference=reference)

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Snapshot:
        additions = data.get("additions")
        return cls(
            cohort=Cohort.model_validate(data["cohort"]),
            rules=Rules.model_validate(data["rules"]),
            objective=str(data.get("objective", "blend")),
            seed=int(data.get("seed", 0)),
            teams={str(k): int(v) for k, v in data.get("teams", {}).items()},
            links=tuple((str(f), int(t)) for f, t in data.get("links", [])),
            base_record=ChangeRecord.from_dict(data.get("base_record") or {}),
            additions=None if additions is None else Cohort.model_validate(additions),
            bound=data.get("bound"),
            source=str(data.get("source", "")),
            heading={str(k): str(v) for k, v in (data.get("heading") or {}).items()},
        )
