"""The benchmark harness: tiny sweeps end to end through joblib and Dask, plan files, the
benchmark families, the schedule sets (Social Golfer, breakout rooms at scale), runs made
alone, its arithmetic, the before/after comparison and the docs page built from it."""

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
from clnmatch.research.compare import compare_runs, comparison_table
from clnmatch.research.execute import execute
from clnmatch.research.harness import RUN_COLUMNS, plan, run_bench, run_one
from clnmatch.research.plots import performance_ratios
from clnmatch.research.runs import OBJECTIVES
from clnmatch.research.sets import FAMILY_SETS, SCALE_CASES, ScaleCase
from clnmatch.research.summary import gaps_to_best_bound, golf_table, proof_table, scale_table
from clnmatch.research.sweeps import read_plan, specs_for, sweep_from
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
        "10",  # greedy's 8 starts end in milliseconds; a loaded machine must not cut them
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
    held_out = plan(["fam-uniform"], ["auto"], [0], cohorts=2, first_cohort=5, objective="focus")
    assert [(s.instance, s.cohort_seed) for s in held_out] == [
        ("fam-uniform-05", 5),
        ("fam-uniform-06", 6),
    ]
    with pytest.raises(InvalidParameterError, match="first_cohort"):
        sweep_from({"first_cohort": -1})
    with pytest.raises(InvalidParameterError, match="objective"):
        plan(["tiny"], ["greedy"], [0], objective=["focus", "speed"])


def test_a_family_run_is_scored_like_a_users_cohort():
    """A family cohort runs through solve (here auto on fam-uniform, focus): rule-abiding,
    the strategy auto chose in the notes, the set named with its objective."""
    # proved in about a second; the long limit is for a loaded machine
    (spec,) = plan(["fam-uniform"], ["auto"], [0], cohorts=1, time_limits=[30], objective="focus")
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


def _write_docs():
    """benchmarks/write_docs.py (the tests see the repository root, as ``python -m`` does)."""
    from benchmarks import write_docs

    return write_docs


def test_docs_page_shows_families_and_the_one_command(tmp_path):
    """write_docs builds the families table (proven / runs, median, slowest per objective
    for auto) and names the command and the harness sweep that made every figure."""
    write_docs = _write_docs()

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
    assert "comes from one run of `bash benchmarks/run_targets.sh`" in text
    assert "python -m b --plan p  # sweep S1" in text
    assert "| fam-uniform | 2/3; 3.0 s; 9.0 s | - | 3/3; 0.7 s; 0.9 s |" in text
    assert "Strategies `auto` chose (runs): focus: colgen 3; blend: colgen 3." in text
    assert "2/3 proven optimal; median 3.0 s; slowest 9.0 s | not met" in text
    assert "3/3 proven optimal; median 0.7 s; slowest 0.9 s | met" in text


# --------------------------------------------------------------------------- schedule sets
def test_golf_runs_are_scored_by_the_schedule_checker():
    """A golf set run goes through solve_golf: 3-3-4 (an affine plane, the literature's
    maximum of 4 rounds) is solved with no repeat; 5-3-8, one round past Kirkman's 7, has
    exactly its proven 15 repeats and so is optimal but not solved."""
    specs = plan(["golf"], ["greedy"], [0], match=["3-3-4", "5-3-8"], time_limits=[2])
    assert [(s.instance, s.solver, s.kind) for s in specs] == [
        ("3-3-4", "breakouts", "golf"),
        ("5-3-8", "breakouts", "golf"),
    ]
    kirkman_plus, affine = (run_one(replace(s, warm_up=False)).record for s in specs[::-1])
    assert affine.status == "optimal" and affine.solved is True
    assert affine.repeats == 0 and affine.repeats_lower_bound == 0
    assert affine.known_max_rounds == 4 and affine.breaches == 0
    assert affine.runtime_s is not None
    assert "affine" in affine.notes and "A107431" in affine.notes
    assert kirkman_plus.known_max_rounds == 7 and kirkman_plus.solved is False
    assert kirkman_plus.repeats == kirkman_plus.repeats_lower_bound == 15
    assert kirkman_plus.status == "optimal" and kirkman_plus.objective is None


