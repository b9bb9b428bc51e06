"""Writing a sweep: runs.csv, sweeps.csv and traces.csv appended whole, summary and plots.

The summary and plots use the newest row of each run key found in runs.csv, so sets
swept one at a time into one folder add up, and a rerun replaces its older row.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import asdict
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from clnmatch.research.instances import write_solution
from clnmatch.research.runs import (
    KEY_COLUMNS,
    RUN_COLUMNS,
    TRACE_COLUMNS,
    RunOutcome,
    clnmatch_version,
)
from clnmatch.research.sets import RESEARCH_SETS, SCHEDULE_SETS
from clnmatch.research.summary import summary_markdown

if TYPE_CHECKING:
    import pandas as pd

__all__ = [
    "SOLUTIONS",
    "append_csv",
    "latest_runs",
    "records_frame",
    "solution_path",
    "trace_frame",
    "write_outputs",
    "write_solutions",
]

SOLUTIONS = "solutions"  # the research runs' assignments, one file a run, under the sweep's folder


def solution_path(
    folder: Path, set_name: str, instance: str, strategy: str, seed: int, time_limit: float
) -> Path:
    """Where a research run's assignment is written: ``folder/set/instance.strategy.
    seedN.limitLs.txt`` (a rerun of the same run replaces it, as its row in runs.csv)."""
    name = f"{instance}.{strategy}.seed{seed}.limit{time_limit:g}s.txt"
    return folder / _safe(set_name) / _safe(name)


def _safe(name: str) -> str:
    return re.sub(r"[^A-Za-z0-9._-]", "_", name)


def write_solutions(folder: Path, outcomes: Sequence[RunOutcome]) -> None:
    """Each research run's assignment as ``element group`` lines (0-based, as ``clnmatch
    mdgp --out`` writes): the objectives of runs.csv can be checked by anyone's scorer."""
    for outcome in outcomes:
        r = outcome.record
        if r.set not in RESEARCH_SETS:
            continue
        path = solution_path(folder, r.set, r.instance, r.strategy, r.seed, r.time_limit)
        if outcome.solution is None:  # a rerun that found none: no older file beside its row
            path.unlink(missing_ok=True)
            continue
        path.parent.mkdir(parents=True, exist_ok=True)
        write_solution(path, np.asarray(outcome.solution, dtype=np.int64))


def records_frame(outcomes: Sequence[RunOutcome], sweep: str) -> pd.DataFrame:
    import pandas as pd

    rows = []
    for o in outcomes:
        row = asdict(o.record)
        row["sweep"] = sweep
        rows.append(row)
    return pd.DataFrame(rows, columns=list(RUN_COLUMNS))


def trace_frame(outcomes: Sequence[RunOutcome], sweep: str) -> pd.DataFrame:
    import pandas as pd

    rows = [
        {
            "set": o.record.set,
            "instance": o.record.instance,
            "strategy": o.record.strategy,
            "seed": o.record.seed,
            "time_limit": o.record.time_limit,
            "time_s": t,
            "objective": obj,
            "bound": bound,
            "sweep": sweep,
        }
        for o in outcomes
        for t, obj, bound in o.trace
    ]
    return pd.DataFrame(rows, columns=list(TRACE_COLUMNS))


def append_csv(path: Path, new: pd.DataFrame) -> pd.DataFrame:
    """Old rows + new rows, written whole (temp file, rename); returns all rows."""
    import pandas as pd

    from clnmatch.io.safe import atomic_write_text

    frames = [new]
    if path.is_file() and path.stat().st_size:
        frames.insert(0, pd.read_csv(path))
    frames = [f for f in frames if not f.empty] or [new]
    both = pd.concat(frames, ignore_index=True) if len(frames) > 1 else frames[0]
    atomic_write_text(path, both.to_csv(index=False, lineterminator="\n"))
    return both


def latest_runs(runs: pd.DataFrame) -> pd.DataFrame:
    """The newest row of each (set, instance, strategy, seed, time limit): reruns replace."""
    if runs.empty:
        return runs
    return runs.drop_duplicates(subset=KEY_COLUMNS, keep="last").reset_index(drop=True)


def write_outputs(
    out_dir: Path,
    outcomes: Sequence[RunOutcome],
    *,
    sweep: str,
    command: str = "",
) -> dict[str, Path]:
    """Append runs.csv and traces.csv, then rewrite summary.md and both plots from all rows.

    The summary and plots use the newest row of each run key found in runs.csv, so sets
    swept one at a time into one folder add up, and a rerun replaces its older row.
    """
    import pandas as pd

    from clnmatch.io.safe import atomic_write_text
    from clnmatch.research import plots

    out_dir.mkdir(parents=True, exist_ok=True)
    runs = latest_runs(append_csv(out_dir / "runs.csv", records_frame(outcomes, sweep)))
    sweep_row = pd.DataFrame(
        [
            {
                "sweep": sweep,
                "version": clnmatch_version(),
                "runs": len(outcomes),
                "failed": sum(o.record.status == "failed" for o in outcomes),
                "command": command,
            }
        ]
    )
    sweeps = append_csv(out_dir / "sweeps.csv", sweep_row)
    commands = {
        str(r.sweep): str(r.command)
        for r in sweeps.itertuples(index=False)
        if str(r.sweep) in set(runs["sweep"].astype(str)) and isinstance(r.command, str)
    }
    traces = append_csv(out_dir / "traces.csv", trace_frame(outcomes, sweep))
    if not traces.empty:
        traces = traces.drop_duplicates(subset=[*KEY_COLUMNS, "time_s"], keep="last")
        newest = runs.set_index(KEY_COLUMNS)["sweep"]
        keys = pd.MultiIndex.from_frame(traces[KEY_COLUMNS])
        keep = newest.reindex(keys).to_numpy() == traces["sweep"].to_numpy()
        traces = traces[keep]
    write_solutions(out_dir / SOLUTIONS, outcomes)
    atomic_write_text(out_dir / "summary.md", summary_markdown(runs, commands=commands))
    paths = {
        "runs": out_dir / "runs.csv",
        "sweeps": out_dir / "sweeps.csv",
        "traces": out_dir / "traces.csv",
        "summary": out_dir / "summary.md",
        "performance_profile": out_dir / "performance_profile.png",
        "objective_over_time": out_dir / "objective_over_time.png",
    }
    # schedule sets have repeats, not an objective: they are not on the objective plots
    plots.performance_profile(runs[~runs["set"].isin(SCHEDULE_SETS)], paths["performance_profile"])
    plots.objective_over_time(traces, paths["objective_over_time"])
    return paths
