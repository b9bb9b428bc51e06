"""The benchmark harness: instance sets x strategies (and peers) x seeds x time limits.

``run_bench(argv)`` is the command (``clnmatch bench`` / ``python -m benchmarks``); the
pieces are public for notebooks: ``plan`` lists the runs, ``run_one`` does one run in a
worker, ``execute`` runs a plan through joblib or Dask, ``write_outputs`` writes
runs.csv, traces.csv, the research runs' assignments (solutions/), summary.md and the plots.

This module gathers them; each lives in its own module, in the order data flows:

* ``sets``: the instance sets (generated cohorts, MDGPLIB / CCPLIB folders);
* ``runs``: ``RunSpec`` (a run to make), ``RunRecord`` (a runs.csv row) and ``plan``;
* ``measure``: memory around a run and the untimed warm-up before a worker's first run;
* ``execute``: ``run_one`` (scored by ``clnmatch.evaluate``, never by the strategy) and
  ``execute`` through joblib or Dask;
* ``summary`` and ``outputs``: summary.md, runs.csv, traces.csv and the plots;
* ``command``: the command line.
"""

from __future__ import annotations

from clnmatch.research.command import run_bench
from clnmatch.research.execute import execute, run_one
from clnmatch.research.measure import WARM_UP_SECONDS
from clnmatch.research.outputs import latest_runs, write_outputs
from clnmatch.research.runs import (
    KEY_COLUMNS,
    RUN_COLUMNS,
    TRACE_COLUMNS,
    RunOutcome,
    RunRecord,
    RunSpec,
    plan,
)
from clnmatch.research.sets import (
    COHORT_SETS,
    RESEARCH_SETS,
    CohortSet,
    default_benchmarks_dir,
    research_files,
    tpsdp_time_limit,
)
from clnmatch.research.summary import summary_markdown

__all__ = [
    "CohortSet",
    "COHORT_SETS",
    "KEY_COLUMNS",
    "RESEARCH_SETS",
    "RunSpec",
    "RunRecord",
    "RunOutcome",
    "RUN_COLUMNS",
    "TRACE_COLUMNS",
    "WARM_UP_SECONDS",
    "tpsdp_time_limit",
    "default_benchmarks_dir",
    "plan",
    "research_files",
    "run_one",
    "execute",
    "write_outputs",
    "summary_markdown",
    "latest_runs",
    "run_bench",
]