def test_a_scale_run_is_checked_for_repeats_and_rules(monkeypatch):
    """A breakouts-scale case runs plan_breakouts on a generated roster: solved means no
    repeat and every rule met, with the time of the first such schedule and the mix per
    room (here a tiny case of 36 people in rooms of 6 for 3 rounds, >= 2 authorities)."""
    tiny = ScaleCase("tiny-36", 36, 20, 6, 3, 2, 2.0, "36 people, rooms of 6, 3 rounds")
    monkeypatch.setitem(SCALE_CASES, tiny.name, tiny)
    (spec,) = plan(["breakouts-scale"], ["breakouts"], [0], match=["tiny-36"])
    assert spec.time_limit == 2.0 and spec.time_limit_rule == "set default"
    record = run_one(replace(spec, warm_up=False)).record
    assert record.status in ("optimal", "feasible") and record.breaches == 0
    assert record.solved is True and record.repeats == 0 and record.repeats_lower_bound == 0
    assert record.first_solved_s is not None and record.first_solved_s <= record.runtime_s
    assert record.authorities_per_team_mean is not None
    assert record.authorities_per_team_mean >= 2
    assert record.notes.startswith("36 people")


def test_schedule_sets_plan_their_own_solver_and_limits():
    """Golf and breakouts-scale run the breakout planner whatever strategies the sweep
    names (and `breakouts` never runs on cohort sets); the moonshot 8-4-10 gets 600 s, other
    golf instances 60 s, the scale cases their targets' limits; unknown sets list them."""
    specs = plan(["tiny", "golf", "breakouts-scale"], ["greedy", "breakouts"], [0], cohorts=1)
    by_set = {s.set: {(x.solver, x.instance) for x in specs if x.set == s.set} for s in specs}
    assert by_set["tiny"] == {("greedy", "tiny-00")}
    golf = {s.instance: s.time_limit for s in specs if s.set == "golf"}
    assert golf["8-4-10"] == 600.0 and golf["5-3-7"] == 60.0 and golf["8-4-9"] == 60.0
    assert {"5-3-8", "8-4-11", "9-9-10"} <= set(golf)
    scale = {s.instance: s.time_limit for s in specs if s.set == "breakouts-scale"}
    assert scale == {"480-people": 60.0, "5000-people": 300.0}
    assert not any(s.keep_trace for s in specs if s.kind in ("golf", "breakouts"))
    with pytest.raises(InvalidParameterError, match="golf"):
        plan(["nosuch"], ["greedy"], [0])


def test_alone_runs_are_made_after_the_others(tmp_path):
    """A plan's `alone` solvers run one at a time after the rest (noted on the row);
    `alone = true` marks every run, a misspelt value is refused."""
    good = tmp_path / "plan.toml"
    good.write_text(
        '[[sweep]]\nsets = "tiny"\nstrategies = ["random", "greedy"]\nalone = ["random"]\n'
        "seeds = 0\ncohorts = 1\ntime_limit = 1\n",
        encoding="utf-8",
    )
    specs = [replace(s, warm_up=False) for s in specs_for(read_plan(good))]
    assert [(s.solver, s.alone) for s in specs] == [("random", True), ("greedy", False)]
    order: list[str] = []
    outcomes = execute(specs, jobs=1, on_result=lambda o: order.append(o.record.strategy))
    assert order == ["greedy", "random"]
    assert [o.record.strategy for o in outcomes] == ["random", "greedy"]  # the plan's order
    assert "made alone" in outcomes[0].record.notes
    assert "made alone" not in outcomes[1].record.notes
    every = plan(["tiny"], ["greedy"], [0], cohorts=1, alone=True)
    assert all(s.alone for s in every)
    bad = tmp_path / "bad.toml"
    bad.write_text('[[sweep]]\nsets = "tiny"\nalone = 3\n', encoding="utf-8")
    with pytest.raises(InvalidParameterError, match="alone"):
        read_plan(bad)


