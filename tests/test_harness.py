"""The benchmark harness: tiny sweeps end to end through joblib and Dask, plan files, the
benchmark families, its arithmetic and the docs page built from it."""

from __future__ import annotations

import sys
from dataclasses import replace
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from clnmatch.errors import InvalidParameterError
from clnmatch.evaluate import evaluate
from clnmatch.problem import Problem
from clnmatch.research import read_instance, read_solution
from clnmatch.research.harness import RUN_COLUMNS, plan, run_bench, run_one
from clnmatch.research.plots import performance_ratios
from clnmatch.research.runs import OBJECTIVES
from clnmatch.research.sets import FAMILY_SETS
from clnmatch.research.summary import gaps_to_best_bound, proof_table
from clnmatch.research.sweeps import read_plan, specs_for
from clnmatch.strategies import base
from clnmatch.strategies.base import Budget, Proposal

INSTANCE = "RanReal_n010_ss_01"
BKS = 1427.845  # proven optimum (bks.csv)


def _sweep_args(out: Path, bench: Path, *extra: str) -> list[str]:
    return [
        "--sets",
        "tiny,mdgp",
        "--cohorts",
        "1",
        "--match",
        INSTANCE,
        "--instances",
        str(bench / "mdgplib"),
        "--strategies",
        "greedy",
        "--seeds",
        "0,1",
        "--time-limit",
        "1",
        "--out",
        str(out),
        *extra,
    ]


def _check_outputs(out: Path, expected_runs: int) -> pd.DataFrame:
    runs = pd.read_csv(out / "runs.csv")
    assert tuple(runs.columns) == RUN_COLUMNS
    assert len(runs) == expected_runs
    summary = (out / "summary.md").read_text(encoding="utf-8")
    header = "| set | strategy | time limit | runs | ok | failed | objective | gap | gap to BKS"
    assert header in summary
    assert "Cohort sets: objective relative to the best strategy" in summary
    for name in ("performance_profile.png", "objective_over_time.png", "traces.csv"):
        assert (out / name).stat().st_size > 0, name
    assert not (out / "runs.partial.csv").exists()
    return runs


def test_joblib_sweep_end_to_end_records_a_failing_peer(shared_benchmarks, tmp_path, monkeypatch):
    """A tiny sweep (cohort + MDGPLIB n=10, 2 seeds) writes every output; a peer that cannot
    import its package is a failed row with the reason, not a dropped run."""
    monkeypatch.setitem(sys.modules, "team_formation", None)  # as if not installed
    out = tmp_path / "out"
    code = run_bench(_sweep_args(out, shared_benchmarks, "--peers", "team-formation"))
    assert code == 0
    runs = _check_outputs(out, expected_runs=6)  # tiny: greedy x2 + peer x2; mdgp: greedy x2

    greedy = runs[runs["strategy"] == "greedy"]
    assert set(greedy["status"]) <= {"feasible", "optimal"}
    assert (greedy["breaches"] == 0).all() and greedy["runtime_s"].notna().all()
    cohort_rows = greedy[greedy["set"] == "tiny"]
    assert cohort_rows["authorities_per_team_mean"].notna().all()
    assert cohort_rows["sectors_per_team_mean"].between(2, 4).all()  # min_sectors = 2 holds
    mdgp = greedy[greedy["set"] == "mdgp"]
    assert (mdgp["best_known"] == BKS).all()
    expected_gap = (BKS - mdgp["objective"]) / BKS
    assert np.allclose(mdgp["gap_to_best_known"], expected_gap)

    peer = runs[runs["strategy"] == "team-formation"]
    assert len(peer) == 2 and (peer["status"] == "failed").all() and (peer["kind"] == "peer").all()
    assert peer["error"].str.contains("PeerUnavailable").all()
    assert peer["error"].str.contains("pip install team-formation").all()
    assert "## Failed runs" in (out / "summary.md").read_text(encoding="utf-8")


def test_dask_local_cluster_sweep_and_append(shared_benchmarks, tmp_path):
    """The same sweep through a Dask LocalCluster's scheduler address; a second sweep into
    the same folder appends its rows to runs.csv."""
    distributed = pytest.importorskip(
        "distributed", reason="dask[distributed] is in the 'bench' extra"
    )
    out = tmp_path / "out"
    with distributed.LocalCluster(
        n_workers=2, threads_per_worker=1, processes=False, dashboard_address=None
    ) as cluster:
        args = _sweep_args(out, shared_benchmarks, "--scheduler", cluster.scheduler_address)
        assert run_bench(args) == 0
        assert run_bench(args) == 0
    runs = _check_outputs(out, expected_runs=8)
    assert runs["sweep"].nunique() >= 1 and set(runs["set"]) == {"tiny", "mdgp"}
    assert set(runs["status"]) <= {"feasible", "optimal"}
    # runs are reproducible: the two sweeps agree run by run
    key = ["set", "instance", "strategy", "seed"]
    first, second = runs.iloc[:4].set_index(key), runs.iloc[4:].set_index(key)
    assert first["objective"].sort_index().equals(second["objective"].sort_index())


