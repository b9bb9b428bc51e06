"""The harness's summary.md as a researcher reads it: a sweep of time limits is not pooled,
a run past its time is not crowned best, a rule-breaking grouping does not "reach" a
best-known value, and a mean says when it covers fewer runs than its row."""

from __future__ import annotations

import dataclasses

import pandas as pd

from clnmatch.research.runs import RunRecord
from clnmatch.research.summary import summary_markdown


def _runs(*records: RunRecord) -> pd.DataFrame:
    return pd.DataFrame([dataclasses.asdict(r) for r in records])


def _row(text: str, start: str) -> str:
    return next(line for line in text.splitlines() if line.startswith(start))


def _mdgp(strategy: str, limit: float, objective: float, **kw: object) -> RunRecord:
    base = RunRecord("mdgp", "RanReal_n120_ss_01", strategy, "strategy", 0, limit, "given")
    known = 44000.0
    return dataclasses.replace(
        base, status="feasible", objective=objective, best_known=known,
        gap_to_best_known=(known - objective) / known, breaches=0, runtime_s=limit, **kw,
    )  # fmt: skip


def test_a_sweep_of_time_limits_is_one_row_per_limit() -> None:
    """`--time-limit 0.2,2` gave one row "0.2/2 s" whose means pooled both limits."""
    text = summary_markdown(
        _runs(_mdgp("local_search", 0.2, 43000), _mdgp("local_search", 2, 43900))
    )
    assert "| mdgp | local_search @ 0.2 s | 0.2 s | 1 |" in text
    assert "| mdgp | local_search @ 2 s | 2 s | 1 |" in text
    # TPSDP's limits (one per instance size) are one entry, as before
    tpsdp = [
        dataclasses.replace(
            _mdgp("local_search", t, 43000), time_limit_rule="tpsdp", instance=f"RanReal_n{n}_ss_01"
        )  # fmt: skip
        for t, n in ((3, 120), (20, 240))
    ]
    assert "| mdgp | local_search | TPSDP (3/20 s) | 2 |" in summary_markdown(_runs(*tpsdp))


def test_a_rule_breaking_grouping_reaches_no_best_known_value() -> None:
    """Everyone in one group scored -652% "reaching" the best-known value in the table of
    gaps by size, which has no breaches column."""
    broke = dataclasses.replace(
        _mdgp("all_in_one", 1, 330000), status="breaches", breaches=1, gap_to_best_known=-6.52
    )
    text = summary_markdown(_runs(broke, _mdgp("local_search", 1, 43900)))
    sizes = text.split("## Gap to best known by instance size", 1)[1]
    assert "all_in_one" not in sizes and "| mdgp | local_search | 120 |" in sizes
    assert "| mdgp | all_in_one |" in text  # still in the means, beside its breaches


def test_a_strategy_past_its_time_is_not_crowned_best() -> None:
    """A strategy that ran three times its limit was "1.000 (best)" in the ratio table."""

    def cohort(strategy: str, objective: float, notes: str = "") -> RunRecord:
        run = RunRecord("tiny", "tiny-00", strategy, "strategy", 0, 1.0, "given")
        return dataclasses.replace(run, status="feasible", objective=objective, breaches=0,
                                   runtime_s=1.0, notes=notes)  # fmt: skip

    slow = dataclasses.replace(cohort("slow", 131.0), over_time=True)
    for runs in (
        _runs(slow, cohort("colgen", 130.0)),
        # a runs.csv from before the over_time column: the overrun's note tells
        _runs(
            cohort("slow", 131.0, "strategy 'slow' ran 3.0 s of its 1.0 s"), cohort("colgen", 130.0)
        ).drop(columns="over_time"),  # fmt: skip
    ):
        text = summary_markdown(runs).split("## Cohort sets: objective relative to the best", 1)[1]
        assert "1.000 (best)" in _row(text, "| tiny | colgen |")
        assert "(best)" not in _row(text, "| tiny | slow (over time) |")