def _golf_rows() -> pd.DataFrame:
    """Golf and scale rows as runs.csv holds them (solved read back as text)."""
    rows = []
    for name, seed, repeats, bound, seconds, status in (
        ("5-3-7", 0, 0, 0, 0.01, "optimal"),
        ("8-4-10", 0, 16, 0, 600.0, "feasible"),
        ("7-3-10", 0, 3, 0, 60.0, "feasible"),
        ("7-3-10", 1, 0, 0, 12.0, "optimal"),
        ("5-3-8", 0, 15, 15, 0.01, "optimal"),
    ):
        known = {"5-3-7": 7, "8-4-10": 10, "7-3-10": 10, "5-3-8": 7}[name]
        rows.append(
            {
                "set": "golf",
                "instance": name,
                "strategy": "breakouts",
                "kind": "strategy",
                "seed": seed,
                "time_limit": 600.0 if name == "8-4-10" else 60.0,
                "time_limit_rule": "set default",
                "status": status,
                "breaches": 0,
                "repeats": repeats,
                "repeats_lower_bound": bound,
                "solved": str(repeats == 0),
                "known_max_rounds": known,
                "runtime_s": seconds,
                "notes": f"a design; literature's maximum {known} (A107431)",
                "sweep": "S1",
            }
        )
    rows.append(
        {
            "set": "breakouts-scale",
            "instance": "480-people",
            "strategy": "breakouts",
            "kind": "strategy",
            "seed": 0,
            "time_limit": 60.0,
            "time_limit_rule": "set default",
            "status": "optimal",
            "breaches": 0,
            "repeats": 0,
            "repeats_lower_bound": 0,
            "solved": "True",
            "first_solved_s": 0.08,
            "runtime_s": 4.2,
            "authorities_per_team_mean": 3.9,
            "sectors_per_team_mean": 3.0,
            "notes": "480 people; greedy",
            "sweep": "S1",
        }
    )
    return pd.DataFrame(rows).reindex(columns=list(RUN_COLUMNS))


def test_golf_and_scale_tables_by_hand():
    """The golf table says per instance what the runs show against the literature; the
    scale table counts solved runs and reports the first solved schedule's time."""
    runs = _golf_rows()
    text = "\n".join(golf_table(runs))
    assert "Instances at the literature's maximum solved in every run: 1 of 3." in text
    assert "| 5-3-7 | 15 | 7 (A107431) | 1/1 | 0 / 0 | 0 |" in text
    assert "solved at the known maximum |" in text
    assert "| 8-4-10 | 32 | 10 (A107431) | 0/1 | 16 / 16 |" in text
    assert "not solved (16 repeats at best) |" in text
    assert "| 7-3-10 | 21 | 10 (A107431) | 1/2 |" in text and "solved in 1 of 2 runs |" in text
    assert "past the maximum: 15 repeats, the proven minimum |" in text
    rows = [line for line in text.splitlines() if line.startswith("| ") and "G-S-W" not in line]
    assert [r.split(" | ")[0] for r in rows[1:]] == ["| 5-3-7", "| 5-3-8", "| 7-3-10", "| 8-4-10"]
    scale = "\n".join(scale_table(runs))
    assert "| 480 people, rooms of 6, 5 rounds, >= 3 authorities | optimal | 1/1 | 0 (0) |" in scale
    assert "| 0.08 | 4.2 | 4.2 | 60 s | 3.90 / 3.00 |" in scale
    assert golf_table(runs[runs["set"] != "golf"]) == []


