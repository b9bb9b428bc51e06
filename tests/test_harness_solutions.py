"""The harness writes each research run's assignment, and its objective in runs.csv is
the one an independent scorer (tests/test_records.py's, from the instance file) gives."""

from __future__ import annotations

from dataclasses import replace
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


def test_the_warm_up_proves_a_bound_once_when_runs_are_given_bound_time(monkeypatch) -> None:
    """certified_bound's first call in a process imports the semidefinite solver (about 1 s
    of a 2 s --bound-time: a researcher's runs.csv gaps varied with the load); the worker's
    warm-up makes that first call, once, only for runs that prove bounds."""
    import clnmatch.bounds
    from clnmatch.research import measure
    from clnmatch.research.runs import RunSpec

    calls: list[float] = []
    monkeypatch.setattr(clnmatch.bounds, "certified_bound", lambda p, s: calls.append(s))
    monkeypatch.setattr(measure, "_WARMED", set())
    spec = RunSpec("mdgp", "x", "research", "greedy", "strategy", 0, 1.0, "given")
    measure.warm_up(spec)
    assert calls == []
    with_bound = RunSpec("mdgp", "x", "research", "local_search", "strategy", 0, 1.0, "given")
    measure.warm_up(replace(with_bound, bound_time=2.0))
    measure.warm_up(replace(with_bound, solver="random", bound_time=2.0))
    assert len(calls) == 1


def test_a_peer_past_its_time_is_marked_over_time(monkeypatch) -> None:
    """A peer has no budget that notes an overrun: a breaching peer run 4x past its limit
    went unmarked in runs.csv (a researcher). Its own time decides, as a strategy's does."""
    import time

    from clnmatch.research import execute, peers
    from clnmatch.research.runs import RunSpec

    class Slow:
        name = package = "slow"

        def assign(self, cohort, rules, time_limit, seed):  # type: ignore[no-untyped-def]
            time.sleep(0.7)  # past 1.1 x 0.1 s + 0.5 s
            team = {e.id: 1 + k % 2 for k, e in enumerate(cohort.establishments)}
            people = {p.id: team[p.establishment_id] for p in cohort.practitioners}
            return peers.PeerAnswer(people, team)

    monkeypatch.setattr(peers, "get_peer", lambda name: Slow())
    spec = RunSpec("tiny", "tiny-0", "cohort", "slow", "peer", 0, 0.1, "given", cohort_seed=0)
    record = execute.run_one(replace(spec, warm_up=False)).record
    assert record.status in ("feasible", "breaches") and record.over_time
    assert "peer 'slow' ran 0.7 s of its 0.1 s" in record.notes
    quick = execute.run_one(replace(spec, time_limit=5.0, warm_up=False)).record
    assert not quick.over_time