def test_a_run_past_its_time_is_marked_in_every_table() -> None:
    """The re-tester: the means and the gaps by size showed an over-time run unmarked."""
    slow = dataclasses.replace(_mdgp("slow", 1, 43000), over_time=True)
    text = summary_markdown(_runs(slow, _mdgp("local_search", 1, 43900)))
    rows = [line for line in text.splitlines() if line.startswith("| mdgp | slow")]
    assert len(rows) == 2 and all("slow (over time)" in row for row in rows)
    cohort = RunRecord("tiny", "tiny-00", "slow", "strategy", 0, 1.0, "given")
    cohort = dataclasses.replace(cohort, status="feasible", objective=1.0, over_time=True)
    proofs = summary_markdown(_runs(cohort)).split("## Cohort sets: proofs and times", 1)[1]
    assert "| tiny | slow (over time) |" in proofs  # the proofs table too


def test_a_mean_gap_over_fewer_runs_says_so() -> None:
    """A rerun without --bound-time left 3 of 4 runs with a gap; the mean did not say."""
    runs = [_mdgp("greedy", 1, 40000 + k, gap=0.2, seed=k) for k in range(3)]
    runs.append(_mdgp("greedy", 1, 40003, seed=3))
    row = _row(summary_markdown(_runs(*runs)), "| mdgp | greedy |")
    assert "20.00% (3 of 4 runs)" in row


def test_each_run_names_its_code_cpu_time_and_machine(tmp_path) -> None:
    """A methods section needs the code, the CPU time beside the wall time (a busy machine
    shows less CPU than wall), and the libraries and machine: runs.csv had only "0.1.0"."""
    import csv
    import re

    from clnmatch import __version__
    from clnmatch.research.harness import run_bench

    out = tmp_path / "runs"
    args = ["--sets", "tiny", "--cohorts", "1", "--strategies", "greedy", "--seeds", "0"]
    assert run_bench([*args, "--time-limit", "1", "--jobs", "1", "--out", str(out)]) == 0
    with (out / "runs.csv").open(encoding="utf-8") as handle:
        (row,) = list(csv.DictReader(handle))
    assert float(row["cpu_s"]) >= 0 and row["runtime_s"]
    # the source's commit where it runs from its own checkout (the tests do: a clone)
    from pathlib import Path

    import clnmatch

    own = (Path(clnmatch.__file__).resolve().parents[2] / ".git").exists()
    suffix = r"\+g[0-9a-f]{10}(\.dirty)?" if own else ""
    assert re.fullmatch(re.escape(__version__) + suffix, row["version"]), row["version"]
    summary = (out / "summary.md").read_text(encoding="utf-8")
    assert "ortools " in summary and "numpy " in summary


def _cohort(strategy: str, status: str, objective: float | None, bound: float | None) -> RunRecord:
    base = RunRecord("cln:focus", "cln-3", strategy, "strategy", 0, 10, "given")
    return dataclasses.replace(
        base, status=status, objective=objective, bound=bound, runtime_s=1.0,
        breaches=None if objective is None else 0,
        gap=None if objective is None or bound is None else (bound - objective) / objective,
    )  # fmt: skip


def test_a_claim_another_run_refutes_is_listed_and_not_counted() -> None:
    """A researcher's strategy claimed 'infeasible', or 'optimal' with a bound, beside
    another strategy's rule-abiding teams scoring more: the summary counted the claims
    as proofs and said nothing (a researcher)."""
    runs = _runs(
        _cohort("colgen", "optimal", 600.0, 600.0),
        _cohort("liar", "optimal", 580.0, 580.0),
        _cohort("doubter", "infeasible", None, None),
        _cohort("low_bound", "feasible", 590.0, 595.0),
        _cohort("honest", "feasible", 590.0, 610.0),
    )
    text = summary_markdown(runs)
    refuted = text.split("## Claims refuted by other runs", 1)[1].split("\n## ", 1)[0]
    assert (
        "| cln:focus | cln-3 | liar | 0 | optimal at 580.000 | colgen (seed 0) | 600.000 |"
        in refuted
    )
    assert "| cln:focus | cln-3 | doubter | 0 | infeasible | colgen (seed 0) |" in refuted
    assert "| low_bound | 0 | bound 595.000 |" in refuted
    assert "honest" not in refuted and "| colgen |" not in refuted
    proofs = text.split("## Cohort sets: proofs and times", 1)[1]
    assert "| cln:focus | liar | 1 | 0 |" in proofs  # its 'optimal' is set aside
    assert "| cln:focus | colgen | 1 | 1 |" in proofs
    # an honest sweep has no such section
    assert "refuted" not in summary_markdown(_runs(_cohort("colgen", "optimal", 600.0, 600.0)))
