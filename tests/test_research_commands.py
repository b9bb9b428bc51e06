"""Researchers' commands refuse a wrong setting before any work: bench's output folder,
a sweep that selects nothing, an `alone` naming no solver of the sweep, mdgp's --out."""

from __future__ import annotations

from pathlib import Path

from typer.testing import CliRunner

from clnmatch.cli import app
from clnmatch.research.harness import run_bench

TINY = ["--sets", "tiny", "--strategies", "greedy", "--seeds", "0", "--time-limit", "1"]


def test_bench_refuses_an_out_that_is_a_file(tmp_path: Path, capsys) -> None:
    """--out naming an existing file: exit 2 before any run (it was a traceback, exit 1)."""
    taken = tmp_path / "runs.csv"
    taken.write_text("mine\n", encoding="utf-8")
    assert run_bench([*TINY, "--out", str(taken)]) == 2
    assert "'--out' parameter of bench" in capsys.readouterr().err
    assert taken.read_text(encoding="utf-8") == "mine\n"


def test_bench_refuses_a_sweep_that_selects_nothing(shared_benchmarks: Path, capsys) -> None:
    """A --match glob with a typo selects no instance: exit 2, not '0 runs' and exit 0."""
    args = ["--sets", "mdgp", "--instances", str(shared_benchmarks / "mdgplib"), "--match",
            "RanInt_n01O*", "--strategies", "greedy", "--dry-run"]  # fmt: skip
    assert run_bench(args) == 2
    assert "select no run" in capsys.readouterr().err


def test_bench_refuses_alone_naming_no_solver_of_the_sweep(tmp_path: Path, capsys) -> None:
    """`--alone nope` would make nothing alone, silently: exit 2 listing the solvers."""
    assert run_bench([*TINY, "--alone", "nope", "--dry-run", "--out", str(tmp_path)]) == 2
    err = capsys.readouterr().err
    assert "'alone' parameter" in err and "greedy" in err
    assert run_bench([*TINY, "--alone", "greedy", "--dry-run", "--out", str(tmp_path)]) == 0


def test_mdgp_refuses_to_write_over_its_instance(shared_benchmarks: Path, tmp_path: Path) -> None:
    """--out naming the instance itself, a folder, or a file in a missing folder: exit 2
    before the search, and the instance is unchanged (it was overwritten, exit 0)."""
    source = shared_benchmarks / "mdgplib" / "RanInt" / "RanInt_n010_ds_01.txt"
    instance = tmp_path / "instance.txt"
    instance.write_bytes(source.read_bytes())
    for out in (instance, tmp_path, tmp_path / "missing" / "sol.txt"):
        done = CliRunner().invoke(
            app,
            ["mdgp", str(instance), "--time-limit", "1", "--bound-time", "0", "--out", str(out)],
        )
        assert done.exit_code == 2, done.output
        assert "'--out' option of mdgp" in " ".join(done.output.split())
    assert instance.read_bytes() == source.read_bytes()
    assert not (tmp_path / "missing").exists()


def test_mdgp_answers_with_the_greedy_start_when_the_strategy_finds_nothing(
    shared_benchmarks: Path, tmp_path: Path, monkeypatch
) -> None:
    """The portfolio finding nothing in a short limit (RanReal_n240_ds_01 at 3-10 s, as a
    researcher met it) made mdgp exit 1 with no file; solve already fell back to the greedy
    start, and now mdgp does too: a grouping keeping the size bounds, exit 0."""
    import json

    from clnmatch.research import read_instance
    from clnmatch.strategies.base import Proposal
    from clnmatch.strategies.portfolio import PortfolioStrategy

    monkeypatch.setattr(PortfolioStrategy, "run", lambda self, problem, budget: Proposal(None))
    instance = shared_benchmarks / "mdgplib" / "RanInt" / "RanInt_n010_ds_01.txt"
    out = tmp_path / "sol.txt"
    args = ["mdgp", str(instance), "--strategy", "portfolio", "--time-limit", "1"]
    done = CliRunner().invoke(app, [*args, "--bound-time", "0", "--out", str(out)])
    assert done.exit_code == 0, done.output
    answer = json.loads(done.output)
    groups = [int(line.split()[1]) for line in out.read_text().splitlines()]
    problem = read_instance(instance)
    assert len(groups) == problem.n_units and answer["objective"] > 0


def test_a_stopped_sweeps_finished_runs_are_kept_and_said(
    tmp_path: Path, capsys, monkeypatch
) -> None:
    """Ctrl+C printed a traceback (clnmatch bench: "no output was written") and the next
    sweep into the folder deleted the finished runs of runs.partial.csv unsaid (a
    researcher). The stop says where they are; the next sweep keeps them beside runs.csv."""
    import clnmatch.research.command as command

    real = command.execute

    def stopped_after_one(specs, *, on_result, **kwargs):
        outcomes = real(specs[:1], on_result=on_result, **kwargs)
        assert outcomes
        raise KeyboardInterrupt

    monkeypatch.setattr(command, "execute", stopped_after_one)
    out = tmp_path / "sweep"
    assert run_bench([*TINY, "--seeds", "0,1", "--out", str(out)]) == 130
    said = capsys.readouterr().err
    assert f"Stopped (Ctrl+C): the 1 finished run(s) are in {out / 'runs.partial.csv'}" in said
    assert "Traceback" not in said and not (out / "runs.csv").exists()
    finished = (out / "runs.partial.csv").read_text(encoding="utf-8")
    monkeypatch.setattr(command, "execute", real)
    assert run_bench([*TINY, "--out", str(out)]) == 0
    assert "are kept as runs.interrupted-" in capsys.readouterr().err
    kept = list(out.glob("runs.interrupted-*.csv"))
    assert len(kept) == 1 and kept[0].read_text(encoding="utf-8") == finished
    assert not (out / "runs.partial.csv").exists() and (out / "runs.csv").exists()
