"""The contract's tables of a result, and what a saved result folder holds.

``teams_frame`` and ``facilitators_frame`` are teams.csv and facilitators.csv;
``read_saved`` reads a folder written by ``clnmatch.publish.write_result`` back (its
summary, rules and assignment), for ``clnmatch report``, ``check`` and ``diff``. Writing
every output (tables, report, rosters) is ``clnmatch.publish``'s.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from clnmatch.errors import InputProblem, InvalidInputError
from clnmatch.io.assignment import AssignmentTable, folder_links, read_assignment
from clnmatch.models import Rules
from clnmatch.result import Result

__all__ = [
    "CHANGES_FILE",
    "DAY_OF_FILES",
    "OUTPUT_FILES",
    "PDF_FILE",
    "PSEUDONYMISED",
    "REPORT_FILES",
    "ROSTER_FILES",
    "SURVEY_MAPPING",
    "SavedResult",
    "facilitators_frame",
    "output_names",
    "read_saved",
    "refuse_pseudonymised",
    "teams_frame",
]

OUTPUT_FILES = ("teams.csv", "facilitators.csv", "summary.json", "teams.xlsx", "report.html")
ROSTER_FILES = ("mailmerge.csv", "handouts.html")
PDF_FILE = "handouts.pdf"
CHANGES_FILE = "changes.json"  # a re-match's record of withdrawals and additions
DAY_OF_FILES = ("moves.csv", CHANGES_FILE)  # what a re-match writes beside the outputs
REPORT_FILES = ("teams.xlsx", "report.html", *ROSTER_FILES)  # what `clnmatch report` rewrites


def output_names(*, rebuilt: bool = False, extra: tuple[str, ...] = ()) -> tuple[str, ...]:
    """Every file name a run may write into ``--out`` (the PDF included)."""
    base = REPORT_FILES if rebuilt else (*OUTPUT_FILES, *ROSTER_FILES)
    return (*base, PDF_FILE, *extra)


def teams_frame(result: Result) -> pd.DataFrame:
    """teams.csv: one row per practitioner; job titles and e-mails when the survey has them."""
    frame = result.to_dataframe()
    empty = [c for c in ("email", "job_title") if not frame[c].astype(bool).any()]
    return frame.drop(columns=empty)


def facilitators_frame(result: Result) -> pd.DataFrame:
    """facilitators.csv: one row per facilitator-team link."""
    by_id = {f.id: f for f in result.cohort.facilitators}
    reasons = {}
    if result.allocation is not None:
        reasons = {
            (link.facilitator_id, link.team): link.reason for link in result.allocation.details
        }
    rows = []
    for fid, team in result.facilitator_links:
        f = by_id.get(fid)
        rows.append(
            {
                "facilitator_id": fid,
                "team": team,
                "name": f.name if f else "",
                "authority": f.authority if f else "",
                "role": f.role if f else "",
                "email": (f.email if f else None) or "",
                "reason": reasons.get((fid, team), ""),
            }
        )
    return pd.DataFrame(
        rows, columns=["facilitator_id", "team", "name", "authority", "role", "email", "reason"]
    )


def read_summary(folder: Path) -> dict[str, object]:
    summary_path = folder / "summary.json"
    try:
        summary = json.loads(summary_path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise InvalidInputError(
            [
                InputProblem(
                    file=str(summary_path), expected=f"a summary.json written by clnmatch ({exc})"
                )
            ]
        ) from exc
    if not isinstance(summary, dict):
        raise InvalidInputError(
            [InputProblem(file=str(summary_path), expected="a JSON object written by clnmatch")]
        )
    return summary


PSEUDONYMISED = "pseudonymised"  # summary.json's mark of outputs written with --pseudonymise
# summary.json's copy of the mapping the survey was read with ({"file": name, "toml": text}):
# report, check and rematch read the survey with it again when given no --map
SURVEY_MAPPING = "survey_mapping"


def refuse_pseudonymised(folder: str | os.PathLike[str]) -> None:
    """A result folder written with --pseudonymise names nobody the survey names, so it
    cannot be read back against the survey (rematch, report, check, the event's --from)."""
    path = Path(folder) / "summary.json"
    if path.exists() and read_summary(Path(folder)).get(PSEUDONYMISED):
        expected = (
            "a result written without --pseudonymise: this one's people are pseudonyms, "
            "which no row of the survey holds; use the folder written with the names"
        )
        raise InvalidInputError([InputProblem(file=str(path), expected=expected)])


@dataclass(frozen=True)
class SavedResult:
    """What a result folder holds: its summary, rules, assignment and facilitator links."""

    folder: Path
    summary: dict[str, Any]
    rules: Rules
    table: AssignmentTable
    links: tuple[tuple[str, int], ...]

    @property
    def bound(self) -> float | None:
        bound = self.summary.get("bound")
        return float(bound) if isinstance(bound, int | float) else None


def read_saved(result_dir: str | Path) -> SavedResult:
    """A result folder written by ``write_result`` (teams.csv perhaps edited by hand)."""
    folder = Path(result_dir)
    summary = read_summary(folder)
    rules = Rules.model_validate(summary.get("rules", {}))
    links = tuple(folder_links(folder))
    return SavedResult(folder, summary, rules, read_assignment(folder / "teams.csv"), links)