def test_gap_to_best_known_is_zero_for_a_perfect_strategy(shared_benchmarks, monkeypatch):
    """An oracle returning the proven optimum of an n=10 instance has gap to best known 0;
    one pair swapped gives (bks - objective) / bks exactly."""
    mdgp = shared_benchmarks / "mdgplib"
    optimum = read_solution(mdgp / "solutions_exact" / f"{INSTANCE}.txt", 10)

    class Oracle:
        name = "oracle"

        def __init__(self, swap: bool = False) -> None:
            self.swap = swap

        def run(self, problem: Problem, budget: Budget) -> Proposal:
            team = optimum.copy()
            if self.swap:
                a, b = int(np.flatnonzero(team == 0)[0]), int(np.flatnonzero(team == 1)[0])
                team[a], team[b] = team[b], team[a]
            return Proposal(unit_team=team)

    monkeypatch.setitem(base._REGISTRY, "oracle", Oracle)
    monkeypatch.setitem(base._REGISTRY, "oracle_swapped", lambda: Oracle(swap=True))
    specs = plan(["mdgp"], ["oracle", "oracle_swapped"], [0], mdgp_dir=mdgp, match=[INSTANCE])
    assert [s.time_limit for s in specs] == [3.0, 3.0]  # TPSDP's limit for n <= 120
    perfect, swapped = (run_one(s).record for s in specs)
    assert perfect.status == "feasible" and perfect.best_known == BKS
    assert perfect.objective == pytest.approx(BKS, abs=1e-9)
    assert perfect.gap_to_best_known == pytest.approx(0.0, abs=1e-12)

    problem = read_instance(next(mdgp.glob(f"*/{INSTANCE}.txt")))
    team = optimum.copy()
    a, b = int(np.flatnonzero(team == 0)[0]), int(np.flatnonzero(team == 1)[0])
    team[a], team[b] = team[b], team[a]
    objective = evaluate(problem, team).objective
    assert objective < BKS
    assert swapped.gap_to_best_known == pytest.approx((BKS - objective) / BKS, rel=1e-12)


def test_unknown_strategy_is_an_invalid_setting(tmp_path, capsys):
    """An unknown strategy name exits 2 with the choices, and writes nothing."""
    code = run_bench(["--sets", "tiny", "--strategies", "nosuch", "--out", str(tmp_path / "o")])
    assert code == 2
    assert "strategy" in capsys.readouterr().err
    assert not (tmp_path / "o").exists()


def test_performance_ratios_by_hand():
    """Ratio = best rule-abiding objective of the instance / objective; breaches and failures
    are infinite."""
    runs = pd.DataFrame(
        {
            "set": ["s"] * 4,
            "instance": ["i"] * 4,
            "time_limit": [1.0] * 4,
            "seed": [0, 0, 0, 0],
            "strategy": ["a", "b", "c", "d"],
            "objective": [100.0, 80.0, 120.0, None],
            "status": ["feasible", "optimal", "breaches", "failed"],
        }
    )
    ratios = performance_ratios(runs).set_index("strategy")["ratio"]
    assert ratios["a"] == 1.0 and ratios["b"] == pytest.approx(1.25)
    assert ratios["c"] == float("inf") and ratios["d"] == float("inf")


def test_plan_expands_families_and_objectives():
    """`families` stands for every fam-* set, each run once per objective, labelled
    set:objective (blend keeps the bare name); research sets are planned once."""
    specs = plan(["families", "fam-uniform"], ["auto"], [0], cohorts=2, objective=OBJECTIVES)
    assert len(specs) == len(FAMILY_SETS) * 3 * 2
    labels = {s.label for s in specs}
    assert "fam-schools:focus" in labels and "fam-schools" in labels
    assert {s.instance for s in specs if s.set == "fam-uniform"} == {
        "fam-uniform-00",
        "fam-uniform-01",
    }
    assert all(s.time_limit == 30.0 for s in specs)
    with pytest.raises(InvalidParameterError, match="objective"):
        plan(["tiny"], ["greedy"], [0], objective=["focus", "speed"])


def test_a_family_run_is_scored_like_a_users_cohort():
    """A family cohort runs through solve (here auto on fam-uniform, focus): rule-abiding,
    the strategy auto chose in the notes, the set named with its objective."""
    (spec,) = plan(["fam-uniform"], ["auto"], [0], cohorts=1, time_limits=[5], objective="focus")
    record = run_one(replace(spec, warm_up=False)).record
    assert record.set == "fam-uniform:focus" and record.strategy == "auto"
    assert record.status in ("optimal", "feasible") and record.breaches == 0
    assert "auto chose" in record.notes


