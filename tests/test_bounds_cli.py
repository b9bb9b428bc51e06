"""`clnmatch mdgp` prints a proven bound for every instance, from clnmatch.bounds."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from clnmatch.cli import app

runner = CliRunner()


def mdgp(*args: object) -> tuple[int, str]:
    result = runner.invoke(app, ["mdgp", *(str(a) for a in args)], catch_exceptions=False)
    return result.exit_code, result.output


def test_mdgp_proves_the_optimum_of_a_small_instance(shared_benchmarks: Path) -> None:
    """On an instance with a proven optimum the printed bound is that optimum (column
    generation proves it), at or above the objective, with the method and its seconds."""
    instance = shared_benchmarks / "mdgplib/Geo/Geo_n012_ds_01.txt"
    code, output = mdgp(instance, "--time-limit", "1", "--bound-time", "10")
    assert code == 0, output
    data = json.loads(output)
    assert data["bound"] == 807.677 >= data["objective"]
    assert data["bound_method"] == "columns" and data["bound_s"] >= 0
    # the proof said in words, as solve's results say it (only objective == bound did):
    # local search finds this 12-element optimum at once
    assert data["objective"] == data["bound"] and data["status"] == "optimal"
    assert data["gap"] == 0


def test_mdgp_bound_on_a_distance_instance_is_within_one_percent(shared_benchmarks: Path) -> None:
    """On Geo n=120 the semidefinite bound proves a bound within 1% of the objective found
    in 2 s (the quadratic majorant's was 0.9% above the best known, before local search's
    shortfall)."""
    instance = shared_benchmarks / "mdgplib/Geo/Geo_n120_ss_05.txt"
    code, output = mdgp(instance, "--time-limit", "2", "--bound-time", "20")
    assert code == 0, output
    data = json.loads(output)
    assert data["bound_method"] == "semidefinite"
    assert data["objective"] <= data["bound"] <= 1.01 * data["objective"]
    assert data["status"] == "feasible" and 0 < data["gap"] <= 0.01


def test_mdgp_bound_time_zero_and_negative(shared_benchmarks: Path) -> None:
    """--bound-time 0 prints the quick relaxation; a negative one is refused (exit 2)."""
    instance = shared_benchmarks / "mdgplib/RanReal/RanReal_n010_ss_01.txt"
    code, output = mdgp(instance, "--time-limit", "1", "--bound-time", "0")
    assert code == 0 and json.loads(output)["bound_method"] == "relaxation"
    code, output = mdgp(instance, "--time-limit", "1", "--bound-time", "-1")
    assert code == 2 and "'--bound-time' option must be" in output  # was "option mdgp must"


def test_mdgp_takes_auto_and_names_itself_in_errors(shared_benchmarks: Path) -> None:
    """--strategy auto is solve's choice (column generation on two cores, proving the optimum,
    on a small instance); an unknown strategy is refused naming `clnmatch mdgp` and listing auto."""
    instance = shared_benchmarks / "mdgplib/Geo/Geo_n012_ds_01.txt"
    code, output = mdgp(instance, "--strategy", "auto", "--time-limit", "2", "--bound-time", "0")
    assert code == 0, output
    data = json.loads(output)
    assert data["strategy"] == "portfolio" and data["objective"] == 807.677 == data["bound"]
    code, output = mdgp(instance, "--strategy", "nope")
    assert code == 2 and "'--strategy' option" in output and "'auto'" in output
    assert "of solve" not in output
    listed = runner.invoke(app, ["strategies"]).output
    assert "colgen" in listed and "auto" in listed


def test_get_strategy_names_itself_and_explains_auto() -> None:
    import pytest

    from clnmatch import get_strategy
    from clnmatch.errors import InvalidParameterError

    with pytest.raises(InvalidParameterError, match="parameter of get_strategy.*solve's choice"):
        get_strategy("auto")


def test_bench_bound_time_fills_bound_and_gap_of_runs_that_prove_none(
    shared_benchmarks: Path, tmp_path: Path
) -> None:
    """`clnmatch bench --bound-time`: a greedy run on MDGPLIB proves nothing; with a bound
    time its row has a certified bound (at least its objective, at most the relaxation)
    and the gap between them, said in its notes; without it, none (the bench's default)."""
    import pandas as pd

    from clnmatch.bounds import relaxation_bound_milli
    from clnmatch.problem import SCALE
    from clnmatch.research.command import run_bench
    from clnmatch.research.instances import read_instance

    name = "RanReal_n012_ss_01"
    args = ["--sets", "mdgp", "--match", name, "--instances", str(shared_benchmarks / "mdgplib"),
            "--strategies", "greedy", "--seeds", "0", "--time-limit", "2"]  # fmt: skip
    assert run_bench([*args, "--bound-time", "2", "--out", str(tmp_path / "with")]) == 0
    assert run_bench([*args, "--out", str(tmp_path / "without")]) == 0
    row = pd.read_csv(tmp_path / "with" / "runs.csv").iloc[0]
    relaxed = relaxation_bound_milli(
        read_instance(shared_benchmarks / f"mdgplib/RanReal/{name}.txt")
    )
    assert row["objective"] <= row["bound"] <= relaxed / SCALE + 1e-6
    assert row["gap"] == pytest.approx(
        (row["bound"] - row["objective"]) / row["objective"], abs=1e-6
    )
    assert "certified_bound" in row["notes"]
    assert pd.isna(pd.read_csv(tmp_path / "without" / "runs.csv").iloc[0]["bound"])
    assert run_bench([*args, "--bound-time", "-1", "--dry-run"]) == 2
