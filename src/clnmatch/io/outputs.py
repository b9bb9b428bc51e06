"""Write a result as the contract's output files, whole or not at all."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd

from clnmatch.io.safe import staged_output_dir, write_csv
from clnmatch.result import Result

__all__ = ["write_result", "OUTPUT_FILES", "teams_frame", "facilitators_frame"]

OUTPUT_FILES = ("teams.csv", "facilitators.csv", "summary.json", "teams.xlsx", "report.html")


def teams_frame(result: Result) -> pd.DataFrame:
    """teams.csv: one row per practitioner."""
    return result.to_dataframe()


def facilitators_frame(result: Result) -> pd.DataFrame:
    """facilitators.csv: one row per facilitator-team link."""
    by_id = {f.id: f for f in result.cohort.facilitators}
    reasons = {}
    if result.allocation is not None:
        reasons = {(link.facilitator_id, link.team): link.reason for link in result.allocation.details}
    rows = []
    for fid, team in result.facilitator_links:
        f = by_id.get(fid)
        rows.append({
            "facilitator_id": fid,
            "team": team,
            "name": f.name if f else "",
            "authority": f.authority if f else "",
            "role": f.role if f else "",
            "reason": reasons.get((fid, team), ""),
        })
    return pd.DataFrame(rows, columns=["facilitator_id", "team", "name", "authority", "role", "reason"])


def write_result(result: Result, out_dir: str | Path, *, pseudonymise: bool = False) -> list[Path]:
    """Write every output file of a feasible result into ``out_dir``; nothing on failure."""
    from clnmatch.report.html import write_report
    from clnmatch.report.workbook import write_workbook

    if pseudonymise:
        from clnmatch.report.pseudonymise import pseudonymise as anonymise

        result = anonymise(result)
    out_dir = Path(out_dir)
    with staged_output_dir(out_dir) as stage:
        write_csv(teams_frame(result), stage / "teams.csv")
        write_csv(facilitators_frame(result), stage / "facilitators.csv")
        (stage / "summary.json").write_text(json.dumps(result.summary(), indent=2, ensure_ascii=False),
                                            encoding="utf-8")
        write_workbook(result, stage / "teams.xlsx")
        write_report(result, stage / "report.html")
    return [out_dir / name for name in OUTPUT_FILES]