def test_before_after_compares_like_with_like():
    """The comparison uses only runs both made alike (same instance, seed, limit); a figure
    is worse only beyond the stated noise; a group the later run lacks is 'not measured'."""
    base = {"kind": "strategy", "seed": 0, "time_limit": 20.0, "bound": None}
    before = pd.DataFrame(
        [
            {
                **base,
                "set": "cln",
                "instance": "cln-00",
                "strategy": "ls",
                "objective": 100.0,
                "gap": 0.10,
                "status": "feasible",
                "runtime_s": 20.0,
            },
            {
                **base,
                "set": "cln",
                "instance": "cln-01",
                "strategy": "ls",
                "objective": 50.0,
                "gap": 0.10,
                "status": "feasible",
                "runtime_s": 20.0,
            },
            {
                **base,
                "set": "cln",
                "instance": "cln-00",
                "strategy": "cg",
                "objective": 100.0,
                "gap": 0.0,
                "status": "optimal",
                "runtime_s": 1.0,
            },
            {
                **base,
                "set": "mdgp",
                "instance": "RanReal_n120_ss_01",
                "strategy": "ls",
                "objective": 10.0,
                "gap_to_best_known": 0.001,
                "status": "feasible",
                "runtime_s": 3.0,
            },
            {
                **base,
                "set": "region",
                "instance": "region-00",
                "strategy": "ls",
                "objective": 9.0,
                "status": "feasible",
                "runtime_s": 60.0,
            },
        ]
    )
    after = pd.DataFrame(
        [
            {
                **base,
                "set": "cln",
                "instance": "cln-00",
                "strategy": "ls",
                "objective": 99.8,
                "gap": 0.102,
                "status": "feasible",
                "runtime_s": 20.1,
            },
            {
                **base,
                "set": "cln",
                "instance": "cln-00",
                "strategy": "cg",
                "objective": 99.0,
                "gap": 0.01,
                "status": "feasible",
                "runtime_s": 3.0,
            },
            {
                **base,
                "set": "mdgp",
                "instance": "RanReal_n120_ss_01",
                "strategy": "ls",
                "objective": 10.0,
                "gap_to_best_known": 0.0012,
                "status": "feasible",
                "runtime_s": 3.0,
            },
            {
                **base,
                "set": "cln",
                "instance": "cln-00",
                "strategy": "new",
                "objective": 1.0,
                "status": "feasible",
                "runtime_s": 1.0,
            },
        ]
    )
    found = {(c.set, c.strategy): c for c in compare_runs(before, after)}
    assert set(found) == {("cln", "ls"), ("cln", "cg"), ("mdgp n=120", "ls"), ("region", "ls")}
    ls = found[("cln", "ls")]
    assert ls.before.runs == ls.after.runs == 1 and ls.before.objective == 100.0
    assert ls.worse == ()  # -0.2% objective, +0.2 points gap: noise
    assert found[("cln", "cg")].worse == (
        "fewer proven",
        "objective -1.00%",
        "gap +1.00 points",
        "median 1.0 -> 3.0 s",
        "slowest 1.0 -> 3.0 s",
    )
    assert found[("mdgp n=120", "ls")].worse == ()  # +0.02 points to best known
    assert found[("region", "ls")].after is None
    assert found[("region", "ls")].worse == ("not measured",)
    table = "\n".join(comparison_table(list(found.values())))
    assert "| cln | ls | 1 → 1 | 0 → 0 | 100.000 → 99.800 | 10.00% → 10.20% |" in table
    assert "| region | ls | 1 → 0 | 0 → 0 | 9.000 → - |" in table