def test_plan_file_sweeps_run_as_one(tmp_path, capsys):
    """--plan reads [[sweep]] tables into one plan (a run two sweeps share is made once);
    an unknown key names it; sweep options beside --plan are refused."""
    good = tmp_path / "plan.toml"
    good.write_text(
        '[[sweep]]\nsets = "tiny"\nstrategies = ["greedy", "random"]\nseeds = 0\ncohorts = 1\n'
        'objective = ["focus", "blend"]\n\n'
        '[[sweep]]\nsets = ["tiny"]\nstrategies = "greedy"\nseeds = [0, 1]\ncohorts = 1\n',
        encoding="utf-8",
    )
    specs = specs_for(read_plan(good))
    # 2 strategies x 2 objectives, then greedy seeds 0 (already planned) and 1
    assert len(specs) == 5
    assert run_bench(["--plan", str(good), "--dry-run"]) == 0
    assert "5 runs" in capsys.readouterr().err

    bad = tmp_path / "bad.toml"
    bad.write_text('[[sweep]]\nsets = "tiny"\nstrategy = "greedy"\n', encoding="utf-8")
    assert run_bench(["--plan", str(bad), "--dry-run"]) == 2
    assert "strategy" in capsys.readouterr().err
    assert run_bench(["--plan", str(good), "--sets", "cln", "--dry-run"]) == 2
    assert "--sets" in capsys.readouterr().err


def test_gaps_and_proof_table_by_hand():
    """Gap to best bound uses the smallest bound proven on the cohort, for peers too; the
    proof table counts proofs and takes median and slowest times per set and strategy."""
    runs = pd.DataFrame(
        {
            "set": ["cln:focus"] * 3 + ["cln:focus"],
            "instance": ["a", "a", "a", "b"],
            "strategy": ["colgen", "greedy", "peer", "colgen"],
            "kind": ["strategy", "strategy", "peer", "strategy"],
            "objective": [100.0, 80.0, 50.0, 10.0],
            "bound": [100.0, 120.0, None, 10.0],
            "gap": [0.0, 0.5, None, 0.0],
            "status": ["optimal", "feasible", "breaches", "optimal"],
            "runtime_s": [1.0, 0.1, 0.2, 3.0],
        }
    )
    gaps = gaps_to_best_bound(runs)
    assert list(gaps) == [0.0, pytest.approx(0.25), pytest.approx(1.0), 0.0]
    rows = {r[1]: r for r in proof_table(runs)}
    assert "peer" not in rows
    assert rows["colgen"][2:] == ["2", "2", "2.0", "3.0", "0.00%"]
    assert rows["greedy"][3] == "0"


def test_docs_page_shows_families_and_the_one_command(tmp_path):
    """write_docs builds the families table (proven / runs, median, slowest per objective
    for auto) and names the command and the harness sweep that made every figure."""
    import importlib.util

    path = Path(__file__).resolve().parents[1] / "benchmarks" / "write_docs.py"
    spec = importlib.util.spec_from_file_location("write_docs", path)
    assert spec is not None and spec.loader is not None
    write_docs = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(write_docs)

    folder = tmp_path / "results"
    folder.mkdir()
    rows = []
    for objective, times in (("focus", [1.0, 3.0, 9.0]), ("blend", [0.5, 0.7, 0.9])):
        label = "fam-uniform" if objective == "blend" else f"fam-uniform:{objective}"
        for k, t in enumerate(times):
            rows.append(
                {
                    "set": label,
                    "instance": f"fam-uniform-{k:02d}",
                    "strategy": "auto",
                    "kind": "strategy",
                    "seed": 0,
                    "time_limit": 30.0,
                    "status": "optimal" if t < 5 else "feasible",
                    "runtime_s": t,
                    "notes": "auto chose colgen",
                    "sweep": "S1",
                }
            )
    frame = pd.DataFrame(rows).reindex(columns=list(RUN_COLUMNS))
    frame.to_csv(folder / "runs.csv", index=False)
    pd.DataFrame(
        [{"sweep": "S1", "version": "x", "runs": 6, "failed": 0, "command": "python -m b --plan p"}]
    ).to_csv(folder / "sweeps.csv", index=False)
    text = write_docs.page([folder], "bash benchmarks/run_targets.sh")
    assert "one run of the benchmark harness" in text and "`bash benchmarks/run_targets.sh`" in text
    assert "python -m b --plan p  # sweep S1" in text
    assert "| fam-uniform | 2/3; 3.0 s; 9.0 s | - | 3/3; 0.7 s; 0.9 s |" in text
    assert "colgen 6 (runs)" in text
    assert "2/3 proven optimal; median 3.0 s; slowest 9.0 s | not met" in text
    assert "3/3 proven optimal; median 0.7 s; slowest 0.9 s | met" in text
