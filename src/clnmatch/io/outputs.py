"""Write a result as the contract's output files, whole or not at all."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd

from clnmatch.errors import InputProblem, InvalidInputError
from clnmatch.io.safe import staged_output_dir, write_csv
from clnmatch.models import Cohort, Rules
from clnmatch.result import Result, Statistics, Status
from clnmatch.strategies.base import TracePoint

__all__ = [
    "OUTPUT_FILES",
    "facilitators_frame",
    "rebuild_result",
    "teams_frame",
    "write_report_files",
    "write_result",
]

OUTPUT_FILES = ("teams.csv", "facilitators.csv", "summary.json", "teams.xlsx", "report.html")


def teams_frame(result: Result) -> pd.DataFrame:
    """teams.csv: one row per practitioner."""
    return result.to_dataframe()


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
                "reason": reasons.get((fid, team), ""),
            }
        )
    return pd.DataFrame(
        rows, columns=["facilitator_id", "team", "name", "authority", "role", "reason"]
    )


def rebuild_result(cohort: Cohort, result_dir: str | Path) -> Result:
    """A Result from a folder written by ``write_result`` (teams.csv perhaps edited by hand).

    The assignment is re-checked by the one evaluator; the saved bound still holds (it
    bounds every rule-abiding assignment), so the status and gap are recomputed.
    """
    from clnmatch.evaluate import check
    from clnmatch.io.assignment import read_assignment, read_links

    folder = Path(result_dir)
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
    rules = Rules.model_validate(summary.get("rules", {}))
    table = read_assignment(folder / "teams.csv")
    links_path = folder / "facilitators.csv"
    links = tuple(read_links(links_path)) if links_path.is_file() else ()
    objective = summary.get("objective_name", "blend")
    evaluation = check(
        cohort,
        rules,
        table.teams,
        links if cohort.facilitators else None,
        team_focus=table.focus or None,
        objective=objective,
    )
    bound = summary.get("bound")
    if not evaluation.feasible:
        status = Status.BREACHES
    elif bound is not None and evaluation.objective >= bound - 1e-9:
        status = Status.OPTIMAL
    else:
        status = Status.FEASIBLE
    focus = (
        dict(table.focus)
        if table.focus
        else {ts.team: ts.focus for ts in evaluation.teams if ts.focus is not None}
    )
    return Result(
        status=status,
        cohort=cohort,
        rules=rules,
        objective_name=objective,
        strategy=str(summary.get("strategy", "saved")),
        seed=int(summary.get("seed", 0)),
        runtime_s=float(summary.get("runtime_s", 0.0)),
        assignment=dict(table.teams),
        team_focus=focus,
        facilitator_links=links,
        evaluation=evaluation,
        bound=bound,
        statistics=Statistics(
            tuple(
                TracePoint(p["time_s"], p.get("objective"), p.get("bound"))
                for p in summary.get("trace", [])
            )
        ),
        notes=(f"rebuilt from {folder}",),
    )


def write_report_files(
    result: Result, out_dir: str | Path, *, pseudonymise: bool = False
) -> list[Path]:
    """Write report.html and teams.xlsx only (e.g. for a rebuilt result)."""
    from clnmatch.report.html import write_report
    from clnmatch.report.workbook import write_workbook

    if pseudonymise:
        from clnmatch.report.pseudonymise import pseudonymise as anonymise

        result = anonymise(result)
    out_dir = Path(out_dir)
    with staged_output_dir(out_dir) as stage:
        write_workbook(result, stage / "teams.xlsx")
        write_report(result, stage / "report.html")
    return [out_dir / "teams.xlsx", out_dir / "report.html"]


def write_result(
    result: Result,
    out_dir: str | Path,
    *,
    pseudonymise: bool = False,
    extra_tables: dict[str, pd.DataFrame] | None = None,
    extra_texts: dict[str, str] | None = None,
) -> list[Path]:
    """Write every output file of a feasible result into ``out_dir``; nothing on failure.

    ``extra_tables`` (file name -> table) are written as CSV, ``extra_texts`` (file name ->
    text) as UTF-8, in the same all-or-nothing step.
    """
    from clnmatch.report.html import write_report
    from clnmatch.report.workbook import write_workbook

    if pseudonymise:
        from clnmatch.report.pseudonymise import pseudonymise as anonymise

        result = anonymise(result)
    out_dir = Path(out_dir)
    with staged_output_dir(out_dir) as stage:
        write_csv(teams_frame(result), stage / "teams.csv")
        write_csv(facilitators_frame(result), stage / "facilitators.csv")
        (stage / "summary.json").write_text(
            json.dumps(result.summary(), indent=2, ensure_ascii=False), encoding="utf-8"
        )
        write_workbook(result, stage / "teams.xlsx")
        write_report(result, stage / "report.html")
        for name, frame in (extra_tables or {}).items():
            write_csv(frame, stage / name)
        for name, text in (extra_texts or {}).items():
            (stage / name).write_text(text, encoding="utf-8")
    return [out_dir / name for name in (*OUTPUT_FILES, *(extra_tables or {}), *(extra_texts or {}))]