def test_docs_page_has_golf_before_after_included_sections_and_kernel_speed(tmp_path):
    """The page shows the golf and scale tables and targets, the before/after table, the
    sections other scripts wrote (if their files exist), the engine's speed before and
    after, and the harness summary without repeating the golf tables."""
    from clnmatch.research.outputs import write_outputs
    from clnmatch.research.runs import RunOutcome, RunRecord

    write_docs = _write_docs()
    folder = tmp_path / "results"
    records = [
        RunRecord(**{k: v for k, v in row.items() if pd.notna(v)})
        for row in _golf_rows().to_dict("records")
    ]
    for record in records:
        record.solved = record.solved == "True"
    cln = dict(
        set="cln",
        instance="cln-00",
        kind="strategy",
        seed=0,
        time_limit=20.0,
        time_limit_rule="given",
        status="feasible",
        runtime_s=20.0,
        breaches=0,
    )
    records.append(RunRecord(strategy="local_search", objective=579.0, gap=0.16, **cln))
    write_outputs(folder, [RunOutcome(r) for r in records], sweep="S1", command="python -m b")
    before = tmp_path / "before"
    before.mkdir()
    pd.DataFrame(
        [{**cln, "strategy": "local_search", "objective": 580.0, "gap": 0.15, "version": "0.0"}]
    ).reindex(columns=list(RUN_COLUMNS)).to_csv(before / "runs.csv", index=False)
    section = tmp_path / "benchmarks-wholecall.md"
    section.write_text("## The time limit covers the whole call\n\nMeasured.\n", "utf-8")
    kernel = "case steps objective cpu ms/step\n"
    (tmp_path / "k0.txt").write_text(kernel + "cln-blend 4000 574563 0.100 0.0250\n", "utf-8")
    (tmp_path / "k1.txt").write_text(kernel + "cln-blend 4000 574563 0.090 0.0225\n", "utf-8")

    text = write_docs.page(
        [folder],
        "bash benchmarks/run_targets.sh",
        before=[before],
        includes=[section, tmp_path / "benchmarks-bounds.md"],  # the second does not exist
        kernel=(tmp_path / "k0.txt", tmp_path / "k1.txt"),
    )
    assert text.count("## Social Golfer instances solved against the literature") == 1
    assert text.count("## Breakout rooms at scale") == 1
    assert (
        "| Kirkman's 5-3-7 solved in seconds (10 s) | 1/1 runs solved; slowest 0.01 s | met |"
        in text
    )
    assert "| 8-4-10 (the moonshot) solved within 10 minutes (600 s) | 0/1 runs solved" in text
    assert "16 repeats at best | not met |" in text
    assert (
        "480 people, rooms of 6, 5 rounds, >= 3 authorities, no repeats, every rule met, within 60 s | 1/1 runs solved"
        in text
    )
    assert "## Before and after the restructuring (issue 13)" in text
    assert "| cln | local_search | 1 → 1 | 0 → 0 | 580.000 → 579.000 | 15.00% → 16.00% |" in text
    assert "gap +1.00 points |" in text
    assert "## The time limit covers the whole call" in text and "benchmarks-bounds" not in text
    assert (
        "| cln-blend | 4000 | 574,563 | 574,563 | yes | 0.100 | 0.090 | 0.0250 | 0.0225 | -10% |"
        in text
    )
    assert "the scripts of the other sections (`" in text
    assert "python -m b  # sweep S1" in text


def test_before_rows_reproduce_the_last_page_before_the_restructuring(shared_benchmarks):
    """The rows kept in benchmarks/before-restructuring give, through today's page writer,
    the very figures the last page before the restructuring printed (1dc5809's Targets)."""
    from benchmarks.target_rows import targets

    write_docs = _write_docs()
    kept = Path(__file__).resolve().parents[1] / "benchmarks" / "before-restructuring"
    old_page = (kept / "benchmarks.md").read_text(encoding="utf-8")
    runs = write_docs._runs([kept / "results", kept / "results-research"])
    rows = [line.split(" | ") for line in targets(runs)[2:]]
    kept_formats = ("CLN (50 est.", "CLN, cohesion", "region", "stress", "MDGPLIB")
    measured = [r[1] for r in rows if r[0].lstrip("| ").startswith(kept_formats)]
    assert len(measured) == 8  # colgen, cpsat, cohesion, region, stress, MDGPLIB x3
    for cell in measured:
        assert f"| {cell} |" in old_page, cell


@pytest.mark.parametrize(
    ("line", "said"),
    [
        ("0 1 0.0015", "at most 3 decimals"),  # rounding would change the instance
        ("0 0 5", "two different elements"),
        ("0 1 nan", "finite weight"),
    ],
)
def test_an_mdgp_file_the_arithmetic_cannot_take_exactly_is_refused(
    tmp_path: Path, line: str, said: str
) -> None:
    """Weights are exact thousandths: a finer weight, a self-pair or NaN is refused naming
    the line (an objective and bound of another instance would otherwise be printed)."""
    from clnmatch.errors import InvalidInputError

    rows = ["0 2 1.5", "0 3 2", "1 2 3", "1 3 4", "2 3 5"]
    path = tmp_path / "tiny.txt"
    path.write_text("\n".join(["4 2 ss 2 2 2 2", line, *rows]) + "\n", encoding="ascii")
    with pytest.raises(InvalidInputError, match=said) as caught:
        read_instance(path)
    assert caught.value.problems[0].row == 2
    repeated = tmp_path / "twice.txt"
    repeated.write_text("\n".join(["4 2 ss 2 2 2 2", "0 1 1", *rows[:-1], "0 1 1"]) + "\n")
    with pytest.raises(InvalidInputError, match="each pair of elements once"):
        read_instance(repeated)
