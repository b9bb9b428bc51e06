"""Social Golfer and breakout-room scale benchmarks (issue 17), through the benchmark harness.

    python benchmarks/golf/run.py                      # every golf instance and both scale cases
    python benchmarks/golf/run.py --only golf --time-limit 30 --seeds 0,1,2
    python benchmarks/golf/run.py --only scale --jobs 2

A thin wrapper over the harness's sets ``golf`` and ``breakouts-scale``
(``clnmatch.research``; docs/benchmarks.md makes the same runs from benchmarks/targets.toml):
golf instances are every (groups, size) pair whose maximum rounds the literature knows, at
that maximum, plus 8-4-9, 5-3-8 and 8-4-11 (past their maximum), and the moonshot 8-4-10
with its own limit; scale cases are 480 people in rooms of 6 for 5 rounds with at least 3
authorities (60 s) and 5,000 people in rooms of 8 for 4 rounds (300 s). Writes to --out
(default benchmarks/golf/results): the harness's outputs (runs.csv, summary.md, ...),
golf.csv and scale.csv (their rows) and results.md (the two tables docs/breakouts.md shows).
Times are wall-clock on this machine; compiling the search is done before, untimed.
"""

from __future__ import annotations

import argparse
import shlex
import sys
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

import pandas as pd

from clnmatch.research.execute import execute
from clnmatch.research.outputs import latest_runs, write_outputs
from clnmatch.research.runs import RunSpec, plan
from clnmatch.research.summary import GOLF_HEADING, SCALE_HEADING, golf_table, scale_table

HERE = Path(__file__).resolve().parent
MOONSHOT = "8-4-10"
COLUMNS = [
    "set",
    "instance",
    "seed",
    "time_limit",
    "status",
    "repeats",
    "repeats_lower_bound",
    "solved",
    "known_max_rounds",
    "first_solved_s",
    "runtime_s",
    "breaches",
    "authorities_per_team_mean",
    "sectors_per_team_mean",
    "notes",
]


def _seeds(text: str) -> list[int]:
    return [int(s) for s in text.split(",") if s.strip()]


def specs(args: argparse.Namespace) -> list[RunSpec]:
    """The runs asked for: golf at --time-limit (8-4-10 at --moonshot-limit), scale cases at
    their targets' limits."""
    out: list[RunSpec] = []
    if args.only in (None, "golf"):
        golf = plan(["golf"], ["breakouts"], _seeds(args.seeds), time_limits=[args.time_limit])
        out += [s for s in golf if s.instance != MOONSHOT]
        out += plan(
            ["golf"],
            ["breakouts"],
            _seeds(args.moonshot_seeds),
            time_limits=[args.moonshot_limit],
            match=[MOONSHOT],
        )
    if args.only in (None, "scale"):
        out += plan(["breakouts-scale"], ["breakouts"], _seeds(args.seeds))
    return [replace(s, time_limit_rule="given") for s in out]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--only", choices=["golf", "scale"], default=None)
    parser.add_argument("--time-limit", type=float, default=60.0, help="seconds per golf run")
    parser.add_argument("--moonshot-limit", type=float, default=600.0, help="seconds for 8-4-10")
    parser.add_argument("--seeds", default="0", help="comma list")
    parser.add_argument("--moonshot-seeds", default="0", help="comma list for 8-4-10")
    parser.add_argument("--jobs", type=int, default=1, help="runs at a time")
    parser.add_argument("--out", type=Path, default=HERE / "results")
    args = parser.parse_args(argv)
    runs = specs(args)
    sweep = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ") + "-golf"
    command = "python benchmarks/golf/run.py " + shlex.join(sys.argv[1:] if argv is None else argv)
    outcomes = execute(
        runs,
        jobs=args.jobs,
        on_result=lambda o: print(
            f"{o.record.set} {o.record.instance} seed {o.record.seed}: {o.record.status}, "
            f"{o.record.repeats} repeats ({o.record.runtime_s} s) {o.record.error}",
            flush=True,
        ),
    )
    paths = write_outputs(args.out, outcomes, sweep=sweep, command=command.strip())
    rows = latest_runs(pd.read_csv(paths["runs"]))
    rows = rows[rows["set"].isin(["golf", "breakouts-scale"])]
    parts = [f"Made by `{command.strip()}` (sweep {sweep}).", ""]
    for set_name, name, heading, table in (
        ("golf", "golf.csv", GOLF_HEADING, golf_table(rows)),
        ("breakouts-scale", "scale.csv", SCALE_HEADING, scale_table(rows)),
    ):
        part = rows[rows["set"] == set_name].reindex(columns=COLUMNS)
        if len(part):
            part.to_csv(args.out / name, index=False, lineterminator="\n")
            parts += [f"### {heading}", "", *table, ""]
    (args.out / "results.md").write_text("\n".join(parts), encoding="utf-8")
    print((args.out / "results.md").read_text(encoding="utf-8"))
    return 0


if __name__ == "__main__":
    sys.exit(main())
