"""The harness writes each research run's assignment, and its objective in runs.csv is
the one an independent scorer (tests/test_records.py's, from the instance file) gives."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from clnmatch.research.harness import run_bench
from clnmatch.research.outputs import solution_path
from tests.test_records import score

INSTANCES = ("RanReal_n010_ss_01", "Geo_n012_ds_01")


def test_every_research_run_writes_its_assignment(shared_benchmarks: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    args = ["--sets", "mdgp", "--instances", str(shared_benchmarks / "mdgplib")]
    for instance in INSTANCES:
        args += ["--match", instance]
    args += ["--strategies", "greedy,local_search", "--seeds", "0,1", "--time-limit", "1"]
    assert run_bench([*args, "--out", str(out)]) == 0
    runs = pd.read_csv(out / "runs.csv")
    assert len(runs) == len(INSTANCES) * 2 * 2
    for row in runs.itertuples(index=False):
        path = solution_path(
            out / "solutions", row.set, row.instance, row.strategy, row.seed, row.time_limit
        )
        instance = next((shared_benchmarks / "mdgplib").glob(f"*/{row.instance}.txt"))
        assert abs(score(instance, path) - row.objective) <= 1e-3 * max(1.0, abs(row.objective))


def test_a_rerun_that_finds_nothing_leaves_no_older_assignment(tmp_path: Path) -> None:
    """A rerun's row says no_solution: the earlier run's file would sit beside it."""
    from clnmatch.research.outputs import write_solutions
    from clnmatch.research.runs import RunOutcome, RunRecord

    record = RunRecord(set="mdgp", instance="X", strategy="s", kind="strategy", seed=0,
                       time_limit=1.0, time_limit_rule="", best_known=None, version="0")  # fmt: skip
    write_solutions(tmp_path, [RunOutcome(record, solution=(0, 1, 0))])
    path = solution_path(tmp_path, "mdgp", "X", "s", 0, 1.0)
    assert path.read_text() == "0 0\n1 1\n2 0\n"
    write_solutions(tmp_path, [RunOutcome(record)])
    assert not path.exists()
